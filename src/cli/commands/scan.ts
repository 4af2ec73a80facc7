import os from 'node:os';
import { computePosture } from '../../posture/index.js';
import { buildView } from './posture.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { anyPathGlob, GlobError } from '../../engine/glob.js';
import { Option, type Command } from 'commander';
import { analyse, scanPaths, type ScanOptions, type ScanResult } from '../../engine/scan.js';
import { foldedNote } from '../../engine/owned.js';
import { markNamespaceless, namesNoNamespace } from '../../engine/namespaceless.js';
import { resourceKey, resourceLookup } from '../../engine/suppress.js';
import type { Resource } from '../../model/resource.js';
import type { ReportError } from '../../report/types.js';
import { addLiveOptions, clusterErrors, liveKinds, liveSelection, scanClusters, type ClusterAnalysis, type ClusterFindings, type LiveFlags } from '../live.js';
import { SEVERITIES, type Finding } from '../../engine/finding.js';
import { meshFromFileValue, meshYamlProblem } from '../../model/meshconfig.js';
import { loadAllYamlBounded } from '../../loader/yaml-bounded.js';
import { AdvisoryDatabaseError, describeDatabase, getAdvisoryDatabase, loadAdvisoryDatabase, setAdvisoryDatabase } from '../../advisories/database.js';
import type { TenantPolicyFile } from '../../tenancy/policy.js';
import { allRules } from '../../rules/index.js';
import { evaluationNotes } from '../../custom/index.js';
import { customRulesFor } from './custom.js';
import type { Rule } from '../../rules/types.js';
import { listSome, terminalSafe } from '../../engine/text.js';
import type { LoadError } from '../../loader/parse.js';
import type { InputFile } from '../../loader/load.js';
import type { KustomizeFacts } from '../../loader/kustomize.js';
import { baselineFor, configFor, emitReport, nearest, type EmitInput, type OutputFlags } from '../emit.js';
import { HelmSourceMap } from '../helm.js';
import { addOutputOptions, parseFailOn, resolveOutputs, type OutputOptionValues } from '../outputs.js';
import { readSideText, SideFileError } from '../../engine/side-file.js';
import { UsageError, EXIT_USAGE, type CliIO, positiveInt } from '../io.js';
import type { SetExit } from './index.js';
import { checkWatchUsage, runWatch } from './scan-watch.js';
import { addTelemetryOptions, describeFacts, factsData, loadSource, telemetryPlan, type TelemetryFlags } from '../telemetry.js';
import type { TrafficFacts } from '../../insights/types.js';
import { describeRuleFailure } from '../rule-failures.js';
import { twinDefinitions } from '../../engine/twins.js';
import { describe as describeResource, hasOwnName } from '../../model/resource.js';

interface ScanFlags extends OutputOptionValues, LiveFlags, TelemetryFlags {
  failOn?: string;
  exclude?: string[];
  allowEmpty?: boolean;
  sarifBase?: string;
  chartDir?: string;
  config?: string;
  meshConfig?: string;
  baseline?: string;
  writeBaseline?: string;
  /** -n; absent: `default`, or where a kustomization of the input builds the object (src/loader/kustomize.ts). */
  namespace?: string;
  cluster: string;
  jobs?: string;
  verbose?: boolean;
  showSuppressed?: boolean;
  only?: string;
  tenants?: string;
  federationPlan?: string;
  advisories?: string;
  maxFileBytes?: string;
  maxDocumentBytes?: string;
  watch?: boolean;
  watchDebounce?: string;
  rules?: string[];
}

