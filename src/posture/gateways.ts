import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { selectorMatches } from '../model/selectors.js';
import type { GatewayKind, ServiceInfo, WaypointRef } from './types.js';
import { EMPTY, editWorkloads, isObject, push, specOf, str } from './util.js';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Label Istio puts on the pods it deploys for a Gateway-API Gateway (waypoints included). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const USE_WAYPOINT = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
export const WAYPOINT_CLASS = 'istio-waypoint';

/**
 * Pod labels of every workload in every namespace, for selectors that reach across namespaces (Istio
 * `Gateway` selectors, root-namespace policies). Built on first use.
 */
export class GlobalLabelIndex {
  private index: Map<string, Workload[]> | null = null;
  private scans = 0;
  /** Set on an overlay's index (withWorkloadChange): the change it answers through. */
  private change: LabelChange | null = null;

  constructor(private readonly model: MeshModel) {}

  /** Workloads in any namespace whose pod labels contain every pair of `labels` (an empty map: all). */
  select(labels: Record<string, unknown>): readonly Workload[] {
    if (this.change) return this.change.select(labels);
    const entries = Object.entries(labels);
    if (!entries.length) return this.model.workloads;
    // A handful of selectors (the usual gateways and root policies) are cheaper to scan than to index.
    if (!this.index && this.scans++ < 8) return this.model.workloads.filter((w) => selectorMatches(labels, w.podLabels));
    if (!this.index) {
      this.index = new Map();
      for (const w of this.model.workloads) for (const [k, v] of Object.entries(w.podLabels)) push(this.index, `${k}=${v}`, w);
    }
    let candidates: readonly Workload[] | null = null;
    for (const [k, v] of entries) {
      const hit = this.index.get(`${k}=${String(v)}`) ?? EMPTY;
      if (!candidates || hit.length < candidates.length) candidates = hit;
    }
    return (candidates ?? EMPTY).filter((w) => selectorMatches(labels, w.podLabels));
  }

  /** This index for `model` (an overlay of this one's model) in which workload `removed` is gone and `added` has come. */
  withWorkloadChange(model: MeshModel, removed: Workload | null, added: Workload | null): GlobalLabelIndex {
    // The change as a data field read by select(), not a closure assigned to the object: V8 keeps a
    // function stored on an object made by Object.create(long-lived) alive past minor GCs, and with
    // it the whole review (own-memo.ts).
    const o = Object.create(this) as GlobalLabelIndex;
    o.change = new LabelChange(this, model, removed, added);
    return o;
  }
}

class LabelChange {
  constructor(
    private readonly base: GlobalLabelIndex,
    private readonly model: MeshModel,
    private readonly removed: Workload | null,
    private readonly added: Workload | null,
  ) {}

  select(labels: Record<string, unknown>): readonly Workload[] {
    if (!Object.keys(labels).length) return this.model.workloads;
    return editWorkloads(this.base.select(labels), this.removed, this.added && selectorMatches(labels, this.added.podLabels) ? this.added : null);
  }
}

/**
 * Which workloads are gateways, and which Gateway-API Gateways are waypoints. Istio `Gateway`
 * selectors match pods in every namespace (Istio's default, PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false),
 * so they go through one label index over all workloads.
 */
export class GatewayIndex {
  /** Gateway-API Gateways by `ns/name`. */
  readonly k8sGateways = new Map<string, Resource>();
  /** Workloads selected by some Istio `Gateway`, with the Gateways that select them. */
  readonly istioGatewayOf = new Map<Workload, Resource[]>();
  /** Istio `Gateway` → the workloads its selector picks. */
  readonly selectedBy = new Map<Resource, readonly Workload[]>();

