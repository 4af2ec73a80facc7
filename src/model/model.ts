import { kindKey, type Resource } from './resource.js';
import { DEFAULT_SYSTEM_NAMESPACES, namespaceMode, podDataplane, type DataplaneMode, type NamespaceInfo } from './namespaces.js';
import { DEFAULT_ROOT_NAMESPACE, isMeshConfigMap, meshFromConfigMap, type MeshConfigInfo } from './meshconfig.js';
import { workloadOf, isObject, type Workload } from './workloads.js';
import { injectorsFrom, type InjectorInfo } from './injector.js';
import { selectorMatches } from './selectors.js';
import { HostIndex, resolveHost } from './hosts.js';
import { Tenancy, type TenantPolicyFile } from '../tenancy/policy.js';

export interface ModelOptions {
  /** A mesh config given explicitly (--mesh-config), which wins over any found in the resources. */
  meshConfig?: { config: Record<string, any>; file: string } | null;
  /** Namespaces treated as platform-owned. Defaults to DEFAULT_SYSTEM_NAMESPACES plus the root namespace. */
  systemNamespaces?: string[];
  /** Kubernetes cluster DNS domain. */
  clusterDomain?: string;
  /** The tenant policy (--tenants); without one each namespace is its own tenant. */
  tenantPolicy?: TenantPolicyFile | null;
}

/**
 * The analysed mesh: every resource plus the indexes rules read through. Built once per run; rules
 * never scan all resources for each resource (at 100,000 objects that is hours, not seconds).
 */
export class MeshModel {
  readonly resources: readonly Resource[];
  readonly clusterDomain: string;
  readonly mesh: MeshConfigInfo;
  readonly workloads: Workload[] = [];

  private readonly byKind = new Map<string, Resource[]>();
  private readonly byNamespace = new Map<string, Resource[]>();
  private readonly namespaceInfo = new Map<string, NamespaceInfo>();
  private readonly workloadsByNs = new Map<string, Workload[]>();
  private readonly workloadByResource = new Map<number, Workload>();
  /** Per namespace, label `k=v` → workloads whose pods carry it. Selector matching starts from the rarest label. */
  private readonly podLabelIndex = new Map<string, Map<string, Workload[]>>();
  private readonly systemNamespaces: Set<string>;
  private syntheticMesh: Resource | null = null;
  private hostIndex: HostIndex | null = null;
  readonly tenancy: Tenancy;
  /** Sidecar injector settings per revision ('' = default), from the injector ConfigMaps or IstioOperators. */
  readonly injectors: ReadonlyMap<string, InjectorInfo>;

  constructor(resources: readonly Resource[], opts: ModelOptions = {}) {
    this.resources = resources;
    this.clusterDomain = opts.clusterDomain ?? 'cluster.local';
    for (const r of resources) {
      push(this.byKind, kindKey(r.group, r.kind), r);
      if (r.namespace) push(this.byNamespace, r.namespace, r);
      const w = workloadOf(r);
      if (w) {
        this.workloads.push(w);
        this.workloadByResource.set(r.id, w);
        push(this.workloadsByNs, w.namespace, w);
        let idx = this.podLabelIndex.get(w.namespace);
        if (!idx) this.podLabelIndex.set(w.namespace, (idx = new Map()));
        for (const [k, v] of Object.entries(w.podLabels)) push(idx, `${k}=${v}`, w);
      }
    }
    this.mesh = this.findMeshConfig(opts.meshConfig ?? null);
    this.systemNamespaces = new Set([...(opts.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES), this.mesh.rootNamespace]);
    this.injectors = injectorsFrom(this.ofKind('', 'ConfigMap'), this.ofKind('install.istio.io', 'IstioOperator'));
    this.buildNamespaces();
    this.tenancy = new Tenancy(opts.tenantPolicy ?? null, {
      isSystemNamespace: (ns) => this.isSystemNamespace(ns),
      namespaceLabels: (ns) => this.namespace(ns).labels,
    });
  }