export function registerScan(program: Command, io: CliIO, setExit: SetExit): void {
  const scan = program
    .command('scan')
    .description('scan Kubernetes, Istio and Gateway API manifests (files, folders, or - for stdin)')
    .argument('[paths...]', 'files or folders (recursive: .yaml, .yml, .json); - reads standard input; optional with a live cluster (--context...)');
  addOutputOptions(scan);
  addLiveOptions(scan);
  addTelemetryOptions(scan);
  scan
    .addOption(new Option('--fail-on <severity>', `exit 1 when a finding is at or above this severity: ${[...SEVERITIES, 'none'].join(', ')}, any case (default: high, or failOn in the config)`).argParser(parseFailOn))
    .option('-c, --config <file>', 'config file (default: the nearest .meshward.yaml upward from here, up to the repository root)')
    .option('--mesh-config <file>', 'Istio mesh config: MeshConfig, Helm values, IstioOperator or the istio ConfigMap')
    .option('--advisories <file>', 'Istio security-bulletin database to use instead of the bundled one (docs/advisories.md)')
    .option('--tenants <file>', 'tenant policy: which namespaces form a tenant, the hosts and gateways each may claim (docs/tenancy.md)')
    .option('--federation-plan <file>', 'federation plan the FED rules judge the federation config by (docs/federation.md; default: federationPlan in the config)')
    .option('--baseline <file>', 'ignore findings already in this baseline (or earlier JSON report)')
    .option('--write-baseline <file>', 'write the fingerprints of the current findings to a baseline file')
    .option('-n, --namespace <ns>', 'namespace for objects that name none (default: the one their kustomize build gives them, else "default")')
    .option('--cluster <name>', 'cluster name recorded on every resource read from files', 'default')
    .option('-j, --jobs <n>', 'parser threads (default: number of CPUs)')
    .option('-v, --verbose', 'also list skipped documents and other notes')
    .option('--show-suppressed', 'include suppressed findings in the output')
    .option('--only <ids>', 'run only these rules (comma-separated IDs)')
    .option('--rules <path>', 'custom rule file or folder (YAML + CEL, docs/custom-rules.md); repeatable, added to rules: in the config', collectPaths)
    .option('--exclude <glob>', 'skip files and folders matching this glob, relative to the scanned folder (e.g. "**/charts/**"); repeatable', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--allow-empty', 'exit 0 when the input holds no Kubernetes objects (default: exit 2, so a failed `helm template` upstream fails the build)')
    .option('--sarif-base <dir>', 'folder SARIF, GitLab and JUnit paths are relative to (default: the repository root, the nearest folder upward with .git)')
    .option('--chart-dir <dir>', 'the Helm chart folder that was rendered, to map `# Source:` comments to its template files')
    .option('--max-file-bytes <n>', 'largest input file read')
    .option('--max-document-bytes <n>', 'largest single YAML/JSON document parsed')
    .option('--watch', 'with one live cluster: report, then keep watching and print only new and resolved findings after each change, until Ctrl-C (docs/live.md)')
    .option('--watch-debounce <duration>', 'with --watch: quiet time after a change before the findings are updated, e.g. 500ms, 2s (default: 500ms)')
  scan.action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });
}