  /**
   * `labels` is read here only, never kept: an index made later for a workload change still shares
   * this one's prototype, and a kept label index would hold workloads a later change replaced
   * (withIstioGatewayChange takes the model's current one).
   */
  constructor(
    private readonly model: MeshModel,
    labels: GlobalLabelIndex,
  ) {
    for (const g of model.ofKind(GATEWAY_API_GROUP, 'Gateway')) this.k8sGateways.set(`${g.namespace}/${g.name}`, g);
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      const selected = this.selectionOf(g, labels);
      this.selectedBy.set(g, selected);
      for (const w of selected) push(this.istioGatewayOf, w, g);
    }
  }

  /**
   * This index for an overlay model in which workload `removed` is gone and `added` has come: the Istio
   * Gateways whose selector picks either select again (through `labels`, the overlay's label index).
   */
  withWorkloadChange(labels: GlobalLabelIndex, removed: Workload | null, added: Workload | null): GatewayIndex {
    const touched: Resource[] = [];
    for (const g of this.selectedBy.keys()) {
      const sel = specOf(g)?.selector;
      if (!isObject(sel) || !Object.keys(sel).length) continue;
      if ((removed && selectorMatches(sel, removed.podLabels)) || (added && selectorMatches(sel, added.podLabels))) touched.push(g);
    }
    if (!touched.length) return this;
    const selectedBy = new Map(this.selectedBy);
    for (const g of touched) selectedBy.set(g, this.selectionOf(g, labels));
    return this.withSelections(selectedBy);
  }

  /** The workloads Istio Gateway `g` picks, through `labels`: none without a selector (or with an empty one). */
  private selectionOf(g: Resource, labels: GlobalLabelIndex): readonly Workload[] {
    const sel = specOf(g)?.selector;
    return isObject(sel) && Object.keys(sel).length ? labels.select(sel) : [];
  }

  /** This index over `selectedBy` (in object order), with which workloads each Gateway makes gateways made from it. */
  private withSelections(selectedBy: Map<Resource, readonly Workload[]>): GatewayIndex {
    const o = Object.create(this) as GatewayIndex & { selectedBy: Map<Resource, readonly Workload[]>; istioGatewayOf: Map<Workload, Resource[]> };
    // Rebuilt whole, in the order a fresh index has: rules iterate it (HJK017).
    const istioGatewayOf = new Map<Workload, Resource[]>();
    for (const [g, ws] of selectedBy) for (const w of ws) push(istioGatewayOf, w, g);
    o.selectedBy = selectedBy;
    o.istioGatewayOf = istioGatewayOf;
    return o;
  }

  /**
   * This index with Istio Gateway `removed` taken out and `added` (an object of the overlay model, not
   * of this index's) put in, in the order a fresh index has (object id order; a replacement keeps its
   * place), or null when that makes a workload another kind of gateway, or no gateway (then every
   * posture that reads it is made again). A Gateway over pods that other Gateways or their labels
   * already make Istio gateways (the shared ingress gateway's), or one replaced with its selector
   * kept, changes no posture.
   */
  withIstioGatewayChange(labels: GlobalLabelIndex, removed: Resource | null, added: Resource | null): GatewayIndex | null {
    const selectedBy = new Map<Resource, readonly Workload[]>();
    // Through the model's current label index, never this index's own: an index made for a workload
    // change keeps the label index it was built with, whose workloads a later change replaced.
    const picks = added ? this.selectionOf(added, labels) : [];
    let placed = added === null;
    for (const [g, ws] of this.selectedBy) {
      if (g === removed) continue;
      if (!placed && g.id > added!.id) {
        selectedBy.set(added!, picks);
        placed = true;
      }
      selectedBy.set(g, ws);
    }
    if (!placed) selectedBy.set(added!, picks);
    const o = this.withSelections(selectedBy);
    for (const w of [...picks, ...(removed ? this.selectedBy.get(removed) ?? [] : [])]) {
      if (this.istioGatewayOf.has(w) !== o.istioGatewayOf.has(w) && this.kindOf(w) !== o.kindOf(w)) return null;
    }
    return o;
  }

  isWaypoint(g: Resource | undefined | null): boolean {
    if (!g) return false;
    return str(specOf(g)?.gatewayClassName) === WAYPOINT_CLASS || g.labels['istio.io/waypoint-for'] !== undefined;
  }

  /** What kind of gateway a workload is, or null for an application workload. */
  kindOf(w: Workload): GatewayKind | null {
    const gwName = w.podLabels[GATEWAY_NAME_LABEL];
    if (gwName) return this.isWaypoint(this.k8sGateways.get(`${w.namespace}/${gwName}`)) || w.podLabels['istio.io/waypoint-for'] !== undefined ? 'waypoint' : 'k8s-gateway';
    // Being selected by an Istio Gateway, or the `istio: ...gateway` label, is only something a tenant can
    // write: in a tenant's namespace it marks a gateway when the pod runs nothing but the proxy (a gateway
    // deployment), not an application that a Gateway selects or that labels itself so. Istio applies
    // Gateways to router proxies only (SetGatewaysForProxy, pilot/pkg/model/context.go) and still gives
    // such an application a sidecar that enforces PeerAuthentication and AuthorizationPolicy. A platform
    // namespace's pods are the platform's own: a Gateway selecting one there is taken at its word.
    // Asked only when a Gateway or the label makes the question arise (kindOf runs for every workload).
    const proxyOnly = () => w.containers.every((c) => c.kind !== 'container' || c.name === 'istio-proxy');
    if (this.istioGatewayOf.has(w) && (this.model.tenancy.isPlatform(w.namespace) || proxyOnly())) return 'istio-gateway';
    const istio = w.podLabels.istio;
    if (istio && /gateway$/.test(istio) && proxyOnly()) return 'istio-gateway';
    const templates = w.podAnnotations['inject.istio.io/templates'];
    if (templates && templates.split(',').map((s) => s.trim()).includes('gateway')) return 'istio-gateway';
    for (const c of w.containers) {
      if (c.kind !== 'container') continue;
      const args = c.spec.args;
      if (Array.isArray(args) && args[0] === 'proxy' && args[1] === 'router') return 'istio-gateway';
    }
    return null;
  }

  /**
   * The waypoint an ambient workload's traffic goes through: `istio.io/use-waypoint` on the pod, then
   * on a Service that selects it, then on its namespace. `none` opts out at that level.
   */
  waypointOf(w: Workload, services: readonly ServiceInfo[]): WaypointRef | null {
    const pod = w.podLabels[USE_WAYPOINT];
    if (pod === 'none') return null;
    if (pod) return this.ref(pod, w.podLabels[USE_WAYPOINT_NAMESPACE] ?? w.namespace, 'pod', w.resource);
    for (const s of services) {
      const ref = this.serviceWaypoint(s, false);
      if (ref) return ref;
    }
    return this.namespaceWaypoint(w.namespace);
  }

  /** The waypoint a Service uses (its own label, else its namespace's), or null. */
  serviceWaypoint(s: ServiceInfo, inheritNamespace = true): WaypointRef | null {
    const label = s.resource.labels[USE_WAYPOINT];
    if (label === 'none') return null;
    if (label) return this.ref(label, s.resource.labels[USE_WAYPOINT_NAMESPACE] ?? s.namespace, 'service', s.resource);
    return inheritNamespace ? this.namespaceWaypoint(s.namespace) : null;
  }

  private namespaceWaypoint(ns: string): WaypointRef | null {
    const info = this.model.namespace(ns);
    const label = info.labels[USE_WAYPOINT];
    if (!label || label === 'none') return null;
    return this.ref(label, info.labels[USE_WAYPOINT_NAMESPACE] ?? ns, 'namespace', info.resource);
  }

  private ref(name: string, namespace: string, via: WaypointRef['via'], labelledBy: Resource | null): WaypointRef {
    return { name, namespace, via, gateway: this.k8sGateways.get(`${namespace}/${name}`) ?? null, labelledBy };
  }
}
