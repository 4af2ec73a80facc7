import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import type { DataplaneMode } from '../model/namespaces.js';
import type { GatewayKind, MtlsMode, MtlsOrigin, PeerAuthInfo, PeerAuthProblem, PortMtls, WorkloadMtls } from './types.js';
import { EMPTY, editWorkloads, isObject, olderFirst, overlayMap, portNumber, push, specOf, str } from './util.js';
import { selectorMatches } from '../model/selectors.js';
import { createLazy } from '../model/own-memo.js';
import { isTwin } from '../engine/twins.js';

export const SECURITY_GROUP = 'security.istio.io';

/** Istio's mode when no PeerAuthentication applies. */
export const DEFAULT_MTLS: MtlsMode = 'PERMISSIVE';

/**
 * How much plaintext a mode lets in, for choosing between two definitions of one policy: DISABLE most,
 * then PERMISSIVE and UNSET (which inherits, PERMISSIVE at the top), STRICT least.
 */
function weakness(mode: MtlsMode | null): number {
  return mode === 'DISABLE' ? 2 : mode === 'STRICT' ? 0 : 1;
}

/** `spec.mtls.mode` (or a port-level mode) as an effective mode; null for UNSET, absent or unknown. */
export function readMode(v: unknown): { mode: MtlsMode | null; invalid: boolean } {
  if (v === undefined || v === null) return { mode: null, invalid: false };
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  if (s === 'STRICT' || s === 'PERMISSIVE' || s === 'DISABLE') return { mode: s, invalid: false };
  return { mode: null, invalid: s !== 'UNSET' };
}

/**
 * Resolves PeerAuthentication the way istiod does: the oldest selector-less policy in the root
 * namespace is mesh-wide (root-namespace policies with a selector are ignored); the oldest
 * selector-less policy of a namespace is namespace-wide; the oldest policy whose selector picks the
 * workload is workload-wide and may override ports (`portLevelMtls`, keyed by the workload's port).
 * UNSET inherits from the level above; with nothing set, Istio uses PERMISSIVE.
 */
export class MtlsResolver {
  readonly infos: PeerAuthInfo[] = [];
  readonly byResource = new Map<Resource, PeerAuthInfo>();
  readonly mesh: PeerAuthInfo | null;
  private readonly nsWide = new Map<string, PeerAuthInfo>();
  private readonly forWorkload: Map<Workload, PeerAuthInfo[]> = new Map();
  /** PeerAuthentication → workloads whose effective mode (on some port) it decides. */
  readonly decides = new Map<Resource, Workload[]>();

