import type { MeshModel } from '../model/model.js';
import { hostsOverlap } from '../model/hosts.js';
import { isEmptySelector } from '../model/selectors.js';
import { isObject } from '../model/workloads.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { olderFirst } from '../posture/util.js';
import { OwnMemo } from '../model/own-memo.js';
import type { ModelView } from '../model/overlay.js';

/** The mesh-config key holding each kind's default exportTo. */
export const EXPORT_DEFAULT_KEY = {
  VirtualService: 'defaultVirtualServiceExportTo',
  DestinationRule: 'defaultDestinationRuleExportTo',
  ServiceEntry: 'defaultServiceExportTo',
} as const;

export interface ExportScope {
  /** Visible to every namespace. */
  all: boolean;
  /** Namespaces it is visible to, when not `all`. */
  namespaces: Set<string>;
  /** Where the scope came from: the object's own exportTo, the mesh default, or Istio's default (`*`). */
  origin: 'object' | 'mesh-default' | 'istio-default';
}

/**
 * Which namespaces may see a config, from its `exportTo` (`.` own namespace, `*` all, `~` none,
 * or names), else the mesh config default for its kind, else Istio's default `*`.
 */
export function exportScope(model: MeshModel, kind: keyof typeof EXPORT_DEFAULT_KEY, configNs: string, exportTo: unknown): ExportScope {
  let list: unknown = exportTo;
  let origin: ExportScope['origin'] = 'object';
  if (!Array.isArray(list) || list.length === 0) {
    list = model.mesh.config[EXPORT_DEFAULT_KEY[kind]];
    origin = 'mesh-default';
    if (!Array.isArray(list) || list.length === 0) {
      list = ['*'];
      origin = 'istio-default';
    }
  }
  const namespaces = new Set<string>();
  let all = false;
  for (const e of list as unknown[]) {
    if (typeof e !== 'string') continue;
    if (e === '*') all = true;
    else if (e === '.') namespaces.add(configNs);
    else if (e !== '~') namespaces.add(e);
  }
  return { all, namespaces, origin };
}

interface SidecarEgress {
  /** `ns/dnsName` entries of the namespace-wide Sidecar's egress listeners. */
  hosts: Array<{ ns: string; dns: string }>;
  source: string;
}

/**
 * Sidecar-based config scoping: a namespace-wide `Sidecar` (no workloadSelector) limits which
 * namespaces' configs its proxies import (`egress[].hosts: ["ns/host"]`). The root namespace's
 * namespace-wide Sidecar is the mesh default for namespaces without their own.
 */
export class SidecarScopes {
  private readonly byNs = new Map<string, SidecarEgress>();

  constructor(private readonly model: MeshModel) {
    for (const [, list] of namespaceWideSidecars(model)) {
      // Istio allows one namespace-wide Sidecar; with several, the oldest wins and the others are ignored (HJK014).
      const sc = list[0];
      const spec = sc.obj.spec;
      const hosts: SidecarEgress['hosts'] = [];
      for (const l of Array.isArray(spec.egress) ? spec.egress : []) {
        for (const h of Array.isArray(l?.hosts) ? l.hosts : []) {
          if (typeof h !== 'string' || !h.includes('/')) continue;
          const [ns, dns] = [h.slice(0, h.indexOf('/')), h.slice(h.indexOf('/') + 1)];
          hosts.push({ ns, dns: dns.toLowerCase() });
        }
      }
      this.byNs.set(sc.namespace, { hosts, source: `Sidecar ${sc.namespace}/${sc.name}` });
    }
  }

  /** The Sidecar scoping namespace `ns`, if any. */
  scopeOf(ns: string): SidecarEgress | undefined {
    return this.byNs.get(ns) ?? this.byNs.get(this.model.rootNamespace);
  }

  /**
   * Do proxies in `clientNs` import a config from `configNs` about `host`? A Sidecar scopes sidecar
   * proxies only: ambient namespaces are not protected by it.
   */
  imports(clientNs: string, configNs: string, host: string): boolean {
    if (this.model.namespace(clientNs).mode === 'ambient') return true;
    const scope = this.scopeOf(clientNs);
    if (!scope) return true;
    return scope.hosts.some(
      (h) => (h.ns === '*' || h.ns === configNs || (h.ns === '.' && configNs === clientNs)) && hostsOverlap(h.dns, host),
    );
  }
}

/** Does a Sidecar spec select workloads (a non-empty `workloadSelector.labels`)? */
export function sidecarHasSelector(spec: unknown): boolean {
  return isObject(spec) && isObject(spec.workloadSelector) && !isEmptySelector(spec.workloadSelector.labels);
}

/**
 * Why a Sidecar programs no proxy because its workloads run ambient (no sidecar to apply it), or
 * null when it applies to some sidecar workload or its namespace's mode is not ambient. The root
 * namespace's namespace-wide Sidecar is the mesh default, not about its own namespace: never ignored here.
 */
