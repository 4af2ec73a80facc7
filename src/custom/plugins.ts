/**
 * Plugin rules: packages (or files) named in `.meshward.yaml` `plugins:` that export rules written
 * with `defineRule` from 'meshward' (src/api.ts), the contract built-in rules use.
 *
 * Where they come from: a package name is looked up ONLY in `node_modules` of the config file's own
 * folder (never a parent folder, a global install, or anything a scanned manifest says); a path
 * (`./rules/plugin.js`) is resolved against the config file's folder.
 *
 * How they run: in a worker thread, never on the scanning thread. The worker imports the plugins,
 * builds its own MeshModel from the same resources and runs each rule's `check`; the scanning thread
 * waits for each rule's result synchronously (Atomics.wait, receiveMessageOnPort) with a time budget.
 * So a plugin that throws fails alone; one that loops forever is stopped by terminating the worker
 * when its budget runs out (a synchronous loop cannot be interrupted inside the thread that runs it,
 * which is why plugins are never run in-process); one that allocates without bound hits the worker's
 * heap limit and dies there (seen as a timeout). Rules after a stopped one get a fresh worker.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Severity } from '../engine/finding.js';
import { SEVERITIES } from '../engine/finding.js';
import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import { badReference } from '../engine/markdown.js';
import { terminalSafe } from '../engine/text.js';
import { CATEGORY_TITLES, type Rule, type RuleContext, type RuleMeta } from '../rules/types.js';
import { CUSTOM_ID } from './load.js';
import { PluginError } from './base.js';

export { PluginError };

/** Heap a plugin worker may use, model included (MB); MESHWARD_PLUGIN_HEAP_MB overrides. */
const PLUGIN_HEAP_MB = 2048;
/** How long importing the plugins may take. */
const LOAD_TIMEOUT_MS = 30_000;
/** Most findings one plugin rule may report in one run. */
const MAX_REPORTS = 1_000_000;
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export interface PluginRef {
  spec: string;
  line: number;
}

/** What the worker sends back for one report: objects by their id in the model. */
export interface WireReport {
  resource: number;
  path?: PathSegment[];
  message: string;
  severity?: Severity;
  remediation?: string;
  key?: string;
  evidence?: Array<{ role: string; description: string; resource?: number; path?: PathSegment[] }>;
}

/** The module file a plugin entry names, resolved as the header says. */
export async function resolvePlugin(ref: PluginRef, configFile: string): Promise<string> {
  const dir = path.dirname(configFile);
  const where = `${terminalSafe(configFile)}:${ref.line}: plugins`;
  if (ref.spec.startsWith('./') || ref.spec.startsWith('../') || path.isAbsolute(ref.spec)) {
    const file = path.resolve(dir, ref.spec);
    if (!(await isFile(file))) throw new PluginError(`${where}: ${terminalSafe(ref.spec)}: no such file (paths are relative to the config file)`);
    return file;
  }
  if (!PACKAGE_NAME.test(ref.spec)) throw new PluginError(`${where}: "${terminalSafe(ref.spec.slice(0, 100))}" is neither a package name nor a path starting with ./ or ../`);
  const pkgDir = path.join(dir, 'node_modules', ref.spec);
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    throw new PluginError(`${where}: package ${ref.spec} is not installed in ${terminalSafe(path.join(dir, 'node_modules'))} (plugins are loaded only from the project's own node_modules); run npm install ${ref.spec} there`);
  }
  const entry = packageEntry(pkg);
  const file = path.resolve(pkgDir, entry);
  if (path.relative(pkgDir, file).startsWith('..')) throw new PluginError(`${where}: package ${ref.spec} names an entry point outside its folder`);
  if (!(await isFile(file))) throw new PluginError(`${where}: package ${ref.spec}: its entry point ${terminalSafe(entry)} does not exist (is it built?)`);
  return file;
}

function packageEntry(pkg: Record<string, unknown>): string {
  const pick = (v: unknown): string | null => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (Object.hasOwn(o, '.')) return pick(o['.']);
      for (const k of ['import', 'node', 'default']) if (Object.hasOwn(o, k)) return pick(o[k]);
    }
    return null;
  };
  return (Object.hasOwn(pkg, 'exports') ? pick(pkg.exports) : null) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js');
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The thread plugins run in, and the synchronous calls into it. */
class PluginHost {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private flag: Int32Array | null = null;
  /** The model the worker holds, so it is sent once per run, not once per rule. */
  private modelSent: MeshModel | null = null;

