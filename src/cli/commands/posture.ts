import os from 'node:os';
import { jsonForOutput, terminalSafe, terminalSafeDeep } from '../../engine/text.js';
import path from 'node:path';
import { createColors } from 'picocolors';
import { readMeshConfig } from './scan.js';
import { Option, type Command } from 'commander';
import { analyse, scanPaths, type ScanResult } from '../../engine/scan.js';
import type { RuleFailure } from '../../engine/run.js';
import { MeshModel } from '../../model/model.js';
import { allRules } from '../../rules/index.js';
import type { ReportError } from '../../report/types.js';
import type { ClusterSummary, LiveSelection } from '../../cluster/types.js';
import { addLiveOptions, clusterErrors, liveKinds, liveSelection, readAndAnalyse, type LiveFlags } from '../live.js';
import { applySuppressions, resourceLookup } from '../../engine/suppress.js';
import { configFor } from '../emit.js';
import type { Finding } from '../../engine/finding.js';
import type { Resource } from '../../model/resource.js';
import type { Workload } from '../../model/workloads.js';
import { collapseOwned } from '../../model/owners.js';
import { computePosture, type Attachment, type MeshPosture, type MtlsOrigin } from '../../posture/index.js';
import { useColor, EXIT_FINDINGS, type CliIO, positiveInt } from '../io.js';
import type { SetExit } from './index.js';
import { addTelemetryOptions, describeFacts, factsData, loadSource, telemetryPlan, type TelemetryFlags } from '../telemetry.js';
import { telemetryFor, type ClusterTelemetry } from '../live.js';
import type { TrafficEdge, TrafficFacts } from '../../insights/types.js';
import { listSome } from '../../engine/text.js';
import { describeRuleFailure } from '../rule-failures.js';

interface PostureFlags extends LiveFlags, TelemetryFlags {
  format: 'text' | 'json';
  meshConfig?: string;
  namespace?: string;
  config?: string;
  cluster: string;
  jobs?: string;
}

/**
 * `meshward posture`: what actually applies to each workload. Loads the inputs like `scan`, runs
 * every rule, and prints per workload its effective mTLS per port, the authorization policies that
 * reach it (and who enforces them), whether a default-deny covers it, and the IDs of the findings
 * that touch it.
 */
export function registerPosture(program: Command, io: CliIO, setExit: SetExit): void {
  const posture = program
    .command('posture')
    .description('effective security posture per workload: mTLS per port, policies, default-deny, findings')
    .argument('[paths...]', 'files or folders (recursive: .yaml, .yml, .json); - reads standard input (default: ., unless a live cluster is given)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--mesh-config <file>', 'Istio mesh config: MeshConfig, Helm values, IstioOperator or the istio ConfigMap')
    .option('--namespace <ns>', 'show only the workloads of this namespace')
    .option('-c, --config <file>', 'config file (default: the nearest .meshward.yaml upward from here)')
    .option('--cluster <name>', 'cluster name recorded on every resource', 'default')
    .option('-j, --jobs <n>', 'parser threads (default: number of CPUs)');
  addLiveOptions(posture);
  addTelemetryOptions(posture);
  posture.action(async (paths: string[], flags: PostureFlags) => {
    const selection = liveSelection(flags);
    setExit(await runPosture(paths.length || selection ? paths : ['.'], flags, io, selection));
  });
}

/** One source's posture: the files, or one live cluster (`cluster` set). */
interface Part {
  cluster: ClusterSummary | null;
  view: View;
  errors: ReportError[];
}