export function sidecarOnAmbientOnly(model: MeshModel, sc: Resource): { why: string; ambient: readonly Workload[] } | null {
  const spec = sc.obj?.spec;
  if (!isObject(spec)) return null;
  const ns = model.namespace(sc.namespace);
  const selects = sidecarHasSelector(spec);
  if (!selects && sc.namespace === model.rootNamespace) return null;
  const targets = selects ? model.selectWorkloads(sc.namespace, spec.workloadSelector.labels) : model.workloadsIn(sc.namespace);
  if (targets.some((w) => model.dataplaneOf(w) === 'sidecar')) return null;
  const ambient = targets.filter((w) => model.dataplaneOf(w) === 'ambient');
  if (ns.mode === 'ambient' && !(selects && targets.length > 0 && ambient.length === 0)) return { why: `namespace ${sc.namespace} runs ambient mode`, ambient };
  if (selects && ambient.length > 0 && ambient.length === targets.length) return { why: 'the workloads it selects run in ambient mode', ambient };
  return null;
}

const wideCache = new OwnMemo<MeshModel, Map<string, Resource[]>>('wide-visibility');

/**
 * Each namespace's selector-less Sidecars, oldest first (creationTimestamp, else input order): the
 * first is the one Istio applies; Istio ignores the others.
 */
export function namespaceWideSidecars(model: MeshModel): Map<string, Resource[]> {
  let byNs = wideCache.get(model);
  if (!byNs) {
    const base = sidecarsBase(model);
    if (base) return namespaceWideSidecars(base);
    byNs = new Map();
    for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
      if (!isObject(sc.obj?.spec) || sidecarHasSelector(sc.obj.spec)) continue;
      const list = byNs.get(sc.namespace);
      if (list) list.push(sc);
      else byNs.set(sc.namespace, [sc]);
    }
    for (const list of byNs.values()) list.sort(olderFirst);
    wideCache.set(model, byNs);
  }
  return byNs;
}

const scopesCache = new OwnMemo<MeshModel, SidecarScopes>('sidecar-scopes');

/**
 * The model whose Sidecars, namespace modes and root namespace an overlay (or a view of one) shares:
 * its base, when the change is none of a Sidecar, a Namespace or a ConfigMap (the mesh config names the
 * root namespace); else null. Sidecar scoping reads nothing else, so an admission review of a
 * VirtualService or a Deployment uses the base's scopes instead of walking every Sidecar again.
 */
function sidecarsBase(model: MeshModel): MeshModel | null {
  const change = (model as unknown as Partial<ModelView>).change;
  if (!change) return null;
  for (const r of [change.added, change.removed]) if (r && (changesMeshFacts(r) || (r.group === 'networking.istio.io' && r.kind === 'Sidecar'))) return null;
  return change.base as unknown as MeshModel;
}

/** Objects whose change can move namespaces' modes, the root namespace or the injectors' defaults. */
function changesMeshFacts(r: Resource): boolean {
  return (r.group === '' && (r.kind === 'Namespace' || r.kind === 'ConfigMap')) || r.group === 'install.istio.io';
}

export function sidecarScopes(model: MeshModel): SidecarScopes {
  let s = scopesCache.get(model);
  if (!s) {
    const base = sidecarsBase(model);
    if (base) return sidecarScopes(base);
    s = new SidecarScopes(model);
    scopesCache.set(model, s);
  }
  return s;
}

const sidecarWorkloadsMemo = new OwnMemo<MeshModel, Map<string, boolean>>('namespace-has-sidecar-workload');

/**
 * Whether a workload of `ns` gets a sidecar (in a namespace that does not inject, by its own opt-in),
 * kept per model and namespace. An overlay whose change is an object of another namespace answers as
 * its base: namespacesTaking asks it of every namespace not in the mesh, for every config that exports
 * to all, which for an admission review of a VirtualService was a walk over most of the cluster's
 * workloads. A change of a Namespace, a ConfigMap, an install or a cluster-scoped object answers afresh.
 */
function hasSidecarWorkload(model: MeshModel, ns: string): boolean {
  const change = (model as unknown as Partial<ModelView>).change;
  if (change && [change.added, change.removed].every((r) => !r || (r.namespace !== '' && r.namespace !== ns && !changesMeshFacts(r)))) {
    return hasSidecarWorkload(change.base as unknown as MeshModel, ns);
  }
  let byNs = sidecarWorkloadsMemo.get(model);
  if (!byNs) sidecarWorkloadsMemo.set(model, (byNs = new Map()));
  let v = byNs.get(ns);
  if (v === undefined) byNs.set(ns, (v = model.workloadsIn(ns).some((w) => model.dataplaneOf(w) === 'sidecar')));
  return v;
}

/**
 * Namespaces other than the config's own whose proxies take a config about `host`: visible to them
 * by exportTo and imported by their Sidecar scoping. Namespaces known to be outside the mesh are
 * left out (their pods have no proxy to program).
 */
export function namespacesTaking(model: MeshModel, scope: ExportScope, configNs: string, host: string): string[] {
  const scopes = sidecarScopes(model);
  const out: string[] = [];
  const candidates = scope.all ? model.namespaces().map((n) => n.name) : [...scope.namespaces];
  for (const ns of candidates) {
    if (ns === configNs) continue;
    const info = model.namespace(ns);
    const meshed = info.mode === 'sidecar' || info.mode === 'ambient';
    // Platform namespaces outside the mesh (istio-system holds istiod and gateways) have no sidecars to program.
    if (info.system && !meshed) continue;
    if (info.mode === 'none' && !hasSidecarWorkload(model, ns)) continue;
    if (scopes.imports(ns, configNs, host)) out.push(ns);
  }
  return out.sort();
}