  constructor(private readonly model: MeshModel) {
    const root = model.rootNamespace;
    const pas = [...model.ofKind(SECURITY_GROUP, 'PeerAuthentication')].sort(olderFirst);
    let mesh: PeerAuthInfo | null = null;
    for (const r of pas) {
      const spec = specOf(r) ?? {};
      const problems: PeerAuthProblem[] = [];
      const refuse = (message: string, ...path: Array<string | number>) => problems.push({ message, path: ['spec', ...path] });
      const { mode, invalid } = readMode(isObject(spec.mtls) ? spec.mtls.mode : undefined);
      if (invalid) refuse(`spec.mtls.mode "${String(spec.mtls.mode)}" is not STRICT, PERMISSIVE, DISABLE or UNSET; Istio rejects it`, 'mtls', 'mode');
      if (spec.mtls !== undefined && spec.mtls !== null && !isObject(spec.mtls)) refuse('spec.mtls is not a mapping; Istio rejects it', 'mtls');
      if (spec.selector !== undefined && spec.selector !== null && !isObject(spec.selector)) refuse('spec.selector is not a mapping; Istio rejects it', 'selector');
      const ml = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
      // istiod (ComposePeerAuthentication) and its validation treat a selector without labels as no
      // selector: `selector: {}` makes a namespace-wide policy (mesh-wide in the root namespace).
      const hasSelector = isObject(ml) && Object.keys(ml).length > 0;
      if (ml !== undefined && ml !== null && !isObject(ml)) refuse('spec.selector.matchLabels is not a label map; Istio rejects it', 'selector', 'matchLabels');
      const portLevel: PeerAuthInfo['portLevel'] = [];
      if (spec.portLevelMtls !== undefined && spec.portLevelMtls !== null) {
        if (!isObject(spec.portLevelMtls)) refuse('spec.portLevelMtls is not a map of port to mode; Istio rejects it', 'portLevelMtls');
        else
          for (const [key, v] of Object.entries(spec.portLevelMtls)) {
            const port = portNumber(key);
            const pm = readMode(isObject(v) ? v.mode : undefined);
            if (port === null) refuse(`port-level key "${key}" is not a port 1-65535; Istio rejects the policy`, 'portLevelMtls', key);
            else if (pm.invalid) refuse(`spec.portLevelMtls.${key}.mode "${String((v as any).mode)}" is not a valid mode; Istio rejects it`, 'portLevelMtls', key, 'mode');
            else portLevel.push({ key, port, mode: pm.mode });
          }
        if (isObject(spec.portLevelMtls) && Object.keys(spec.portLevelMtls).length === 0) refuse('spec.portLevelMtls is an empty map; Istio rejects it ("port level mTLS, if defined, must have at least one element")', 'portLevelMtls');
        if (!hasSelector && portLevel.length) refuse('portLevelMtls needs a selector with matchLabels: Istio rejects port-level mTLS on a mesh-wide or namespace-wide policy ("portLevelMtls requires selector")', 'portLevelMtls');
      }
      const info: PeerAuthInfo = { resource: r, scope: 'workload', mode, portLevel, targets: EMPTY, ignoredReason: null, problems };
      this.infos.push(info);
      this.byResource.set(r, info);
      if (problems.length) {
        info.scope = 'ignored';
        info.ignoredReason = problems[0].message;
        continue;
      }
      if (r.namespace === root && hasSelector) {
        info.scope = 'ignored';
        info.ignoredReason = `a PeerAuthentication with a selector in the root namespace ${root} is ignored by Istio`;
        continue;
      }
      if (!hasSelector) {
        info.scope = r.namespace === root ? 'mesh' : 'namespace';
        const winner = r.namespace === root ? mesh : this.nsWide.get(r.namespace);
        if (winner && isTwin(winner.resource, r) && weakness(mode) > weakness(winner.mode)) {
          // Two definitions of one object (two files of the input): a cluster holds whichever was applied
          // last, which the input cannot say, and Istio enforces it as written. The weaker is judged, so
          // that a PERMISSIVE or DISABLE definition is never hidden by a STRICT copy that sorts first.
          winner.scope = 'ignored';
          winner.ignoredReason = `another definition of ${r.namespace}/${r.name} in the input sets ${mode ?? 'UNSET'}; a cluster holds one of them (the one applied last), so the weaker is judged`;
          if (r.namespace === root) mesh = info;
          this.nsWide.set(r.namespace, info);
          continue;
        }
        if (winner) {
          info.scope = 'ignored';
          info.ignoredReason = isTwin(winner.resource, r)
            ? `another definition of ${r.namespace}/${r.name} in the input sets ${winner.mode ?? 'UNSET'}, which is judged instead (the weaker of the two; a cluster holds the one applied last)`
            : `Istio uses the oldest ${r.namespace === root ? 'mesh-wide' : 'namespace-wide'} policy, ${winner.resource.namespace}/${winner.resource.name}`;
          continue;
        }
        if (r.namespace === root) mesh = info;
        this.nsWide.set(r.namespace, info);
        continue;
      }
      info.targets = this.model.selectWorkloads(r.namespace, { matchLabels: ml as Record<string, unknown> });
      for (const w of info.targets) push(this.forWorkload, w, info);
    }
    this.mesh = mesh;
  }

  private readonly origins = new Map<string, MtlsOrigin>();

  /** One origin object per policy and level (shared by every workload it decides). */
  private originOf(pa: PeerAuthInfo, level: MtlsOrigin['level']): MtlsOrigin {
    const k = `${pa.resource.id}:${level}`;
    let o = this.origins.get(k);
    if (!o) this.origins.set(k, (o = { level, resource: pa.resource, path: MODE_PATH }));
    return o;
  }

  private portOrigin(pa: PeerAuthInfo, key: string): MtlsOrigin {
    const k = `${pa.resource.id}:port:${key}`;
    let o = this.origins.get(k);
    if (!o) this.origins.set(k, (o = { level: 'port', resource: pa.resource, path: ['spec', 'portLevelMtls', key, 'mode'] }));
    return o;
  }

  /** The namespace-wide policy of `ns` (in the root namespace, the mesh-wide one). */
  namespacePolicy(ns: string): PeerAuthInfo | null {
    return this.nsWide.get(ns) ?? null;
  }

  /** Workload-level policies that select `w`, oldest (the one Istio uses) first. */
  workloadPolicies(w: Workload): readonly PeerAuthInfo[] {
    return this.forWorkload.get(w) ?? EMPTY;
  }