  /** The rules' metadata, from the first load. */
  metas: unknown[] = [];

  constructor(
    private readonly files: readonly string[],
    private readonly heapMb: number,
  ) {}

  /** Starts a worker and imports the plugins in it; an error message, or null. */
  load(): string | null {
    this.start();
    const loaded = this.call({ type: 'load' }, LOAD_TIMEOUT_MS);
    if (!loaded) {
      this.stop();
      return `plugins did not load within ${LOAD_TIMEOUT_MS / 1000} s`;
    }
    if (loaded.error) {
      this.stop();
      return `a plugin failed to load: ${terminalSafe(String(loaded.error).slice(0, 1000))}`;
    }
    this.metas = loaded.metas;
    return null;
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    this.port = port1;
    this.worker = new Worker(new URL('./plugin-worker.js', import.meta.url), {
      workerData: { files: this.files.map((f) => pathToFileURL(f).href), port: port2, shared },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      stdout: true,
      stderr: true,
    });
    // A plugin's console output is not meshward's output (it could forge findings in text reports): the
    // worker silences console and process.stdout/stderr, and its streams here are never read (reading
    // them would keep the worker's port, and so the CLI, alive).
    // Out of memory (or any crash) is seen by the waiting rule as a timeout; the event must not crash the CLI.
    this.worker.on('error', () => {});
    // Neither the worker nor its port may keep the CLI alive once the scan is done.
    this.worker.unref();
    port1.unref();
    this.modelSent = null;
  }

  stop(): void {
    void this.worker?.terminate();
    this.port?.close();
    this.worker = null;
    this.port = null;
    this.modelSent = null;
  }

  /** Sends a message and waits for the answer; null when `timeoutMs` passes first. */
  call(message: unknown, timeoutMs: number): any {
    const flag = this.flag!;
    const port = this.port!;
    port.postMessage(message);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(flag, 0);
      const got = receiveMessageOnPort(port);
      if (got) return got.message;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(flag, 0, seen, left);
    }
  }

  ensureModel(model: MeshModel, settings: RuleContext['settings'], timeoutMs: number): string | null {
    if (this.worker && this.modelSent === model) return null;
    if (!this.worker) {
      // A rule before this one was stopped: a fresh worker, the plugins imported again.
      const failed = this.load();
      if (failed) return failed;
    }
    const reply = this.call({ type: 'model', resources: model.resources, options: modelOptions(model, settings), settings: cloneable(settings) }, timeoutMs);
    if (!reply) {
      this.stop();
      return `the plugin worker did not build the model within ${timeoutMs} ms`;
    }
    if (reply.error) return String(reply.error);
    this.modelSent = model;
    return null;
  }
}

function modelOptions(model: MeshModel, settings: RuleContext['settings']) {
  return {
    meshConfig: model.mesh.origin === 'file' ? { config: model.mesh.config, file: model.mesh.file ?? '' } : null,
    tenantPolicy: cloneable(model.tenancy.policy),
    clusterDomain: model.clusterDomain,
    ...(settings.systemNamespaces.length ? { systemNamespaces: settings.systemNamespaces } : {}),
  };
}

function cloneable<T>(v: T): T | null {
  try {
    return structuredClone(v);
  } catch {
    return null;
  }
}

export interface PluginLoadOptions {
  budgetMs: number;
  heapMb?: number;
  builtIn: readonly Rule[];
}

/**
 * Imports the plugins in a worker, checks the rules they export (IDs, metadata), and gives each as a
 * Rule whose check runs in that worker. Throws PluginError.
 */
export async function loadPlugins(refs: readonly PluginRef[], configFile: string, opts: PluginLoadOptions): Promise<Rule[]> {
  const files: string[] = [];
  for (const ref of refs) files.push(await resolvePlugin(ref, configFile));
  const host = new PluginHost(files, opts.heapMb ?? PLUGIN_HEAP_MB);
  const failed = host.load();
  if (failed) throw new PluginError(`${failed} (${files.map((f) => terminalSafe(path.relative(path.dirname(configFile), f))).join(', ')})`);
  const builtIn = new Set(opts.builtIn.map((r) => r.meta.id));
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const raw of host.metas) {
    const meta = checkMeta(raw);
    if (builtIn.has(meta.id.slice(2))) throw new PluginError(`plugin rule ${meta.id} looks like the built-in rule ${meta.id.slice(2)}; pick an ID of your own`);
    if (seen.has(meta.id)) throw new PluginError(`two plugin rules have the ID ${meta.id}`);
    seen.add(meta.id);
    rules.push(pluginRule(meta, host, opts.budgetMs));
  }
  return rules;
}

