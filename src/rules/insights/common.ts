/**
 * Helpers shared by the INS rules: mapping the workload names Istio puts in metric labels onto model
 * objects, choosing the object a finding attaches to when nothing matches, and wording figures.
 *
 * Every string that comes from a metric label is hostile (anything that can send a request can shape
 * some of them): it is keyed through Map only and shown through quoteValue, never raw.
 */
import type { MeshModel } from '../../model/model.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { listSome, quoteValue, terminalSafe } from '../../engine/text.js';

export { listSome };
import { selectorMatches } from '../../model/selectors.js';
import type { TrafficEdge, TrafficFacts, TrafficPeer } from '../../insights/types.js';
import { meshOutbound, meshSourceText, type OutboundMode } from '../egress/common.js';
import { OwnMemo } from '../../model/own-memo.js';

/** Envoy cluster names Istio reports (in `destination_service_name`, or `destination_service`) for egress that matched no registered host. */
export const PASSTHROUGH = 'PassthroughCluster';
export const BLACKHOLE = 'BlackHoleCluster';
/** The value Istio writes in a label it could not fill. */
export const UNKNOWN = 'unknown';

/** A label value for a message: JSON-quoted (control characters escaped), at most `max` characters. */
export function q(label: string, max = 80): string {
  // JSON quoting escapes C0 controls; terminalSafe the rest (C1 controls, bidi overrides, zero-width).
  return terminalSafe(quoteValue(label, max));
}

/** Whether the edge went to the Envoy cluster `name` (Istio sets `destination_service_name`; some setups only `destination_service`). */
export function routedTo(e: TrafficEdge, name: typeof PASSTHROUGH | typeof BLACKHOLE): boolean {
  return e.destinationServiceName === name || e.destinationService === name;
}

/** Requests plus TCP connections opened: the edge carried traffic in the window when this is above 0. */
export function volume(e: TrafficEdge): number {
  return num(e.requests) + num(e.connectionsOpened);
}

/** A count from a source, as a finite non-negative number (a hostile or broken source may send anything). */
export function num(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** Running totals of requests and connections. */
export interface Tally {
  requests: number;
  connections: number;
}

export function addTo(t: Tally, e: TrafficEdge): void {
  t.requests += num(e.requests);
  t.connections += num(e.connectionsOpened);
}

/** `120 requests and 3 TCP connections`, `1 request`, `4 TCP connections`. */
export function tallyText(t: Tally): string {
  const parts: string[] = [];
  if (t.requests > 0 || t.connections === 0) parts.push(plural(t.requests, 'request'));
  if (t.connections > 0) parts.push(plural(t.connections, 'TCP connection'));
  return parts.join(' and ');
}

export function plural(n: number, word: string): string {
  const figure = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return `${figure} ${word}${n === 1 ? '' : 's'}`;
}

/** What the figures cover, for messages: `over the last 1h` or `since the proxies started (one scrape of "x.prom")`. */
export function windowText(facts: TrafficFacts): string {
  const s = num(facts.source.windowSeconds);
  if (s > 0) return `over the last ${durationText(s)}`;
  return `since the proxies started (counters of one scrape, ${q(facts.source.name, 120)})`;
}

/** 3600 → `1h`, 5400 → `1h30m`, 45 → `45s`. */
export function durationText(seconds: number): string {
  let rest = Math.round(seconds);
  const out: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || out.length === 0) out.push(`${rest}s`);
  return out.join('');
}

/** `workload "web" in namespace "shop"`, or `a source without a sidecar` for `unknown`. */
export function peerText(p: TrafficPeer): string {
  if (p.workload === UNKNOWN) {
    const who = p.principal && p.principal !== UNKNOWN ? ` (principal ${q(p.principal)})` : '';
    return p.namespace && p.namespace !== UNKNOWN ? `an unknown workload in namespace ${q(p.namespace)}${who}` : `an unknown source${who}`;
  }
  return `workload ${q(p.workload)} in namespace ${q(p.namespace)}`;
}

/** Short form for lists: `"shop"/"web"`, or `unknown source`. */
export function peerShort(p: TrafficPeer): string {
  if (p.workload === UNKNOWN) return p.principal && p.principal !== UNKNOWN ? `unknown workload with principal ${q(p.principal, 100)}` : 'callers with no sidecar and no identity';
  return `${q(p.namespace, 60)}/${q(p.workload, 60)}`;
}

/** Map key for a peer: namespace and workload joined by a character no label value Istio writes holds. */
export function peerKey(p: TrafficPeer): string {
  return p.workload === UNKNOWN ? `${p.namespace}\u0000${UNKNOWN}\u0000${p.principal}` : `${p.namespace}\u0000${p.workload}`;
}

/**
 * Istio's workload name for each workload of the model, the way Istio derives `*_workload` from a pod:
 * the controller that owns it (a Deployment's name, not its ReplicaSet's; a CronJob's, not its Job's),
 * the pod's own name when nothing owns it.
 */