async function runScan(paths: string[], flags: ScanFlags, io: CliIO): Promise<number> {
  const started = performance.now();
  const selection = liveSelection(flags);
  if (!paths.length && !selection) {
    throw new UsageError('nothing to scan: give files or folders (or - for standard input), or a live cluster with --context NAME, --all-contexts, --kubeconfig FILE or --in-cluster');
  }
  const outputs = resolveOutputs(flags);
  const exclude = excludeMatcher(flags.exclude ?? []);
  const outputFlags: OutputFlags = {
    format: outputs[0]?.format ?? 'text',
    outputs,
    failOn: flags.failOn,
    config: flags.config,
    baseline: flags.baseline,
    writeBaseline: flags.writeBaseline,
    showSuppressed: flags.showSuppressed,
    sarifBase: flags.sarifBase,
  };
  const config = await configFor(outputFlags, io);
  const custom = await customRulesFor(flags.rules ?? [], config, io);
  const rules = selectRules(flags.only, custom.all);
  const jobs = flags.jobs ? positiveInt(flags.jobs, '--jobs') : Math.max(1, os.availableParallelism());
  const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
  const tenantPolicy = flags.tenants ? await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants) : null;
  const planFile = flags.federationPlan ? { path: path.resolve(io.cwd, flags.federationPlan), shown: flags.federationPlan } : config.federationPlanFile ? { path: config.federationPlanFile, shown: config.federationPlanFile } : null;
  if (planFile) config.settings.federationPlan = await (await import('./federate.js')).readPlan(planFile.path, planFile.shown);
  if (flags.watch) checkWatchUsage(paths, selection, outputs, { baseline: flags.baseline, writeBaseline: flags.writeBaseline });
  if (!flags.watch && flags.watchDebounce !== undefined) throw new UsageError('--watch-debounce applies to --watch');
  const baseline = await baselineFor(outputFlags, io);
  // The flags are checked now (usage errors before any work); the queries run while the files load
  // and parse (issue 15: they wait on the network, the files on the CPU), joined before the rules.
  const telemetryPlanned = telemetryPlan(flags, io);
  const telemetryLoading = loadTelemetry(telemetryPlanned, flags, paths.length > 0);
  telemetryLoading.catch(() => undefined);
  try {
    setAdvisoryDatabase(flags.advisories ? loadAdvisoryDatabase(path.resolve(io.cwd, flags.advisories)) : null);
  } catch (err) {
    if (err instanceof AdvisoryDatabaseError) throw new UsageError(`--advisories: ${err.message}`);
    throw err;
  }
  if (flags.watch) {
    return runWatch({
      selection: selection!,
      rules,
      settings: config.settings,
      model: { meshConfig, tenantPolicy },
      disabled: config.disabled,
      severityOverrides: config.severityOverrides,
      format: outputs[0]?.format === 'json' ? 'json' : 'text',
      debounce: flags.watchDebounce,
      io,
    });
  }
  const analysis = {
    rules,
    model: { meshConfig, tenantPolicy },
    settings: config.settings,
    disabled: config.disabled,
    severityOverrides: config.severityOverrides,
    // Read-only findings of about 150 bytes instead of a kilobyte (issue 10: a million on 45 MB).
    compactFindings: true,
    // A cluster or a dump of one holds each Deployment's ReplicaSets and Pods: one finding, not a dozen.
    foldOwned: true,
  };
  // Not const: let go before the reports are written (below).
  let result: ScanResult | null = paths.length
    ? await scanPaths(paths, {
        ...analysis,
        exclude,
        jobs,
        defaultNamespace: flags.namespace,
        cluster: flags.cluster,
        telemetryPending: telemetryLoading.then((t) => t.files),
        limits: {
          ...(flags.maxFileBytes ? { maxFileBytes: positiveInt(flags.maxFileBytes, '--max-file-bytes') } : {}),
          ...(flags.maxDocumentBytes ? { maxDocumentBytes: positiveInt(flags.maxDocumentBytes, '--max-document-bytes') } : {}),
        },
      })
    : emptyScan(analysis);
  const telemetry = await telemetryLoading;
  // The HTML report shows a posture table (`meshward posture`'s rows) for the files and for each cluster.
  const wantsPosture = (outputFlags.outputs ?? [{ format: outputFlags.format }]).some((t) => t.format === 'html');
  // Each live cluster gets its own model and rule run with the same options; only its findings (and posture view) are kept.
  // Custom rules are compiled (and plugins hosted) on this thread: live clusters are then analysed here too.
  const live = selection
    ? await scanClusters(
        { selection, kinds: liveKinds(rules.filter((r) => !config.disabled.has(r.meta.id))), io: custom.rules.length ? { ...io, env: { ...io.env, MESHWARD_LIVE_WORKERS: '0' } } : io, format: outputFlags.format, verbose: flags.verbose },
        { ...analysis, ...(telemetry.clusters ? { telemetryByCluster: telemetry.clusters } : {}), ...(wantsPosture ? { posture: true } : {}) },
      )
    : null;

  const notes: string[] = [...telemetry.notes, ...evaluationNotes(custom.rules)];
  if (live && telemetry.clusters) {
    for (const name of telemetry.clusters.named.keys()) {
      if (!live.summaries.some((s) => s.name === name)) notes.push(`--prometheus names cluster ${terminalSafe(name)}, which was not scanned; cluster names are the contexts' or those given with --cluster-name`);
    }
  }
  if (paths.length && result.model.mesh.origin === 'defaults') {
    notes.push("no Istio mesh config in the input (istio ConfigMap or IstioOperator); Istio's defaults were assumed. Pass --mesh-config FILE to check the real one.");
  }
  // Several mesh configs in the input: which one was used, and why (never a silent choice).
  for (const n of result.model.mesh.notes) notes.push(terminalSafe(n));
  notes.push(...twinNotes(result.model.resources, flags.verbose === true));
  // Where objects that name no namespace went when no kustomize build placed them, and how many did.
  const placedIn = flags.namespace ?? 'default';
  const placed = paths.length ? result.load.resources.filter((r) => r.namespace === placedIn && !isKubeconfig(r) && namesNoNamespace(r)) : [];
  const namespaceless = placed.length;
  // A finding that relates a placed object to another namespace says so itself (SARIF and JUnit carry no notes).
  result.findings = markNamespaceless(result.findings, placed, placedIn, result.model.rootNamespace) as Finding[];
  notes.push(...kustomizeNotes(result.load.kustomize, namespaceless, flags.verbose === true));
  // A kubeconfig file in the input is a document of kind Config: scan judges kubeconfigs carried in
  // Secrets (the KCF rules), `meshward kubeconfig` judges files. Name the files rather than pass over them.
  const kubeconfigFiles = [...new Set(result.model.ofKind('', 'Config').filter((r) => isKubeconfig(r) && r.source).map((r) => r.source!.file))];
  if (kubeconfigFiles.length) {
    const n = kubeconfigFiles.length;
    notes.push(`${n} kubeconfig file${n === 1 ? ' is' : 's are'} in the input (${listSome(kubeconfigFiles.map(terminalSafe), 3)}): scan judges kubeconfigs carried in Secrets; run \`meshward kubeconfig FILE...\` on ${n === 1 ? 'it' : 'them'} for what ${n === 1 ? 'it lets' : 'each lets'} whoever loads ${n === 1 ? 'it' : 'them'} do (exec plugins, token files, servers)`);
  }
  notes.push(...namespaceNotes(namespaceless, placedIn));
  const folded = foldedNote(result.folded);
  if (folded) notes.push(folded);
  const advisoryDb = describeDatabase(getAdvisoryDatabase());
  if (result.findings.some((f) => f.ruleId.startsWith('ADV')) || /over \d+ days old/.test(advisoryDb)) notes.push(`versions were checked against the ${advisoryDb}`);
  if (result.notes.length) {
    if (flags.verbose) notes.push(...result.notes);
    else {
      // The loader keeps an object without metadata.name (an IstioOperator of an install profile is one)
      // and notes it; those were loaded and used, so they are counted apart from the documents skipped.
      const unnamed = result.load.resources.filter((r) => !hasOwnName(r.obj)).length;
      const skipped = Math.max(0, result.notes.length - unnamed);
      const parts: string[] = [];
      if (skipped) parts.push(`${skipped} document${skipped === 1 ? ' was' : 's were'} skipped (not Kubernetes objects)`);
      if (unnamed) parts.push(`${unnamed} object${unnamed === 1 ? ' has' : 's have'} no metadata.name and ${unnamed === 1 ? 'was' : 'were'} loaded as "(unnamed)"`);
      notes.push(`${parts.join('; ') || `${result.notes.length} loader note${result.notes.length === 1 ? '' : 's'}`}; --verbose lists them`);
    }
  }
  const helm = new HelmSourceMap(result.load.files, flags.chartDir ? chartFolder(flags.chartDir, io.cwd) : null);
  if (!helm.empty) {
    const mapped = helm.apply(result.findings);
    if (mapped) notes.push(`${mapped} location${mapped === 1 ? ' was' : 's were'} mapped to Helm templates through their "# Source:" comments; lines are in the rendered output (shown as "rendered"), the template is given at line 1`);
  }
  const hint = helmTemplateHint(result.errors);
  if (hint) notes.push(hint);
  const merged = live ? mergeLive(result, live) : null;
  if (merged) notes.push(...merged.notes);
  const emitInput: EmitInput = {
    findings: merged?.findings ?? result.findings,
    errors: merged?.errors ?? result.errors,
    notes,
    started,
    resources: result.model.resources.length + (live?.summaries.reduce((n, s) => n + s.resources, 0) ?? 0),
    files: result.load.files.length,
    meshConfig: merged?.meshConfig ?? result.model.mesh.origin,
    clusters: live?.summaries,
    rules,
    // Built by a function so that no variable here keeps the model alive once emitReport lets go of it.
    resourceOf: lookupWithClusters(resourceLookup(result.model.resources), merged?.ignoreAnnotations ?? null),
    config,
    baseline,
    flags: outputFlags,
    io,
    fallbackFiles: await fallbackFiles(meshConfig?.file ?? null, config.file, helm, result.load.files, io.cwd),
    // One posture table per source: the files (when any were given), then each cluster read, in selection order.
    posture: wantsPosture
      ? [
          ...(paths.length || !live ? [{ cluster: null, view: buildView(computePosture(result.model), result.findings, null) }] : []),
          ...(live?.summaries ?? []).flatMap((s) => {
            const view = live?.results.get(s.name)?.posture;
            return view !== undefined ? [{ cluster: s.name, view }] : [];
          }),
        ]
      : undefined,
  };
  const failures = merged?.failures ?? result.failures;
  const nothingRead = paths.length > 0 && !selection && result.model.resources.length === 0 && result.errors.length === 0;
  // The model (parsed objects, indexes, the rules' caches) is most of the memory and the reports do
  // not need it: drop it before they are written (emitReport lets go of resourceOf once suppressions
  // are applied), so writing a million findings does not happen on top of it (issue 10, class 6).
  result = null;
  const code = await emitReport(emitInput);
  if (hint) io.stderr.write(`meshward: ${hint}\n`);
  for (const failure of failures) io.stderr.write(describeRuleFailure(failure));
  if (failures.length) return EXIT_USAGE;
  if (nothingRead && !flags.allowEmpty) {
    // An empty stream is what a failed `helm template` upstream leaves: never a green build by accident.
    // (Unreadable input already exits 1 and lists the errors.)
    io.stderr.write(`meshward: no resources found in ${paths.map((p) => terminalSafe(p === '-' ? 'standard input' : p)).join(', ')}; check the paths (or the command piping into meshward), or pass --allow-empty if that is expected\n`);
    return EXIT_USAGE;
  }
  return code;
}