async function runPosture(paths: string[], flags: PostureFlags, io: CliIO, selection: LiveSelection | null): Promise<number> {
  const started = performance.now();
  const config = await configFor(flags, io);
  const jobs = flags.jobs ? positiveInt(flags.jobs, '--jobs') : Math.max(1, os.availableParallelism());
  const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
  const options = {
    model: { meshConfig },
    settings: config.settings,
    disabled: config.disabled,
    severityOverrides: config.severityOverrides,
  };
  const failures: RuleFailure[] = [];
  // Traffic facts (--metrics, --prometheus): the telemetry rules' input, and plaintext sources per workload.
  const plan = telemetryPlan(flags, io);
  const telemetryNotes: string[] = [];
  const filesTelemetry = plan?.shared ? await loadSource(plan, plan.shared) : undefined;
  if (filesTelemetry) telemetryNotes.push(describeFacts(filesTelemetry), ...filesTelemetry.notes.map(terminalSafe));
  const clusterTelemetry: ClusterTelemetry = { named: new Map(), ...(filesTelemetry ? { fallback: factsData(filesTelemetry) } : {}) };
  for (const [cluster, url] of plan?.perCluster ?? []) {
    const f = await loadSource(plan!, { kind: 'prometheus', url });
    telemetryNotes.push(describeFacts(f, cluster), ...f.notes.map((n) => `${terminalSafe(cluster)}: ${terminalSafe(n)}`));
    (clusterTelemetry.named as Map<string, ReturnType<typeof factsData>>).set(cluster, factsData(f));
  }
  /** Findings, posture and the view of one model; the model itself is not kept. */
  const viewOf = (result: ScanResult, telemetry?: TrafficFacts): View => {
    applySuppressions(result.findings, {
      resourceOf: resourceLookup(result.model.resources),
      annotationSuppressions: config.annotationSuppressions,
      ignores: config.ignores,
      baseline: null,
      today: new Date().toISOString().slice(0, 10),
      configFile: config.file,
    });
    for (const f of result.failures) if (!failures.some((x) => x.ruleId === f.ruleId)) failures.push(f);
    const findings = result.findings.filter((f) => !f.suppressed);
    return buildView(computePosture(result.model), findings, flags.namespace ?? null, telemetry);
  };
  const parts: Part[] = [];
  if (paths.length) {
    const result = await scanPaths(paths, { ...options, jobs, cluster: flags.cluster, foldOwned: true, ...(filesTelemetry ? { telemetry: filesTelemetry } : {}) });
    parts.push({ cluster: null, view: viewOf(result, filesTelemetry), errors: result.errors });
  }
  if (selection) {
    const live = await readAndAnalyse({ selection, kinds: liveKinds(allRules.filter((r) => !config.disabled.has(r.meta.id))), io, format: flags.format }, (read) => {
      if (read.summary.status === 'error' && !read.resources.length) return null;
      const name = read.summary.name;
      const telemetry = plan ? telemetryFor(clusterTelemetry, name) : undefined;
      const result = analyse({ files: [], resources: read.resources, errors: [], notes: [] }, { ...options, telemetry, foldOwned: true });
      const errors: ReportError[] = result.errors.map((e) => ({ ...e, file: /^<.*>$/.test(e.file) ? `cluster ${name}` : e.file, cluster: name }));
      return { view: viewOf(result, telemetry), errors };
    });
    for (const s of live.summaries) {
      const r = live.results.get(s.name) ?? null;
      parts.push({ cluster: s, view: r?.view ?? buildView(computePosture(new MeshModel([])), [], flags.namespace ?? null), errors: [...clusterErrors(s), ...(r?.errors ?? [])] });
    }
  }
  const durationMs = Math.round(performance.now() - started);
  const errors = parts.flatMap((p) => p.errors);

  if (flags.format === 'json') {
    const clusters = parts.filter((p) => p.cluster).map((p) => ({ ...p.cluster!, mesh: p.view.mesh, summary: p.view.summary }));
    const summary = { ...sumSummaries(parts.map((p) => p.view.summary)), durationMs };
    io.stdout.write(
      jsonForOutput({ version: 1, mesh: parts[0]?.view.mesh ?? null, workloads: parts.flatMap((p) => p.view.workloads), errors, summary, ...(selection ? { clusters } : {}), ...(plan ? { telemetryNotes } : {}) }) + '\n',
    );
  } else {
    const color = useColor(io.stdout, io.env);
    for (const [i, p] of parts.entries()) {
      // Several sources, or a cluster: each under a heading naming it (the files, or the cluster and how it was read).
      if (parts.length > 1 || p.cluster) {
        const head = p.cluster ? `== cluster ${p.cluster.name}: ${p.cluster.status}, ${p.cluster.resources} objects from ${p.cluster.server}` : `== files: ${paths.join(' ')}`;
        io.stdout.write(`${i ? '\n' : ''}${terminalSafe(head)}\n`);
        for (const n of p.cluster?.notes ?? []) io.stdout.write(`note: ${terminalSafe(n)}\n`);
      }
      io.stdout.write(renderText(p.view, p.errors, durationMs, color, flags.namespace ?? null));
    }
  }
  if (flags.format !== 'json') for (const n of telemetryNotes) io.stdout.write(`note: ${n}\n`);
  for (const failure of failures) io.stderr.write(describeRuleFailure(failure));
  return errors.length ? EXIT_FINDINGS : 0;
}