/** Plugin metadata is input too: the same checks as a rule file's. */
function checkMeta(raw: unknown): RuleMeta {
  const m = (raw ?? {}) as Record<string, any>;
  const id = typeof m.id === 'string' ? m.id : '';
  const bad = (why: string) => new PluginError(`plugin rule ${terminalSafe(id.slice(0, 80)) || '(no id)'}: ${why}`);
  if (!CUSTOM_ID.test(id) || id.length > 64) throw bad('its id must start with X- and be upper-case letters, digits and single dashes (e.g. X-TEAM-CHECK)');
  if (typeof m.title !== 'string' || !m.title || m.title.length > 200) throw bad('needs a title (at most 200 characters)');
  if (!SEVERITIES.includes(m.severity)) throw bad(`its severity must be one of ${SEVERITIES.join(', ')}`);
  if (!Object.hasOwn(CATEGORY_TITLES, m.category)) throw bad(`its category must be one of ${Object.keys(CATEGORY_TITLES).join(', ')}`);
  if (!Array.isArray(m.reads) || !m.reads.every((k: unknown) => typeof k === 'string')) throw bad('needs reads: the kinds it reads');
  const d = m.docs ?? {};
  for (const k of ['summary', 'why', 'fix']) if (typeof d[k] !== 'string' || !d[k]) throw bad(`needs docs.${k}`);
  const opt = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const references = Array.isArray(d.references) ? d.references.filter((r: unknown) => typeof r === 'string').slice(0, 20) : undefined;
  const badRef = badReference(references ?? []);
  if (badRef) throw bad(`docs.references: ${badRef.reason}`);
  return {
    id,
    title: terminalSafe(m.title),
    severity: m.severity,
    category: m.category,
    reads: m.reads.slice(0, 50),
    // Code that may read anything it is given: every Namespace update re-runs it.
    namespaceContent: true,
    docs: {
      summary: d.summary,
      why: d.why,
      fix: d.fix,
      bad: opt(d.bad),
      good: opt(d.good),
      references,
    },
  };
}

function pluginRule(meta: RuleMeta, host: PluginHost, budgetMs: number): Rule {
  return {
    meta,
    check(ctx: RuleContext) {
      const started = performance.now();
      const modelError = host.ensureModel(ctx.model, ctx.settings, budgetMs);
      if (modelError) throw new Error(`plugin rule ${meta.id}: ${modelError}`);
      const left = Math.max(1, budgetMs - (performance.now() - started));
      const reply = host.call({ type: 'run', id: meta.id }, left);
      if (!reply) {
        // Terminating is the only way to stop a synchronous loop; the next plugin rule gets a new worker.
        host.stop();
        throw new Error(`plugin rule ${meta.id} did not finish within its time budget of ${budgetMs} ms (a loop, or its worker ran out of memory); it was stopped`);
      }
      if (reply.error) throw new Error(`plugin rule ${meta.id} threw: ${terminalSafe(String(reply.error).slice(0, 2000))}`);
      const resources = ctx.model.resources;
      const at = (id: unknown): Resource | undefined => (typeof id === 'number' && Number.isInteger(id) ? resources[id] : undefined);
      const reports = Array.isArray(reply.reports) ? (reply.reports as WireReport[]).slice(0, MAX_REPORTS) : [];
      for (const r of reports) {
        const resource = at(r.resource);
        if (!resource || typeof r.message !== 'string') continue;
        ctx.report({
          resource,
          path: Array.isArray(r.path) ? r.path : undefined,
          message: r.message,
          severity: SEVERITIES.includes(r.severity as Severity) ? r.severity : undefined,
          remediation: typeof r.remediation === 'string' ? r.remediation : undefined,
          key: typeof r.key === 'string' ? r.key : undefined,
          evidence: Array.isArray(r.evidence) ? r.evidence.map((e) => ({ role: String(e.role), description: String(e.description), resource: at(e.resource), path: Array.isArray(e.path) ? e.path : undefined })) : undefined,
        });
      }
    },
  };
}