  /** The effective mode of `w` for every port. */
  resolve(w: Workload, dataplane: DataplaneMode | null, gateway: GatewayKind | null): WorkloadMtls {
    const notes: string[] = [];
    const ambient = dataplane === 'ambient';
    const pick = (m: MtlsMode | null): MtlsMode | null => (ambient && m === 'DISABLE' ? 'PERMISSIVE' : m);
    const wl = this.forWorkload.get(w);
    const own = wl ? wl[0] : null;
    if (wl && wl.length > 1) notes.push(`${wl.length} workload PeerAuthentications select it; Istio uses the oldest, ${own!.resource.name}`);
    const nsPa = this.nsWide.get(w.namespace);
    const ns = nsPa && nsPa !== this.mesh ? nsPa : null;

    // Workload, then namespace, then mesh; UNSET (null) inherits; Istio's default last.
    let mode: MtlsMode = DEFAULT_MTLS;
    let origin: MtlsOrigin = DEFAULT_ORIGIN;
    let from: PeerAuthInfo | null = null;
    let m: MtlsMode | null;
    if (own && (m = pick(own.mode))) {
      [mode, from, origin] = [m, own, this.originOf(own, 'workload')];
    } else if (ns && (m = pick(ns.mode))) {
      [mode, from, origin] = [m, ns, this.originOf(ns, 'namespace')];
    } else if (this.mesh && (m = pick(this.mesh.mode))) {
      [mode, from, origin] = [m, this.mesh, this.originOf(this.mesh, 'mesh')];
    }
    if (ambient && from?.mode === 'DISABLE') notes.push(`${from.resource.namespace}/${from.resource.name} sets DISABLE, which ztunnel does not support: the workload still accepts plaintext`);

    const ports: PortMtls[] = [];
    for (const p of containerPorts(w)) ports.push({ port: p, mode, origin, declared: true });
    if (own) {
      for (const pl of own.portLevel) {
        const pm = pick(pl.mode);
        const i = ports.findIndex((p) => p.port === pl.port);
        const entry: PortMtls = pm ? { port: pl.port, mode: pm, origin: this.portOrigin(own, pl.key), declared: i >= 0 } : { port: pl.port, mode, origin, declared: i >= 0 };
        if (i >= 0) ports[i] = entry;
        else ports.push(entry);
      }
    }
    if (ports.length > 1) ports.sort((a, b) => a.port - b.port);

    let applies = true;
    if (gateway === 'istio-gateway' || gateway === 'k8s-gateway') {
      applies = false;
      notes.push('gateway: its listeners follow the Gateway server TLS settings, not PeerAuthentication');
    } else if (dataplane === 'none') {
      applies = false;
      notes.push('not in the mesh (no sidecar, no ztunnel): it accepts plaintext from anyone');
    } else if (dataplane === null) {
      notes.push('data-plane mode unknown (no Namespace object in the input); assumed in the mesh');
    }

    return { mode, origin, ports, applies, notes };
  }

  /** Records which PeerAuthentications decide `w`'s mode (`decides`), from its resolved mTLS. */
  record(w: Workload, m: WorkloadMtls): void {
    for (const r of decidersOf(m)) push(this.decides, r, w);
  }

  /**
   * Takes `decides` from `base` (this resolver's model is an overlay of base's) with each changed
   * workload moved from the policies that decided its old mode to those deciding its new one: every
   * other workload kept its resolved mode, so the policies deciding it are the same. Instead of a
   * record() per workload of the mesh.
   */
  decidesFrom(base: MtlsResolver, changes: ReadonlyArray<{ w: Workload; before: WorkloadMtls; after: WorkloadMtls }>): void {
    const decides = overlayMap(base.decides);
    const edit = (r: Resource, removed: Workload | null, added: Workload | null) => {
      const list = editWorkloads(decides.get(r) ?? EMPTY, removed, added);
      if (list.length) decides.set(r, list as Workload[]);
      else decides.delete(r);
    };
    for (const { w, before, after } of changes) {
      const gone = decidersOf(before);
      const come = decidersOf(after);
      for (const r of gone) if (!come.includes(r)) edit(r, w, null);
      for (const r of come) if (!gone.includes(r)) edit(r, null, w);
    }
    (this as unknown as { decides: Map<Resource, Workload[]> }).decides = decides;
  }