const byMetricName = new OwnMemo<MeshModel, Map<string, Workload>>('workloads-by-metric-name');

/** Ranks of a match: a controller object beats a ReplicaSet or Job it owns, which beats a Pod. */
const RANK: Record<string, number> = { Deployment: 0, StatefulSet: 0, DaemonSet: 0, CronJob: 0, ReplicationController: 0, Rollout: 0, Job: 1, ReplicaSet: 1, Pod: 2 };

/** The model's workload Istio would call `name` in `namespace`, if the input holds it. */
export function workloadNamed(model: MeshModel, namespace: string, name: string): Workload | undefined {
  if (name === UNKNOWN || namespace === UNKNOWN) return undefined;
  let index = byMetricName.get(model);
  if (!index) byMetricName.set(model, (index = indexWorkloads(model)));
  return index.get(`${namespace}\u0000${name}`);
}

function indexWorkloads(model: MeshModel): Map<string, Workload> {
  const index = new Map<string, Workload>();
  const rank = new Map<string, number>();
  for (const w of model.workloads) {
    const name = istioWorkloadName(w);
    if (!name) continue;
    const key = `${w.namespace}\u0000${name}`;
    const r = Object.hasOwn(RANK, w.resource.kind) ? RANK[w.resource.kind] : 3;
    const had = rank.get(key);
    if (had !== undefined && had <= r) continue;
    index.set(key, w);
    rank.set(key, r);
  }
  return index;
}

/** The `*_workload` label Istio writes for pods of `w`. */
export function istioWorkloadName(w: Workload): string | null {
  const r = w.resource;
  if (w.synthetic === 'gateway-api') {
    // Istio's gateway controller names the Deployment `<gateway>-<class>`.
    const cls = r.obj?.spec?.gatewayClassName;
    return typeof cls === 'string' && cls ? `${r.name}-${cls}` : null;
  }
  const owner = controllerOf(r.obj);
  switch (r.kind) {
    case 'ReplicaSet':
      return owner?.kind === 'Deployment' || owner?.kind === 'Rollout' ? owner.name : r.name;
    case 'Job':
      return owner?.kind === 'CronJob' ? owner.name : r.name;
    case 'Pod': {
      if (!owner) return r.name;
      if (owner.kind === 'ReplicaSet') {
        // The Deployment's name is the ReplicaSet's without its pod-template-hash suffix; an Argo
        // Rollout's, without its rollouts-pod-template-hash (Istio's pkg/kube heuristic does both).
        for (const label of ['pod-template-hash', 'rollouts-pod-template-hash']) {
          const hash = r.labels[label];
          if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
        }
        return owner.name;
      }
      if (owner.kind === 'Job') {
        // A CronJob's Jobs are named `<cronjob>-<scheduled time in minutes>`.
        const m = /^(.+)-\d{8,10}$/.exec(owner.name);
        return m ? m[1] : owner.name;
      }
      return owner.name;
    }
    default:
      return r.name;
  }
}

function controllerOf(obj: unknown): { kind: string; name: string } | null {
  const refs = isObject(obj) && isObject(obj.metadata) ? obj.metadata.ownerReferences : undefined;
  if (!Array.isArray(refs)) return null;
  let first: { kind: string; name: string } | null = null;
  for (const ref of refs) {
    if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || !ref.name) continue;
    const o = { kind: ref.kind, name: ref.name };
    if (ref.controller === true) return o;
    first ??= o;
  }
  return first;
}

/**
 * The object a finding about a metric workload attaches to: the workload when the input holds it;
 * else its Namespace object; else the mesh config (the finding's message still names the workload).
 */
export interface Anchor {
  resource: Resource;
  workload: Workload | null;
  /** What stands in for the workload, in words, when it is not the workload itself. */
  standIn: string | null;
  /** The field the finding points at: the object's name, or the mesh config's key. */
  path: PathSegment[];
}

const NAME_PATH: PathSegment[] = ['metadata', 'name'];

export function anchorFor(model: MeshModel, p: TrafficPeer): Anchor {
  const w = workloadNamed(model, p.namespace, p.workload);
  if (w) return { resource: w.resource, workload: w, standIn: null, path: NAME_PATH };
  const ns = p.namespace !== UNKNOWN ? model.namespace(p.namespace).resource : null;
  if (ns) return { resource: ns, workload: null, standIn: `its namespace (the workload is not in the scanned manifests)`, path: NAME_PATH };
  return { resource: model.meshConfigResource, workload: null, standIn: 'the mesh config (neither the workload nor its namespace is in the scanned manifests)', path: model.mesh.path };
}

/** A finding's subject in words: `Deployment shop/web` or `workload "web" in namespace "shop"`. */
export function subjectText(a: Anchor, p: TrafficPeer): string {
  if (a.workload) return `${a.workload.resource.kind} ${a.workload.namespace}/${a.workload.resource.name}`;
  return peerText(p);
}

