import { kindKey, type Resource } from './resource.js';
import { DEFAULT_SYSTEM_NAMESPACES, namespaceMode, podDataplane, type DataplaneMode, type NamespaceInfo } from './namespaces.js';
import { SAIL_GROUP, chooseMeshConfig, isMeshConfigMap, readableMeshConfigs, rootNamespaceOf, type MeshConfigInfo } from './meshconfig.js';
import { GATEWAY_NAME_LABEL, ISTIO_DEPLOYED_CLASSES, ISTIO_DEPLOYING_CONTROLLERS, gatewayApiWorkload, workloadOf, isObject, type Workload } from './workloads.js';
import { injectorsFrom, type InjectorInfo } from './injector.js';
import { selectorMatches } from './selectors.js';
import { HostIndex, installedClusterDomain, resolveHost } from './hosts.js';
import { Tenancy } from '../tenancy/tenancy.js';
import { isNamespaceName } from './names.js';
import type { TenantPolicyFile } from '../tenancy/policy.js';

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

export interface ModelError {
  resource: Resource;
  message: string;
}

/**
 * The analysed mesh: every resource plus the indexes rules read through. Built once per run; rules
 * never scan all resources for each resource (at 100,000 objects that is hours, not seconds).
 */
/** Resolved hosts kept per model: at least this many, else four per object (a config names a few hosts). */
const MIN_RESOLVED_HOSTS = 4096;

export class MeshModel {
  readonly resources: readonly Resource[];
  readonly clusterDomain: string;
  readonly mesh: MeshConfigInfo;
  readonly workloads: Workload[] = [];
  /**
   * Documents the model could not take in (a bug meshward did not foresee, met on odd input): each is
   * left out of the index it failed in, and the run goes on, as with a rule that throws.
   */
  readonly errors: ModelError[] = [];

  private readonly byKind = new Map<string, Resource[]>();
  private readonly byNamespace = new Map<string, Resource[]>();
  private readonly namespaceInfo = new Map<string, NamespaceInfo>();
  private readonly workloadsByNs = new Map<string, Workload[]>();
  private readonly workloadByResource = new Map<number, Workload>();
  /** Per namespace, label `k=v` → workloads whose pods carry it. Selector matching starts from the rarest label. */
  private readonly podLabelIndex = new Map<string, Map<string, Workload[]>>();
  private readonly systemNamespaces: Set<string>;
  /** resolveHost's answers (shared with the model's overlays and views, which inherit the field). */
  private readonly resolvedHosts = new Map<string, string>();
  private readonly resolvedHostsCap: number;
  private syntheticMesh: Resource | null = null;
  private hostIndex: HostIndex | null = null;
  readonly tenancy: Tenancy;
  /** Sidecar injector settings per revision ('' = default), from the injector ConfigMaps or IstioOperators. */
  readonly injectors: ReadonlyMap<string, InjectorInfo>;

  constructor(resources: readonly Resource[], opts: ModelOptions = {}) {
    this.resources = resources;
    this.resolvedHostsCap = Math.max(MIN_RESOLVED_HOSTS, 4 * resources.length);
    for (const r of resources) {
      push(this.byKind, kindKey(r.group, r.kind), r);
      if (r.namespace) push(this.byNamespace, r.namespace, r);
      const w = this.contain(r, 'reading its pod template', () => workloadOf(r));
      if (w) this.addWorkload(w);
    }
    this.addGatewayApiPods();
    // An explicit domain wins; else the one the Istio installation in the input was given; else Istio's default.
    this.clusterDomain = opts.clusterDomain ?? installedClusterDomain(this.ofKind('install.istio.io', 'IstioOperator'), this.ofKind('', 'ConfigMap')) ?? 'cluster.local';
    this.mesh = this.findMeshConfig(opts.meshConfig ?? null, new Set(opts.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES));
    const listed = new Set([...(opts.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES), this.mesh.rootNamespace]);
    this.systemNamespaces = new Set([...listed, ...installedGatewayNamespaces(this.ofKind('install.istio.io', 'IstioOperator'), listed)]);
    this.injectors = injectorsFrom(this.ofKind('', 'ConfigMap'), this.ofKind('install.istio.io', 'IstioOperator'));
    this.buildNamespaces();
    this.tenancy = new Tenancy(opts.tenantPolicy ?? null, {
      isSystemNamespace: (ns) => this.isSystemNamespace(ns),
      namespaceLabels: (ns) => this.namespace(ns).labels,
    });
  }

  /** Canonical host for a name used by a config in `namespace` (short names expand as Istio does). */
  resolveHost(host: string, namespace: string): string {
    // Kept per model: the answer depends on the namespaces the model knows and its cluster domain,
    // which its overlays share (a namespace coming or going rebuilds the model), and rules resolve every
    // config's hosts on every incremental run.
    const key = `${namespace}\n${host}`;
    let h = this.resolvedHosts.get(key);
    if (h === undefined) {
      h = resolveHost(host, namespace, this.clusterDomain, (ns) => this.namespaceInfo.has(ns));
      // Bounded by the model's size: the webhook resolves the hosts of objects under review on its base.
      if (this.resolvedHosts.size < this.resolvedHostsCap) this.resolvedHosts.set(key, h);
    }
    return h;
  }