/**
 * Traffic facts for the files and the live clusters, loaded here before any rule runs (a Prometheus
 * that is down is a note). Live clusters get plain data: their rules may run in worker threads.
 */
async function loadTelemetry(plan: ReturnType<typeof telemetryPlan>, flags: ScanFlags, hasFiles: boolean): Promise<{ files?: TrafficFacts; clusters?: import('../live.js').ClusterTelemetry; notes: string[] }> {
  if (!plan) return { notes: [] };
  const notes: string[] = [];
  const shared = plan.shared ? await loadSource(plan, plan.shared) : undefined;
  if (shared) {
    notes.push(describeFacts(shared), ...shared.notes.map(terminalSafe));
  }
  const named = new Map<string, ReturnType<typeof factsData>>();
  for (const [cluster, url] of plan.perCluster) {
    const f = await loadSource(plan, { kind: 'prometheus', url });
    notes.push(describeFacts(f, cluster), ...f.notes.map((n) => `${terminalSafe(cluster)}: ${terminalSafe(n)}`));
    named.set(cluster, factsData(f));
  }
  if (!hasFiles && plan.perCluster.size === 0 && !liveSelection(flags)) notes.push('traffic facts were loaded but nothing was scanned with them');
  return {
    ...(shared && hasFiles ? { files: shared } : {}),
    clusters: { named, ...(shared ? { fallback: factsData(shared) } : {}) },
    notes,
  };
}