function sumSummaries(all: Array<View['summary']>): View['summary'] {
  const out = { workloads: 0, runs: 0, namespaces: 0, defaultDeny: 0, strict: 0, findings: 0 };
  for (const s of all) for (const k of Object.keys(out) as Array<keyof typeof out>) out[k] += s[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// The view: plain data, shared by the text and JSON outputs.

interface PolicyRow {
  kind: 'AuthorizationPolicy' | 'RequestAuthentication';
  action: string;
  namespace: string;
  name: string;
  via: string;
  enforcedBy: string;
  note: string | null;
}

interface WorkloadRow {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  dataplane: string;
  gateway: string | null;
  waypoint: { namespace: string; name: string; via: string; inInput: boolean } | null;
  mtls: {
    applies: boolean;
    mode: string;
    source: Source;
    ports: Array<{ port: number; mode: string; source: Source; declared: boolean }>;
    notes: string[];
  };
  defaultDeny: boolean;
  defaultDenyPolicy: string | null;
  policies: PolicyRow[];
  findings: string[];
  /**
   * ReplicaSets, Jobs and Pods this workload runs that the input also holds (a cluster, or a dump of
   * one): they have no row of their own, and their findings are in this row's (src/model/owners.ts).
   */
  runs: number;
  /**
   * With traffic facts only: the sources seen sending plaintext (connection_security_policy="none")
   * into this workload, busiest first: what still breaks if its mTLS goes STRICT, or bypasses it if it is.
   */
  plaintextFrom?: Array<{ source: string; requests: number; connections: number }>;
}

interface Source {
  level: MtlsOrigin['level'];
  policy: string | null;
}

export interface View {
  mesh: {
    rootNamespace: string;
    meshConfig: string;
    /** The object or file the mesh config came from, null for Istio's defaults. */
    meshConfigFrom: string | null;
    mtls: { mode: string; source: Source };
    defaultDeny: string | null;
    pathNormalization: string;
    findings: string[];
  };
  workloads: WorkloadRow[];
  /** `runs`: ReplicaSets, Jobs and Pods shown in their controller's row (WorkloadRow.runs), in all. */
  summary: { workloads: number; runs: number; namespaces: number; defaultDeny: number; strict: number; findings: number };
}

/** Plaintext sources into a workload, from the destination's reports when there are any (each hop once). */
function plaintextSources(edges: readonly TrafficEdge[]): NonNullable<WorkloadRow['plaintextFrom']> {
  const byDestination = edges.filter((e) => e.reporter === 'destination');
  const seen = byDestination.length ? byDestination : edges;
  const sums = new Map<string, { source: string; requests: number; connections: number }>();
  for (const e of seen) {
    if (e.security !== 'none') continue;
    const source = `${e.source.namespace}/${e.source.workload}`;
    const s = sums.get(source) ?? { source, requests: 0, connections: 0 };
    s.requests += e.requests;
    s.connections += e.connectionsOpened;
    sums.set(source, s);
  }
  return [...sums.values()]
    .map((s) => ({ ...s, requests: Math.round(s.requests), connections: Math.round(s.connections) }))
    .sort((a, b) => b.requests + b.connections - (a.requests + a.connections) || (a.source < b.source ? -1 : 1));
}

/** The posture view of an analysed model and its findings, as the HTML report's posture table shows it. */
export function postureView(model: MeshModel, findings: readonly Finding[]): View {
  return buildView(computePosture(model), findings, null);
}

export function buildView(posture: MeshPosture, findings: readonly Finding[], onlyNs: string | null, telemetry?: TrafficFacts): View {
  const model = posture.model;
  const root = model.rootNamespace;
  // Finding IDs by the object they are about, and by the objects their evidence cites.
  const about = new Map<string, Set<string>>();
  const cited = new Map<string, Set<string>>();
  const note = (m: Map<string, Set<string>>, key: string, id: string) => {
    let s = m.get(key);
    if (!s) m.set(key, (s = new Set()));
    s.add(id);
  };
  for (const f of findings) {
    note(about, refKey(f.resource), f.ruleId);
    for (const e of f.evidence) if (e.resource) note(cited, refKey(e.resource), f.ruleId);
  }
  const meshLevel = new Set<Resource>([model.meshConfigResource]);
  const rootNs = model.namespace(root).resource;
  if (rootNs) meshLevel.add(rootNs);
  if (posture.meshMtls.policy) meshLevel.add(posture.meshMtls.policy.resource);
  for (const p of posture.authorizationPolicies) if (p.scope === 'mesh') meshLevel.add(p.resource);
  for (const p of posture.requestAuthentications) if (p.scope === 'mesh') meshLevel.add(p.resource);
  const meshFindings = new Set<string>();
  for (const f of findings) if ([...meshLevel].some((r) => sameRef(r, f.resource))) meshFindings.add(f.ruleId);

  // A workload is touched by findings about it or citing it, and by findings about the objects that
  // decide its posture (its namespace, PeerAuthentications, policies, Services).
  const idsOf = (r: Resource | null | undefined, into: Set<string>, withCited = false) => {
    if (!r || meshLevel.has(r)) return;
    for (const id of about.get(keyOf(r)) ?? []) into.add(id);
    if (withCited) for (const id of cited.get(keyOf(r)) ?? []) into.add(id);
  };

  // A Deployment's ReplicaSets and Pods (a CronJob's Jobs...) in the input are one row: the controller's.
  const { runBy } = collapseOwned(posture.workloads.map((wp) => wp.workload));
  const runs = new Map<Workload, Workload[]>();
  for (const [w, top] of runBy) {
    const list = runs.get(top);
    if (list) list.push(w);
    else runs.set(top, [w]);
  }
  const rows: WorkloadRow[] = [];
  for (const wp of posture.workloads) {
    if (onlyNs !== null && wp.workload.namespace !== onlyNs) continue;
    if (runBy.has(wp.workload)) continue;
    const ids = new Set<string>();
    idsOf(wp.workload.resource, ids, true);
    const owned = runs.get(wp.workload) ?? [];
    for (const w of owned) idsOf(w.resource, ids, true);
    idsOf(model.namespace(wp.workload.namespace).resource, ids);
    if (wp.mtls.applies) {
      idsOf(wp.mtls.origin.resource, ids);
      for (const p of wp.mtls.ports) idsOf(p.origin.resource, ids);
    }
    for (const s of wp.services) idsOf(s.resource, ids);
    const authz = posture.authorization(wp);
    const ra = posture.requestAuthentication(wp);
    for (const a of [...authz, ...ra]) idsOf(a.policy.resource, ids);
    const dd = posture.defaultDeny(wp);
    rows.push({
      cluster: wp.workload.resource.cluster,
      kind: wp.workload.resource.kind,
      namespace: wp.workload.namespace,
      name: wp.workload.resource.name,
      dataplane: wp.gateway ?? wp.dataplane ?? 'unknown',
      gateway: wp.gateway,
      waypoint: wp.waypoint ? { namespace: wp.waypoint.namespace, name: wp.waypoint.name, via: wp.waypoint.via, inInput: wp.waypoint.gateway !== null } : null,
      mtls: {
        applies: wp.mtls.applies,
        mode: wp.mtls.mode,
        source: source(wp.mtls.origin),
        ports: wp.mtls.ports.map((p) => ({ port: p.port, mode: p.mode, source: source(p.origin), declared: p.declared })),
        notes: wp.mtls.notes,
      },
      defaultDeny: dd !== null,
      defaultDenyPolicy: dd ? `${dd.policy.resource.namespace}/${dd.policy.resource.name}` : null,
      policies: [...authz.map(policyRow), ...ra.map(policyRow)],
      findings: [...ids].sort(),
      runs: owned.length,
      ...(telemetry ? { plaintextFrom: plaintextSources(telemetry.into(wp.workload.namespace, wp.workload.resource.name)) } : {}),
    });
  }
  rows.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.kind, b.kind));
  const meshDeny = posture.meshDefaultDeny();
  return {
    mesh: {
      rootNamespace: root,
      meshConfig: model.mesh.origin,
      meshConfigFrom: model.mesh.resource ? `${model.mesh.resource.kind} ${model.mesh.resource.namespace}/${model.mesh.resource.name}` : model.mesh.file,
      mtls: { mode: posture.meshMtls.mode, source: source(posture.meshMtls.origin) },
      defaultDeny: meshDeny ? `${meshDeny.resource.namespace}/${meshDeny.resource.name}` : null,
      pathNormalization: posture.pathNormalization.value,
      findings: [...meshFindings].sort(),
    },
    workloads: rows,
    summary: {
      workloads: rows.length,
      runs: rows.reduce((n, r) => n + r.runs, 0),
      namespaces: new Set(rows.map((r) => r.namespace)).size,
      defaultDeny: rows.filter((r) => r.defaultDeny).length,
      strict: rows.filter((r) => r.mtls.applies && r.mtls.mode === 'STRICT' && r.mtls.ports.every((p) => p.mode === 'STRICT')).length,
      findings: findings.length,
    },
  };
}