  /** Canonical host for a name used by a config in `namespace` (short names expand as Istio does). */
  resolveHost(host: string, namespace: string): string {
    return resolveHost(host, namespace, this.clusterDomain, (ns) => this.namespaceInfo.has(ns));
  }

  /**
   * Which namespace owns which host: each Service's `name.ns.svc.<domain>`, and the hosts each
   * ServiceEntry declares. Built on first use.
   */
  get hosts(): HostIndex {
    if (!this.hostIndex) {
      const idx = new HostIndex();
      for (const svc of this.ofKind('', 'Service')) {
        idx.add({ host: `${svc.name}.${svc.namespace}.svc.${this.clusterDomain}`.toLowerCase(), namespace: svc.namespace, resource: svc, via: 'Service' });
      }
      for (const se of this.ofKind('networking.istio.io', 'ServiceEntry')) {
        const hosts = se.obj?.spec?.hosts;
        if (!Array.isArray(hosts)) continue;
        for (const h of hosts) if (typeof h === 'string') idx.add({ host: this.resolveHost(h, se.namespace), namespace: se.namespace, resource: se, via: 'ServiceEntry' });
      }
      this.hostIndex = idx;
    }
    return this.hostIndex;
  }

  /** Resources of a kind, e.g. `ofKind('networking.istio.io', 'VirtualService')`; `''` is the core group. */
  ofKind(group: string, kind: string): readonly Resource[] {
    return this.byKind.get(kindKey(group, kind)) ?? EMPTY;
  }

  inNamespace(ns: string): readonly Resource[] {
    return this.byNamespace.get(ns) ?? EMPTY;
  }

  ofKindInNamespace(group: string, kind: string, ns: string): Resource[] {
    return this.inNamespace(ns).filter((r) => r.kind === kind && r.group === group);
  }

  /**
   * The object findings about the mesh config attach to: the `istio` ConfigMap or IstioOperator that
   * holds it, or, when it came from --mesh-config or from Istio's defaults, a stand-in `MeshConfig`
   * object (no source position; the message should name the file or say defaults were assumed).
   */
  get meshConfigResource(): Resource {
    if (this.mesh.resource) return this.mesh.resource;
    if (!this.syntheticMesh) {
      this.syntheticMesh = {
        id: -1,
        cluster: this.resources[0]?.cluster ?? 'default',
        apiVersion: 'meshward.io/v1',
        group: 'meshward.io',
        kind: 'MeshConfig',
        namespace: this.mesh.rootNamespace,
        name: this.mesh.file ?? 'istio-defaults',
        labels: {},
        annotations: {},
        obj: this.mesh.config,
        source: null,
      };
    }
    return this.syntheticMesh;
  }

  get rootNamespace(): string {
    return this.mesh.rootNamespace;
  }

  namespace(name: string): NamespaceInfo {
    let info = this.namespaceInfo.get(name);
    if (!info) {
      info = { name, resource: null, labels: {}, mode: null, revision: null, injectedByDefault: false, system: this.systemNamespaces.has(name) };
      this.namespaceInfo.set(name, info);
    }
    return info;
  }

  /** Every namespace the input names: Namespace objects and namespaces that hold objects. */
  namespaces(): NamespaceInfo[] {
    return [...this.namespaceInfo.values()];
  }

  isSystemNamespace(name: string): boolean {
    return this.systemNamespaces.has(name);
  }

  workloadsIn(ns: string): readonly Workload[] {
    return this.workloadsByNs.get(ns) ?? EMPTY_W;
  }

  workloadFor(r: Resource): Workload | undefined {
    return this.workloadByResource.get(r.id);
  }

  /**
   * The data plane a workload's pods get, from its namespace and its own labels (including a pod's own
   * opt-in in a namespace that does not inject, as Istio's object webhooks do); null when unknown.
   * The one place rules and posture learn whether a workload has a sidecar.
   */
  dataplaneOf(w: Workload): DataplaneMode | null {
    return podDataplane(this.namespace(w.namespace), w.podLabels, w.podAnnotations);
  }