/** Files' objects by key, then the ignore annotations kept from live clusters (their objects are gone). */
function lookupWithClusters(fileLookup: (f: Finding) => Resource | undefined, clusters: ReadonlyMap<string, Resource> | null): (f: Finding) => Resource | undefined {
  return clusters ? (f) => fileLookup(f) ?? clusters.get(resourceKey(f.resource)) : fileLookup;
}

/** The file side of a run with live clusters only: no files, no findings. */
function emptyScan(opts: ScanOptions): ScanResult {
  return analyse({ files: [], resources: [], errors: [], notes: [] }, { ...opts, rules: [] });
}

/**
 * The files' results and every cluster's, in one list each: files first, then the clusters in the
 * order they were selected (the reader may finish them in any order; the report must not vary).
 */
function mergeLive(files: ScanResult, live: ClusterAnalysis<ClusterFindings>) {
  const findings = [...files.findings];
  const errors: ReportError[] = [...files.errors];
  const failures = [...files.failures];
  const notes: string[] = [];
  const ignoreAnnotations = new Map<string, Resource>();
  const origins = new Set<string>();
  if (files.load.files.length) origins.add(files.model.mesh.origin);
  const seenNames = new Set<string>();
  for (const s of live.summaries) {
    if (seenNames.has(s.name)) notes.push(`two clusters are named ${terminalSafe(s.name)}: their findings share fingerprints; give each its own name with --cluster-name CONTEXT=NAME`);
    seenNames.add(s.name);
    errors.push(...clusterErrors(s));
    // The cluster's own notes (kinds not installed, rules weakened) are in its summary: its section in text, summary.clusters in JSON.
    const r = live.results.get(s.name);
    if (!r) continue;
    for (const f of r.findings) findings.push(f);
    errors.push(...r.errors);
    notes.push(...r.notes);
    for (const f of r.failures) if (!failures.some((x) => x.ruleId === f.ruleId)) failures.push(f);
    for (const [k, v] of r.ignoreAnnotations) ignoreAnnotations.set(k, v);
    if (s.status !== 'error') {
      origins.add(r.meshConfig);
      if (r.meshConfig === 'defaults') notes.push(`${terminalSafe(s.name)}: no Istio mesh config found in the cluster (the istio ConfigMap in the root namespace); Istio's defaults were assumed. Pass --mesh-config FILE to check the real one.`);
    }
  }
  return { findings, errors, failures, notes, ignoreAnnotations, meshConfig: [...origins].join(',') || 'none' };
}