  /**
   * This resolver for `model` (an overlay of this one's model) in which workload `removed` is gone and
   * `added` has come, both in `ns`: the workload policies of `ns` whose selector picks either are
   * matched again (new infos), `added` is resolved, and `decides` is edited for the two.
   */
  withWorkloadChange(
    model: MeshModel,
    ns: string,
    removed: { w: Workload; mtls: WorkloadMtls } | null,
    addedW: Workload | null,
    resolveAdded: (r: MtlsResolver) => WorkloadMtls | null,
  ): { resolver: MtlsResolver; addedMtls: WorkloadMtls | null } {
    const base = this;
    const replaced = new Map<PeerAuthInfo, PeerAuthInfo>();
    // createLazy, not a getter defined on the object: see own-memo.ts.
    const resolver = createLazy(base, { infos: () => (replaced.size ? base.infos.map((i) => replaced.get(i) ?? i) : base.infos) });
    const o = resolver as unknown as { infos: PeerAuthInfo[]; byResource: Map<Resource, PeerAuthInfo>; forWorkload: Map<Workload, PeerAuthInfo[]>; decides: Map<Resource, Workload[]> };
    const added = addedW;
    const removedW = removed?.w ?? null;
    const forAdded: PeerAuthInfo[] = [];
    for (const info of base.infos) {
      if (info.scope !== 'workload' || info.resource.namespace !== ns) continue;
      const ml = matchLabelsOf(info.resource);
      const picks = (w: Workload | null) => w !== null && selectorMatches({ matchLabels: ml }, w.podLabels);
      if (!picks(removedW) && !picks(added)) continue;
      const next: PeerAuthInfo = { ...info, targets: model.selectWorkloads(ns, { matchLabels: ml }) };
      replaced.set(info, next);
      if (picks(added)) forAdded.push(info);
    }
    if (replaced.size) {
      o.byResource = overlayMap(base.byResource);
      for (const next of replaced.values()) o.byResource.set(next.resource, next);
    }
    o.forWorkload = overlayMap(base.forWorkload);
    if (removedW) o.forWorkload.delete(removedW);
    // Resolution reads the policy's mode and ports, the same in the old and the new info.
    if (added && forAdded.length) o.forWorkload.set(added, forAdded);
    const addedMtls = resolveAdded(resolver);
    o.decides = overlayMap(base.decides);
    const gone = removed ? decidersOf(removed.mtls) : [];
    const come = addedMtls && added ? decidersOf(addedMtls) : [];
    for (const r of new Set([...gone, ...come])) {
      const list = editWorkloads(base.decides.get(r) ?? EMPTY, gone.includes(r) ? removedW : null, come.includes(r) ? added : null);
      if (list.length) o.decides.set(r, list as Workload[]);
      else o.decides.delete(r);
    }
    return { resolver, addedMtls };
  }
}

/** The PeerAuthentications deciding a resolved mode: the one behind the workload mode, then any port-level one; none when PeerAuthentication does not apply. */
function decidersOf(m: WorkloadMtls | null): Resource[] {
  if (!m || !m.applies) return [];
  const out: Resource[] = [];
  if (m.origin.resource) out.push(m.origin.resource);
  const portLevel = m.ports.find((p) => p.origin.level === 'port')?.origin.resource;
  if (portLevel && portLevel !== m.origin.resource) out.push(portLevel);
  return out;
}

/** `spec.selector.matchLabels` of a workload-scoped PeerAuthentication (validated when it was resolved). */
function matchLabelsOf(r: Resource): Record<string, unknown> {
  const spec = specOf(r) ?? {};
  const ml = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
  return isObject(ml) ? ml : {};
}

const MODE_PATH = ['spec', 'mtls', 'mode'];
const DEFAULT_ORIGIN: MtlsOrigin = { level: 'default', resource: null, path: [] };

/** Ports the workload's application containers declare (`containerPort`), without the proxy's. */
export function containerPorts(w: Workload): number[] {
  const out: number[] = [];
  for (const c of w.containers) {
    if (c.kind !== 'container' || c.name === 'istio-proxy') continue;
    const ports = c.spec.ports;
    if (!Array.isArray(ports)) continue;
    for (const p of ports) {
      const n = isObject(p) ? portNumber(p.containerPort) : null;
      if (n !== null && !out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** A container port by name (for Service `targetPort: http`). */
export function namedPort(w: Workload, name: string): number | null {
  for (const c of w.containers) {
    if (c.kind !== 'container') continue;
    const ports = c.spec.ports;
    if (!Array.isArray(ports)) continue;
    for (const p of ports) if (isObject(p) && str(p.name) === name) return portNumber(p.containerPort);
  }
  return null;
}