  /**
   * The mesh mode of a namespace as its pods get it: the namespace's own mode, or, for a namespace in
   * no mode whose workloads join one by one (pod label sidecar.istio.io/inject: "true" or istio.io/rev
   * through the object webhooks, pod-level ambient), 'sidecar' (or 'ambient' when that is the only
   * way they join) with `byWorkloads` set. Null when the namespace's labels are unknown.
   */
  meshModeOf(ns: string): { mode: DataplaneMode | null; byWorkloads: boolean } {
    const info = this.namespace(ns);
    if (info.mode !== 'none') return { mode: info.mode, byWorkloads: false };
    let ambient = false;
    for (const w of this.workloadsIn(ns)) {
      const m = this.dataplaneOf(w);
      if (m === 'sidecar') return { mode: 'sidecar', byWorkloads: true };
      if (m === 'ambient') ambient = true;
    }
    return ambient ? { mode: 'ambient', byWorkloads: true } : { mode: 'none', byWorkloads: false };
  }

  /** Workloads in `ns` whose pod labels match a selector (plain map or matchLabels/matchExpressions). */
  selectWorkloads(ns: string, selector: unknown): Workload[] {
    const all = this.workloadsIn(ns);
    const ml = isObject(selector) && ('matchLabels' in selector || 'matchExpressions' in selector) ? selector.matchLabels : selector;
    const idx = this.podLabelIndex.get(ns);
    let candidates: readonly Workload[] = all;
    if (idx && isObject(ml)) {
      for (const [k, v] of Object.entries(ml)) {
        const hit = idx.get(`${k}=${String(v)}`) ?? EMPTY_W;
        if (hit.length < candidates.length) candidates = hit;
      }
    }
    return candidates.filter((w) => selectorMatches(selector, w.podLabels));
  }

  private findMeshConfig(explicit: { config: Record<string, any>; file: string } | null): MeshConfigInfo {
    const errors: string[] = [];
    const pick = (config: Record<string, any>, rest: Omit<MeshConfigInfo, 'config' | 'rootNamespace' | 'errors'>): MeshConfigInfo => ({
      config,
      rootNamespace: typeof config.rootNamespace === 'string' && config.rootNamespace ? config.rootNamespace : DEFAULT_ROOT_NAMESPACE,
      errors,
      ...rest,
    });
    if (explicit) return pick(explicit.config, { origin: 'file', resource: null, path: [], file: explicit.file });
    // The default revision's ConfigMap is `istio`; revisioned ones are `istio-<rev>`. Prefer `istio`.
    const maps = this.ofKind('', 'ConfigMap').filter(isMeshConfigMap);
    maps.sort((a, b) => Number(b.name === 'istio') - Number(a.name === 'istio'));
    for (const cm of maps) {
      const { config, error } = meshFromConfigMap(cm);
      if (error) errors.push(error);
      if (config) return pick(config, { origin: 'configmap', resource: cm, path: ['data', 'mesh'], file: null });
    }
    for (const iop of this.ofKind('install.istio.io', 'IstioOperator')) {
      const mc = iop.obj?.spec?.meshConfig;
      return pick(isObject(mc) ? mc : {}, { origin: 'istiooperator', resource: iop, path: ['spec', 'meshConfig'], file: null });
    }
    return pick({}, { origin: 'defaults', resource: null, path: [], file: null });
  }

  private buildNamespaces(): void {
    // Only the default revision's injector selects unlabelled namespaces (revisions select by istio.io/rev).
    const injectByDefault = this.injectors.get('')?.enableNamespacesByDefault === true;
    for (const r of this.ofKind('', 'Namespace')) {
      const { mode, revision, injectedByDefault } = namespaceMode(r.labels, injectByDefault);
      this.namespaceInfo.set(r.name, { name: r.name, resource: r, labels: r.labels, mode, revision, injectedByDefault, system: this.systemNamespaces.has(r.name) });
    }
    for (const ns of this.byNamespace.keys()) this.namespace(ns);
  }
}

const EMPTY: readonly Resource[] = Object.freeze([]);
const EMPTY_W: readonly Workload[] = Object.freeze([]);

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