export async function readTenantPolicy(file: string, shown: string): Promise<TenantPolicyFile> {
  // Imported here, not at the top: the policy's schema (zod) is for runs given --tenants.
  const { loadTenantPolicy, TenantPolicyError } = await import('../../tenancy/policy.js');
  try {
    return await loadTenantPolicy(file, shown);
  } catch (err) {
    if (err instanceof TenantPolicyError) throw new UsageError(err.message);
    throw err;
  }
}

/** The largest mesh config read; the istio ConfigMap holds at most 1 MiB, IstioOperators and Helm values are far smaller. */
const MAX_MESH_CONFIG_BYTES = 16 * 1024 * 1024;
/** Most nodes a mesh config may expand to, aliases counted each time they are used; real ones have hundreds. */
// A mesh config is small: a tighter budget than a manifest's, counted with aliases and merges expanded.
const MAX_MESH_CONFIG_NODES = 200_000;
const MAX_MESH_CONFIG_DEPTH = 64;

export async function readMeshConfig(file: string, shown: string): Promise<{ config: Record<string, any>; file: string }> {
  let text: string;
  try {
    text = await readSideText(file, MAX_MESH_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new UsageError(`--mesh-config ${shown}: cannot read file: ${err.reason}`);
    throw err;
  }
  let docs: unknown[];
  try {
    // Bounded like any manifest: an alias or merge-key bomb is refused before it is expanded.
    docs = loadAllYamlBounded(text, { maxNodes: MAX_MESH_CONFIG_NODES, maxDepth: MAX_MESH_CONFIG_DEPTH, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const line = (err as { line?: number }).line ?? 0;
    throw new UsageError(`--mesh-config ${shown}:${line + 1}: ${meshYamlProblem(err)}`);
  }
  for (const d of docs) {
    let config: Record<string, any> | null;
    try {
      config = meshFromFileValue(d);
    } catch (err) {
      throw new UsageError(`--mesh-config ${shown}: the ConfigMap's data.mesh: ${meshYamlProblem(err)}`);
    }
    if (config) {
      checkIsMeshConfig(d, config, shown);
      return { config, file: shown.split(path.sep).join('/') };
    }
  }
  throw new UsageError(`--mesh-config ${shown}: no mesh config found; give a MeshConfig, Helm values with meshConfig, an IstioOperator or the istio ConfigMap`);
}

function collectPaths(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function selectRules(only: string | undefined, available: readonly Rule[] = allRules): readonly Rule[] {
  if (only === undefined) return available === allRules || available.length === allRules.length ? allRules : available;
  const ids = only.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new UsageError('--only needs at least one rule ID (e.g. --only BYP001,EGR001); `meshward rules` lists them');
  return ids.map((id) => {
    const want = id.toUpperCase();
    const rule = available.find((r) => r.meta.id === want);
    if (!rule) {
      const near = nearest(id, available.map((r) => r.meta.id));
      throw new UsageError(`--only: no rule "${terminalSafe(id.slice(0, 40))}"${near ? ` (did you mean ${near}?)` : ''}; \`meshward rules\` lists them`);
    }
    return rule;
  });
}

/** `--exclude` globs as one predicate over paths relative to the scanned folder; a folder matching is skipped whole. */
function excludeMatcher(globs: readonly string[]): ((relativePath: string) => boolean) | undefined {
  if (!globs.length) return undefined;
  if (globs.some((g) => !g.trim())) throw new UsageError('--exclude needs a glob, e.g. --exclude "**/charts/**"');
  try {
    const matches = anyPathGlob(globs, '--exclude');
    return (p) => matches(p);
  } catch (err) {
    if (err instanceof GlobError) throw new UsageError(err.message);
    throw err;
  }
}

function chartFolder(dir: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir));
  return rel === '' ? '.' : rel;
}

/**
 * Where findings with no source position may go in SARIF and GitLab reports, which need a file, best
 * first: the --mesh-config file (most such findings are about mesh-wide defaults), the config file, the
 * rendered Helm chart's Chart.yaml, the first input file read from disk. The report uses the first
 * one inside the repository.
 */
async function fallbackFiles(meshConfigFile: string | null, configFile: string | null, helm: HelmSourceMap, files: readonly InputFile[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  if (meshConfigFile) out.push(meshConfigFile);
  if (configFile) out.push(path.relative(cwd, configFile) || configFile);
  // A few at most: the folder names come from input comments.
  for (const chart of [...helm.chartFolders].slice(0, 5)) {
    const chartYaml = path.join(chart, 'Chart.yaml');
    try {
      if ((await fs.stat(path.resolve(cwd, chartYaml))).isFile()) out.push(chartYaml.split(path.sep).join('/'));
    } catch {
      /* not rendered from here */
    }
  }
  const firstFile = files.find((f) => !/^<.*>$/.test(f.file));
  if (firstFile) out.push(firstFile.file);
  return out;
}

/** Unrendered Helm templates (`{{ ... }}` under a `templates/` folder) fail as YAML; say what to do instead. */
function helmTemplateHint(errors: readonly LoadError[]): string | null {
  const helmish = errors.filter((e) => /(^|\/)templates\//.test(e.file));
  if (!helmish.length) return null;
  const folders = [...new Set(helmish.map((e) => e.file.slice(0, e.file.lastIndexOf('templates/') + 'templates'.length)))];
  return `${folders.slice(0, 3).map(terminalSafe).join(', ')}${folders.length > 3 ? ` and ${folders.length - 3} more` : ''}: these look like Helm templates: render them with \`helm template\` and pipe to \`meshward scan -\` (and leave them out with --exclude "**/templates/**")`;
}

/**
 * MeshConfig's top-level fields (istio.io/istio api mesh/v1alpha1, 1.20 to 1.30), to tell a mesh config
 * from some other YAML given by mistake (a Deployment, a values file of another chart).
 */
const MESH_CONFIG_FIELDS = new Set([
  'proxyListenPort', 'proxyInboundListenPort', 'proxyHttpPort', 'connectTimeout', 'protocolDetectionTimeout', 'tcpKeepalive',
  'ingressClass', 'ingressService', 'ingressControllerMode', 'ingressSelector', 'enableTracing', 'accessLogFile',
  'accessLogFormat', 'accessLogEncoding', 'enableEnvoyAccessLogService', 'disableEnvoyListenerLog', 'defaultConfig',
  'outboundTrafficPolicy', 'inboundTrafficPolicy', 'configSources', 'enableAutoMtls', 'trustDomain', 'trustDomainAliases',
  'caCertificates', 'defaultServiceExportTo', 'defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo',
  'rootNamespace', 'localityLbSetting', 'dnsRefreshRate', 'h2UpgradePolicy', 'inboundClusterStatName',
  'outboundClusterStatName', 'certificates', 'thriftConfig', 'serviceSettings', 'enablePrometheusMerge',
  'verifyCertificateAtClient', 'ca', 'extensionProviders', 'defaultProviders', 'discoverySelectors', 'pathNormalization',
  'defaultHttpRetryPolicy', 'meshMTLS', 'tlsDefaults', 'sdsUdsPath', 'enableSdsTokenMount', 'mixerCheckServer',
  'mixerReportServer', 'disablePolicyChecks', 'policyCheckFailOpen', 'ambientMesh', 'serviceScopeConfigs',
]);

/** A --mesh-config that is some other object or file is a usage error saying what was expected. */
function checkIsMeshConfig(doc: unknown, config: Record<string, any>, shown: string): void {
  const expected = 'give a MeshConfig (e.g. outboundTrafficPolicy, rootNamespace...), Helm values with meshConfig, an IstioOperator or the istio ConfigMap (data.mesh)';
  const d = doc as Record<string, unknown>;
  const kind = typeof d?.kind === 'string' ? d.kind : null;
  if (kind && kind !== 'ConfigMap' && kind !== 'IstioOperator' && config === doc) {
    throw new UsageError(`--mesh-config ${terminalSafe(shown)}: this is a ${terminalSafe(kind.slice(0, 60))}, not a mesh config; ${expected}`);
  }
  if (kind === 'ConfigMap' && config === doc) {
    throw new UsageError(`--mesh-config ${terminalSafe(shown)}: this ConfigMap has no data.mesh; ${expected}`);
  }
  if (config !== doc) return;
  const keys = Object.keys(config);
  if (keys.length && !keys.some((k) => MESH_CONFIG_FIELDS.has(k))) {
    throw new UsageError(
      `--mesh-config ${terminalSafe(shown)}: no MeshConfig field at the top level (found ${keys.slice(0, 5).map((k) => terminalSafe(k.slice(0, 40))).join(', ')}${keys.length > 5 ? ', ...' : ''}); ${expected}`,
    );
  }
}

/** A kubeconfig document (kind Config, apiVersion v1): a file format, not an object a cluster holds. */
function isKubeconfig(r: Resource): boolean {
  return r.kind === 'Config' && r.group === '' && r.apiVersion === 'v1';
}

/**
 * Namespaced objects of the files that name no namespace: the loader places them in `-n`'s namespace
 * (`default` unless given), as `kubectl apply` without -n would, and every rule that compares namespaces
 * (another tenant's host, a shared gateway, a namespace's policies) judges them there. Repositories
 * often leave the namespace to `kubectl apply -n`, so the report says how many (`n`, namespacelessCount)
 * were placed, and where.
 */
export function namespaceNotes(n: number, placedIn: string): string[] {
  if (!n) return [];
  const ns = terminalSafe(placedIn);
  const what = `${n} namespaced object${n === 1 ? ' names' : 's name'} no namespace and ${n === 1 ? 'was' : 'were'} judged in namespace ${ns}`;
  const it = n === 1 ? 'it' : 'them';
  const compare = "findings that compare namespaces (another tenant's host, a shared gateway) assume it";
  return [
    placedIn === 'default'
      ? `${what}, as \`kubectl apply\` without -n would place ${it}; ${compare}: pass -n NAMESPACE for the namespace they are applied to`
      : `${what} (-n), as \`kubectl apply -n ${ns}\` would place ${it}; ${compare}`,
  ];
}

/** Objects listed in full by --verbose's note on objects defined more than once; the rest are counted. */
const TWINS_LISTED = 20;

/** Patch documents listed in full by --verbose's kustomize note; the rest are counted. */
const PATCHES_LISTED = 20;

/**
 * Kustomize sources in the input (src/loader/kustomize.ts): how many kustomizations, the patch
 * documents left out, and that a tree of sources is not what a build applies (namespaces, prefixes,
 * replacements), with the command that judges the built objects instead.
 */
export function kustomizeNotes(facts: KustomizeFacts | undefined, namespaceless: number, verbose: boolean): string[] {
  if (!facts) return [];
  const k = facts.kustomizations.length;
  const p = facts.patches.length;
  const parts: string[] = [];
  if (k) parts.push(`the input holds ${k} kustomization${k === 1 ? '' : 's'} (${listSome(facts.kustomizations.map(terminalSafe), 2)}): the objects were judged as written, not as \`kustomize build\` makes them`);
  if (p) parts.push(`${p} patch document${p === 1 ? ' was' : 's were'} left out (${k ? 'files a kustomization names as patches, and ' : ''}documents with a $patch directive): a patch changes an object and is none`);
  if (facts.placed) parts.push(`${facts.placed} object${facts.placed === 1 ? ' that names' : 's that name'} no namespace ${facts.placed === 1 ? 'was' : 'were'} judged in the namespace every build of the input's kustomizations gives ${facts.placed === 1 ? 'it' : 'them'}`);
  if (facts.namespaces.length && namespaceless) {
    parts.push(`kustomizations set ${facts.namespaces.length === 1 ? 'namespace' : 'namespaces'} ${listSome(facts.namespaces.map(terminalSafe), 4)}; objects no build places for certain (builds that disagree, or none) were judged where -n or \`default\` puts them`);
  }
  parts.push(`to judge what is applied, pipe the build in: \`kustomize build DIR | meshward scan -\`${p && !verbose ? '; --verbose lists the patches' : ''}`);
  const head = parts.join('; ');
  if (!verbose || !p) return [head];
  const lines = facts.patches.slice(0, PATCHES_LISTED).map((w) => `left out as a patch: ${terminalSafe(w)}`);
  if (p > PATCHES_LISTED) lines.push(`and ${p - PATCHES_LISTED} more patch document${p - PATCHES_LISTED === 1 ? '' : 's'}`);
  return [head, ...lines];
}

/**
 * Objects the input defines more than once (src/engine/twins.ts): a cluster holds one of each, so the
 * user hears which definitions compete (a later `kubectl apply` replaces an earlier one), and that
 * meshward never reported two definitions against each other.
 */
export function twinNotes(resources: readonly Resource[], verbose: boolean): string[] {
  const twins = twinDefinitions(resources);
  if (!twins.length) return [];
  const n = twins.length;
  const head = `${n} object${n === 1 ? ' is' : 's are'} defined more than once in the input (the same kind, namespace and name; a cluster holds one of each): each definition was judged on its own and against other objects, never against another definition of the same object`;
  if (!verbose) return [`${head}; --verbose lists them`];
  const where = (r: Resource) => (r.source ? `${terminalSafe(r.source.file)}:${r.source.line}` : 'a cluster');
  const lines = twins.slice(0, TWINS_LISTED).map((defs) => `${terminalSafe(describeResource(defs[0]))} is defined ${defs.length} times: ${defs.map(where).join(', ')}`);
  if (n > TWINS_LISTED) lines.push(`and ${n - TWINS_LISTED} more object${n - TWINS_LISTED === 1 ? '' : 's'} defined more than once`);
  return [head, ...lines];
}