/** Distinct key for a finding that stands on a namespace or the mesh config for some metric workload. */
export function anchorKey(a: Anchor, p: TrafficPeer, extra = ''): string | undefined {
  if (a.workload && !extra) return undefined;
  return a.workload ? extra : `${p.namespace}/${p.workload}/${p.principal}${extra ? `/${extra}` : ''}`;
}

/** Groups edges by a key, keeping insertion order. */
export function groupBy<T>(items: Iterable<T>, key: (t: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === null) continue;
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** Sorted worst first: `[key, tally]` by total volume, then by key for a stable order. */
export function ranked<K extends string>(m: Map<K, Tally>): Array<[K, Tally]> {
  return [...m].sort((a, b) => b[1].requests + b[1].connections - (a[1].requests + a[1].connections) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Traffic per source peer into one destination, with the total: INS001, INS002 and INS005 each name
 * "who sent it, how much", ranked by volume, under the name each rule gives a source.
 */
export class SourceTallies {
  readonly total: Tally = { requests: 0, connections: 0 };
  private readonly bySource = new Map<string, Tally>();
  private readonly names = new Map<string, string>();

  add(e: TrafficEdge, name: string = peerShort(e.source)): void {
    addTo(this.total, e);
    const k = peerKey(e.source);
    this.names.set(k, name);
    let t = this.bySource.get(k);
    if (!t) this.bySource.set(k, (t = { requests: 0, connections: 0 }));
    addTo(t, e);
  }

  get size(): number {
    return this.bySource.size;
  }

  /** `name (n requests)` per source, most traffic first. */
  ranked(): string[] {
    return ranked(this.bySource).map(([k, t]) => `${this.names.get(k)} (${tallyText(t)})`);
  }
}

/**
 * The outbound traffic policy sidecars of `w` get: from the Sidecar that applies to it (one selecting it,
 * else its namespace's selector-less one, else the root namespace's), else the mesh config.
 */
export function outboundFor(model: MeshModel, namespace: string, w: Workload | null): { mode: OutboundMode; from: string; resource: Resource | null } {
  const sidecar = sidecarFor(model, namespace, w);
  const otp = sidecar && isObject(sidecar.obj?.spec) ? sidecar.obj.spec.outboundTrafficPolicy : undefined;
  if (sidecar && isObject(otp) && (otp.mode === 'ALLOW_ANY' || otp.mode === 'REGISTRY_ONLY')) {
    return { mode: otp.mode, from: `Sidecar ${sidecar.namespace}/${sidecar.name}`, resource: sidecar };
  }
  const mesh = meshOutbound(model);
  return { mode: mesh.effective, from: mesh.set ? meshSourceText(model) : `Istio's default (${meshSourceText(model)} sets no outboundTrafficPolicy.mode)`, resource: model.mesh.resource };
}

const sidecarsByNs = new OwnMemo<MeshModel, Map<string, Resource[]>>('sidecars-by-namespace');

/** Sidecar resources by namespace, read once per model (sources are many; namespaces can be large). */
function sidecarsIn(model: MeshModel, namespace: string): readonly Resource[] {
  let m = sidecarsByNs.get(model);
  if (!m) {
    sidecarsByNs.set(model, (m = new Map()));
    for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
      const list = m.get(sc.namespace);
      if (list) list.push(sc);
      else m.set(sc.namespace, [sc]);
    }
  }
  return m.get(namespace) ?? [];
}

function selectorLabels(sc: Resource): Record<string, unknown> | null {
  const labels = isObject(sc.obj?.spec?.workloadSelector) ? sc.obj.spec.workloadSelector.labels : undefined;
  return isObject(labels) && Object.keys(labels).length > 0 ? labels : null;
}

function sidecarFor(model: MeshModel, namespace: string, w: Workload | null): Resource | null {
  let nsDefault: Resource | null = null;
  if (namespace !== UNKNOWN) {
    for (const sc of sidecarsIn(model, namespace)) {
      const labels = selectorLabels(sc);
      if (labels) {
        if (w && selectorMatches({ matchLabels: labels }, w.podLabels)) return sc;
      } else nsDefault ??= sc;
    }
  }
  if (nsDefault) return nsDefault;
  for (const sc of sidecarsIn(model, model.rootNamespace)) if (!selectorLabels(sc)) return sc;
  return null;
}

/** The trust domain of a principal (`spiffe://td/ns/x/sa/y`, or `td/ns/x/sa/y` as older proxies wrote it); null when it is not one. */
export function trustDomainOf(principal: string): string | null {
  const rest = principal.startsWith('spiffe://') ? principal.slice('spiffe://'.length) : principal;
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  if (!rest.slice(slash).startsWith('/ns/')) return null;
  return rest.slice(0, slash).toLowerCase();
}