  /**
   * Which namespace owns which host: each Service's `name.ns.svc.<domain>`, and the hosts each
   * ServiceEntry declares. Built on first use.
   */
  get hosts(): HostIndex {
    if (!this.hostIndex) {
      const idx = new HostIndex(this.clusterDomain);
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

  /**
   * What the input says about a namespace. Asking about a namespace the input does not name (a
   * host's implied owner, a policy's target) answers "unknown" without adding it to namespaces():
   * the set rules iterate must not depend on which rule asked first.
   */
  namespace(name: string): NamespaceInfo {
    return this.namespaceInfo.get(name) ?? { name, resource: null, labels: {}, mode: null, revision: null, injectedByDefault: false, system: this.systemNamespaces.has(name) };
  }

  /** Every namespace the input names: Namespace objects and namespaces that hold objects. */
  namespaces(): NamespaceInfo[] {
    return [...this.namespaceInfo.values()];
  }

  isSystemNamespace(name: string): boolean {
    return this.systemNamespaces.has(name);
  }

  /**
   * Whether the model holds a workload in any namespace. A lookup, not a loop: in a namespace view
   * (src/engine/scope.ts) it still answers for the whole model, where `workloads` lists only the kept
   * namespaces' (a root-namespace policy "matches no workload in any namespace" only if there are some).
   */
  hasAnyWorkload(): boolean {
    // A namespace view answers from its whole lists (src/model/overlay.ts viewPrototype).
    return this.workloads.length > 0;
  }

  workloadsIn(ns: string): readonly Workload[] {
    return this.workloadsByNs.get(ns) ?? EMPTY_W;
  }

  workloadFor(r: Resource): Workload | undefined {
    return this.workloadByResource.get(r.id);
  }

  /**
   * The data plane a workload's pods get, from its namespace and its own labels (including a pod's own
   * opt-in in a namespace that does not inject, as Istio's object webhooks do); null when unknown. A pod
   * template that already carries an injected sidecar (carriesInjectedSidecar: `istioctl kube-inject`
   * output, or a dump of injected pods) runs it whatever its namespace says.
   * The one place rules and posture learn whether a workload has a sidecar.
   */
  dataplaneOf(w: Workload): DataplaneMode | null {
    if (carriesInjectedSidecar(w)) return 'sidecar';
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

  /** The mesh config istiod would read: of a control-plane namespace (readableMeshConfigs), with a root namespace that is a namespace name. */
  private findMeshConfig(explicit: { config: Record<string, any>; file: string } | null, controlPlane: ReadonlySet<string>): MeshConfigInfo {
    const maps = readableMeshConfigs(this.ofKind('', 'ConfigMap').filter(isMeshConfigMap), controlPlane);
    const installs = readableMeshConfigs([...this.ofKind('install.istio.io', 'IstioOperator'), ...this.ofKind(SAIL_GROUP, 'Istio')], controlPlane);
    const chosen = chooseMeshConfig(maps.readable, installs.readable, explicit);
    if (!explicit) chosen.notes.push(...maps.notes, ...installs.notes);
    const { rootNamespace, error } = rootNamespaceOf(chosen.config);
    if (error) chosen.errors.push(error);
    return { ...chosen, rootNamespace };
  }

  private addWorkload(w: Workload): void {
    this.workloads.push(w);
    this.workloadByResource.set(w.resource.id, w);
    push(this.workloadsByNs, w.namespace, w);
    let idx = this.podLabelIndex.get(w.namespace);
    if (!idx) this.podLabelIndex.set(w.namespace, (idx = new Map()));
    for (const [k, v] of Object.entries(w.podLabels)) push(idx, `${k}=${v}`, w);
  }

  /**
   * Gateway-API Gateways whose pods Istio deploys are workloads even when their Deployment is not in
   * the input (it is created in the cluster, not written in the repository): without them, every
   * policy selecting the gateway would seem to select nothing.
   */
  private addGatewayApiPods(): void {
    const gateways = this.ofKind('gateway.networking.k8s.io', 'Gateway');
    if (!gateways.length) return;
    const classes = new Set(ISTIO_DEPLOYED_CLASSES);
    for (const gc of this.ofKind('gateway.networking.k8s.io', 'GatewayClass')) {
      const controller = gc.obj?.spec?.controllerName;
      if (typeof controller === 'string' && ISTIO_DEPLOYING_CONTROLLERS.includes(controller)) classes.add(gc.name);
      else classes.delete(gc.name); // a GatewayClass in the input says who really implements that name
    }
    for (const g of gateways) {
      const deployed = this.podLabelIndex.get(g.namespace)?.get(`${GATEWAY_NAME_LABEL}=${g.name}`);
      if (deployed?.length) continue;
      const w = this.contain(g, 'modelling its gateway pods', () => gatewayApiWorkload(g, classes));
      if (w) this.addWorkload(w);
    }
  }

  /** Runs one document's share of model building; a failure becomes an error entry for that document. */
  private contain<T>(r: Resource, what: string, fn: () => T): T | null {
    try {
      return fn();
    } catch (err) {
      this.errors.push({ resource: r, message: `meshward failed ${what} (${err instanceof Error ? err.message : String(err)}); the object was left out of the analysis. Please report this with the object.` });
      return null;
    }
  }

  /** What the model says of the namespace whose Namespace object is `r` (also for an overlay replacing it: src/model/overlay.ts). */
  infoOfNamespaceObject(r: Resource): NamespaceInfo {
    // Only the default revision's injector selects unlabelled namespaces (revisions select by istio.io/rev).
    const injectByDefault = this.injectors.get('')?.enableNamespacesByDefault === true;
    const { mode, revision, injectedByDefault } = namespaceMode(r.labels, injectByDefault);
    return { name: r.name, resource: r, labels: r.labels, mode, revision, injectedByDefault, system: this.systemNamespaces.has(r.name) };
  }

  private buildNamespaces(): void {
    // Every definition of a name, to say when they disagree on injection (below).
    const definitions = new Map<string, NamespaceInfo[]>();
    for (const r of this.ofKind('', 'Namespace')) {
      this.contain(r, 'reading its namespace labels', () => {
        const info = this.infoOfNamespaceObject(r);
        this.namespaceInfo.set(r.name, info);
        push(definitions, r.name, info);
      });
    }
    // Definitions of one Namespace (a kustomize base and an overlay, two applications' copies) that
    // disagree on injection: the last is used, and the run says so, since the cluster's labels depend on
    // how they are applied (a client-side apply drops labels an earlier apply of it set; server-side
    // applies by different managers keep both).
    let noted = 0;
    for (const [name, defs] of definitions) {
      if (defs.length < 2 || new Set(defs.map((d) => `${d.mode}\u0000${d.revision}`)).size < 2) continue;
      if (noted++ >= MAX_TWIN_NOTES) break;
      const said = (i: NamespaceInfo) => `${i.mode}${i.revision ? ` revision ${i.revision}` : ''} in ${i.resource?.source?.file ?? 'the cluster'}`;
      this.mesh.notes.push(`Namespace ${name} is defined ${defs.length} times with different mesh labels (${defs.slice(0, 4).map(said).join('; ')}${defs.length > 4 ? `; and ${defs.length - 4} more` : ''}); the last is used. Which labels the cluster has depends on how they are applied: keep one definition, or scan what the build applies.`);
    }
    for (const ns of this.byNamespace.keys()) if (!this.namespaceInfo.has(ns)) this.namespaceInfo.set(ns, this.namespace(ns));
  }
}

/** Namespaces defined twice with different mesh labels named in the notes at most (the rest are counted by nobody: a hostile input could hold thousands). */
const MAX_TWIN_NOTES = 5;

const EMPTY: readonly Resource[] = Object.freeze([]);
const EMPTY_W: readonly Workload[] = Object.freeze([]);

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * Whether a pod template already carries the sidecar Istio's injector writes: the injector's
 * `sidecar.istio.io/status` annotation and an `istio-proxy` container with an image (a main container,
 * or an init container as a native sidecar). Such pods run the proxy they carry wherever they are
 * created (manual injection with `istioctl kube-inject`, as GitOps repositories check it in; or pods
 * injected before their namespace's label was removed), and istio-cni leaves them out of ambient mode.
 * Both marks are needed: an `istio-proxy` entry alone only customises injection, and an annotation alone
 * runs no proxy. Whether the image is Istio's is BYP002's question.
 */
export function carriesInjectedSidecar(w: Workload): boolean {
  if (!Object.hasOwn(w.podAnnotations, 'sidecar.istio.io/status')) return false;
  return w.containers.some((c) => c.name === 'istio-proxy' && (c.kind === 'container' || c.kind === 'initContainer') && typeof c.image === 'string' && c.image !== '');
}

/**
 * The namespaces the platform's IstioOperators (those in a system namespace, where an install keeps
 * them) deploy gateways to: `spec.components.ingressGateways[].namespace` and `egressGateways[]`, each
 * not turned off. The installation owns them as it owns istio-ingress: their pods are Istio's gateway
 * (the chart runs `proxy router` with `sidecar.istio.io/inject: "false"` and a mesh identity), so a
 * namespace of them is neither a tenant's nor outside the mesh for want of an injection label.
 */
export function installedGatewayNamespaces(iops: readonly Resource[], system: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const iop of iops) {
    if (!system.has(iop.namespace)) continue;
    const components = iop.obj?.spec?.components;
    if (!isObject(components)) continue;
    for (const key of ['ingressGateways', 'egressGateways']) {
      const list = components[key];
      if (!Array.isArray(list)) continue;
      for (const g of list) {
        if (!isObject(g) || g.enabled === false || g.enabled === 'false') continue;
        // A placeholder such as $GATEWAY_NS names no namespace. A gateway put in `default` does not
        // make the namespace every tenant's stray objects land in the platform's.
        if (typeof g.namespace === 'string' && isNamespaceName(g.namespace) && g.namespace !== 'default') out.add(g.namespace);
      }
    }
  }
  return [...out];
}