function policyRow(a: Attachment): PolicyRow {
  const r = a.policy.resource;
  return { kind: a.policy.kind, action: a.policy.kind === 'RequestAuthentication' ? 'JWT' : a.policy.action, namespace: r.namespace, name: r.name, via: a.via, enforcedBy: a.enforcedBy, note: a.note };
}

function source(o: MtlsOrigin): Source {
  return { level: o.level, policy: o.resource ? `${o.resource.namespace}/${o.resource.name}` : null };
}

function keyOf(r: Resource): string {
  return refKey({ cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name });
}

function refKey(r: { cluster: string; kind: string; namespace: string; name: string }): string {
  return `${r.cluster}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}`;
}

function sameRef(r: Resource, f: { cluster: string; kind: string; namespace: string; name: string }): boolean {
  return r.cluster === f.cluster && r.kind === f.kind && r.namespace === f.namespace && r.name === f.name;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Text

const LEVEL: Record<MtlsOrigin['level'], string> = { default: 'default', mesh: 'mesh', namespace: 'ns', workload: 'workload', port: 'port' };

/** The text table. Every name, note and error in it comes from input: escaped once, here, before colours. */
function renderText(rawView: View, rawErrors: Array<{ file: string; line: number; message: string }>, durationMs: number, color: boolean, rawNs: string | null): string {
  const view = terminalSafeDeep(rawView);
  const errors = terminalSafeDeep(rawErrors);
  const onlyNs = rawNs === null ? null : terminalSafe(rawNs);
  const c = createColors(color);
  const out: string[] = [];
  const m = view.mesh;
  const meshMode = m.mtls.source.policy ? `${m.mtls.mode} (${m.mtls.source.policy})` : `${m.mtls.mode} (Istio's default: no mesh-wide PeerAuthentication)`;
  out.push(c.bold('Mesh'));
  out.push(`  root namespace ${m.rootNamespace}; mesh config: ${m.meshConfigFrom ?? "none in the input (Istio's defaults)"}`);
  out.push(`  mTLS ${paintMode(c, m.mtls.mode, meshMode)}; default-deny: ${m.defaultDeny ? c.green(m.defaultDeny) : c.red('none mesh-wide')}; path normalization: ${m.pathNormalization}`);
  if (m.findings.length) out.push(`  findings: ${m.findings.join(' ')}`);
  out.push('');

  if (!view.workloads.length) {
    out.push(
      onlyNs !== null
        ? `No workloads in namespace ${onlyNs} in the input.`
        : 'No workloads in the input (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs, Argo Rollouts).',
    );
  } else {
    const header = ['NAMESPACE', 'WORKLOAD', 'DATAPLANE', 'MTLS', 'DEFAULT-DENY', 'FINDINGS', 'POLICIES'];
    const rows = view.workloads.map((w) => [
      w.namespace,
      `${w.kind}/${w.name}${w.runs ? ` +${w.runs}` : ''}`,
      w.dataplane + (w.waypoint ? `+wp:${w.waypoint.name}` : ''),
      mtlsCell(w),
      w.defaultDeny ? 'yes' : 'no',
      w.findings.join(' ') || '-',
      policiesCell(w),
    ]);
    const widths = header.map((h, i) => Math.min(Math.max(h.length, ...rows.map((r) => r[i].length)), 48));
    const fmt = (cells: string[], paint?: (i: number, s: string) => string) =>
      '  ' +
      cells
        .map((s, i) => {
          const cell = i === cells.length - 1 ? s : s.padEnd(widths[i]);
          return paint ? paint(i, cell) : cell;
        })
        .join('  ')
        .trimEnd();
    out.push(c.bold(fmt(header)));
    for (const [k, r] of rows.entries()) {
      const w = view.workloads[k];
      out.push(
        fmt(r, (i, s) => {
          if (i === 3) return w.mtls.applies && w.mtls.mode === 'STRICT' && w.mtls.ports.every((p) => p.mode === 'STRICT') ? c.green(s) : w.mtls.applies || w.dataplane === 'none' ? c.yellow(s) : s;
          if (i === 4) return w.defaultDeny ? c.green(s) : c.red(s);
          if (i === 5 && w.findings.length) return c.red(s);
          return s;
        }),
      );
    }
    const notes: string[] = [];
    for (const w of view.workloads) {
      const who = `${w.kind}/${w.namespace}/${w.name}`;
      for (const n of w.mtls.notes) notes.push(`${who}: ${n}`);
      for (const p of w.policies) if (p.note) notes.push(`${who}: ${p.action} ${p.namespace}/${p.name}: ${p.note}`);
      if (w.plaintextFrom?.length) {
        const sources = w.plaintextFrom.map((p) => `${terminalSafe(p.source)} (${p.requests ? `${p.requests} requests` : `${p.connections} connections`})`);
        notes.push(`${who}: plaintext in traffic from ${listSome(sources, 5)}`);
      }
    }
    if (notes.length) {
      out.push('', c.bold('Notes'));
      for (const n of notes) out.push(`  ${c.dim('·')} ${n}`);
    }
  }
  if (errors.length) {
    out.push('', c.bold(c.red(`ERRORS (${errors.length})`)));
    for (const e of errors) out.push(`  ${e.file}${e.line ? `:${e.line}` : ''}  ${e.message}`);
  }
  const s = view.summary;
  out.push('');
  out.push(
    `${s.workloads} workload${s.workloads === 1 ? '' : 's'}${s.runs ? ` (+${s.runs} ${s.runs === 1 ? 'ReplicaSet, Job or Pod' : 'ReplicaSets, Jobs or Pods'} they run)` : ''} in ${s.namespaces} namespace${s.namespaces === 1 ? '' : 's'}: ${s.strict} STRICT on every port, ${s.defaultDeny} under a default-deny; ${s.findings} finding${s.findings === 1 ? '' : 's'} in all, ${durationMs} ms`,
  );
  out.push(c.dim('  `meshward scan` lists the findings; `meshward explain <ID>` tells why a rule matters.'));
  return out.join('\n') + '\n';
}

function paintMode(c: ReturnType<typeof createColors>, mode: string, s: string): string {
  return mode === 'STRICT' ? c.green(s) : c.yellow(s);
}

function mtlsCell(w: WorkloadRow): string {
  if (!w.mtls.applies) return w.gateway ? 'n/a (gateway)' : w.dataplane === 'none' ? 'plaintext (no proxy)' : 'n/a';
  const base = `${w.mtls.mode} (${LEVEL[w.mtls.source.level]})`;
  const overrides = w.mtls.ports.filter((p) => p.mode !== w.mtls.mode).map((p) => `${p.port}:${p.mode}`);
  return overrides.length ? `${base} ${overrides.join(' ')}` : base;
}

function policiesCell(w: WorkloadRow): string {
  if (!w.policies.length) return '-';
  return w.policies
    .map((p) => {
      const name = p.namespace === w.namespace ? p.name : `${p.namespace}/${p.name}`;
      return `${p.action} ${name}${p.enforcedBy === 'none' ? ' (not enforced)' : ''}`;
    })
    .join(', ');
}

// ---------------------------------------------------------------------------------------------

