/**
 * The thread plugin rules run in (src/custom/plugins.ts). It imports the plugins, rebuilds the model
 * from the resources it is sent, and runs one rule per request. Each answer goes to the port, then the
 * shared flag is bumped and notified: the scanning thread sleeps on that flag (Atomics.wait) with a
 * deadline, so it can stop a rule that never answers by terminating this thread.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { MeshModel, type ModelOptions } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Rule, ReportInput } from '../rules/types.js';
import type { RuleSettings } from '../config/settings.js';
import type { WireReport } from './plugins.js';

// Plugins' console output never reaches meshward's output (fs.writeSync(1, ...) still could: a
// plugin runs with the rights of the process, which is why only the project's own plugins are loaded).
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const) console[method] = () => {};
process.stdout.write = (() => true) as typeof process.stdout.write;
process.stderr.write = (() => true) as typeof process.stderr.write;

const { files, port, shared } = workerData as { files: string[]; port: MessagePort; shared: SharedArrayBuffer };
const flag = new Int32Array(shared);
const rules = new Map<string, Rule>();
let model: MeshModel | null = null;
let settings: RuleSettings = { trustedProxyImages: [], systemNamespaces: [] };

function answer(message: unknown): void {
  port.postMessage(message);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A module's rules: its default export or `rules`, a rule or a list of them. */
function rulesOf(mod: Record<string, unknown>): Rule[] {
  const v = mod.default ?? mod.rules;
  const list = Array.isArray(v) ? v : v ? [v] : [];
  return list.filter((r): r is Rule => !!r && typeof r === 'object' && typeof (r as Rule).check === 'function' && !!(r as Rule).meta);
}

async function load(): Promise<void> {
  try {
    for (const f of files) {
      const found = rulesOf(await import(f));
      if (!found.length) throw new Error(`${f} exports no rules (export default defineRule({...}) or an array of them)`);
      for (const r of found) rules.set(String(r.meta.id), r);
    }
    answer({ metas: [...rules.values()].map((r) => JSON.parse(JSON.stringify(r.meta))) });
  } catch (err) {
    answer({ error: errorText(err) });
  }
}

function run(id: string): void {
  const rule = rules.get(id);
  if (!rule || !model) return answer({ error: rule ? 'no model was sent' : `no rule ${id}` });
  const reports: WireReport[] = [];
  const report = (input: ReportInput) => {
    reports.push({
      resource: input.resource.id,
      path: input.path ? [...input.path] : undefined,
      message: String(input.message),
      severity: input.severity,
      remediation: input.remediation,
      key: input.key,
      evidence: input.evidence?.map((e) => ({ role: String(e.role), description: String(e.description), resource: e.resource?.id, path: e.path ? [...e.path] : undefined })),
    });
  };
  try {
    rule.check({ model, settings, report, perNamespace: (_ns, _key, compute) => compute() });
    answer({ reports });
  } catch (err) {
    answer({ error: errorText(err) });
  }
}

port.on('message', (m: { type: string; id?: string; resources?: Resource[]; options?: ModelOptions; settings?: RuleSettings }) => {
  if (m.type === 'load') void load();
  else if (m.type === 'model') {
    try {
      model = new MeshModel(m.resources ?? [], m.options ?? {});
      if (m.settings) settings = m.settings;
      answer({ ok: true });
    } catch (err) {
      answer({ error: errorText(err) });
    }
  } else if (m.type === 'run') run(String(m.id));
});
