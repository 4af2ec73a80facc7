import type { PathSegment, Resource } from './resource.js';
import { own, setOwn } from './own.js';

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  kind: ContainerKind;
  index: number;
  name: string;
  image: string;
  spec: any;
  /** Path from the object root to this container. */
  path: PathSegment[];
}

/** Anything that runs pods: a Pod, or an object with a pod template. */
export interface Workload {
  resource: Resource;
  namespace: string;
  /** The pod spec. */
  spec: any;
  /** Path from the object root to the pod spec. */
  specPath: PathSegment[];
  /** Path from the object root to the pod's metadata (labels/annotations of the pods it runs). */
  metaPath: PathSegment[];
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  containers: ContainerRef[];
  /**
   * Set when meshward stands in for pods the input does not hold: `gateway-api` is the Deployment Istio
   * would create for a Gateway-API Gateway (no containers are known; `resource` is the Gateway).
   */
  synthetic?: 'gateway-api';
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, PathSegment[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  // Argo Rollouts' Rollout replaces a Deployment (its ReplicaSets and Pods name it as their controller);
  // one that points at a Deployment (spec.workloadRef) has no template and is not a workload itself.
  Rollout: ['spec', 'template'],
};

/**
 * The API group of each template kind outside Kubernetes' own groups (a `Rollout` of another group is
 * not Argo's). Discovery resolves these kinds written bare to their group (BARE_KIND_GROUPS), and a live
 * scan says nothing when a cluster does not serve them (most do not; that says nothing about the mesh).
 */
export const FOREIGN_TEMPLATE_GROUPS: Readonly<Record<string, string>> = { Rollout: 'argoproj.io' };

export const WORKLOAD_KINDS = ['Pod', ...Object.keys(TEMPLATE_PATHS)];

/** Where a kind keeps the pod template it runs pods from (a Pod is its own: the empty path); null for other kinds. */
export function podTemplatePath(kind: string): readonly PathSegment[] | null {
  return kind === 'Pod' ? [] : (own(TEMPLATE_PATHS, kind) ?? null);
}

export function workloadOf(r: Resource): Workload | null {
  let metaPath: PathSegment[];
  let specPath: PathSegment[];
  if (r.kind === 'Pod' && r.group === '') {
    metaPath = ['metadata'];
    specPath = ['spec'];
  } else {
    const t = own(TEMPLATE_PATHS, r.kind);
    const foreign = own(FOREIGN_TEMPLATE_GROUPS, r.kind);
    if (!t || (foreign !== undefined ? r.group !== foreign : r.group !== 'apps' && r.group !== 'batch' && r.group !== '' && r.group !== 'extensions')) return null;
    // concat, not a spread and a push: the array is kept per workload, and `[...t, x]` leaves room for
    // about twenty items (some 130 bytes more, times every workload and container of a large input).
    metaPath = t.concat('metadata');
    specPath = t.concat('spec');
  }
  const spec = get(r.obj, specPath);
  if (!isObject(spec)) return null;
  const meta = get(r.obj, metaPath);
  const w: Workload = {
    resource: r,
    namespace: r.namespace,
    spec,
    specPath,
    metaPath,
    podLabels: r.kind === 'Pod' ? r.labels : strings(meta?.labels),
    podAnnotations: r.kind === 'Pod' ? r.annotations : strings(meta?.annotations),
    containers: [],
  };
  addContainers(w, 'initContainers', 'initContainer');
  addContainers(w, 'containers', 'container');
  addContainers(w, 'ephemeralContainers', 'ephemeralContainer');
  return w;
}

function addContainers(w: Workload, field: string, kind: ContainerKind): void {
  const list = w.spec[field];
  if (!Array.isArray(list)) return;
  list.forEach((c: any, index: number) => {
    if (!isObject(c)) return;
    w.containers.push({
      kind,
      index,
      name: typeof c.name === 'string' ? c.name : '',
      image: typeof c.image === 'string' ? c.image : '',
      spec: c,
      path: w.specPath.concat(field, index),
    });
  });
}

export function get(obj: any, path: readonly PathSegment[]): any {
  let v = obj;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[seg as any];
  }
  return v;
}

export function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strings(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(m)) return out;
  for (const [k, v] of Object.entries(m)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') setOwn(out, k, String(v));
  return out;
}

/** Pod label Istio's gateway deployment controller puts on a Gateway-API Gateway's pods (every version). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** The same, under Istio's own prefix (added in recent versions; harmless to assume on older ones). */
export const ISTIO_GATEWAY_NAME_LABEL = 'istio.io/gateway-name';

/**
 * GatewayClasses whose Gateways Istio deploys ingress/egress pods for. Not `istio-remote` (unmanaged: no
 * pods) and not the waypoint class (`istio-waypoint`, controller `istio.io/mesh-controller`): waypoint
 * pods are no target for selectors, and the posture resolves waypoints from their Gateway already.
 */
export const ISTIO_DEPLOYED_CLASSES = ['istio'];
/** GatewayClass `controllerName` that means "Istio deploys gateway pods for this class". */
export const ISTIO_DEPLOYING_CONTROLLERS = ['istio.io/gateway-controller'];

/**
 * The pods Istio would run for a Gateway-API Gateway of a class it deploys, as a workload: Istio's
 * deployment controller creates `<name>-<class>` in the Gateway's namespace, its pods labelled with the
 * gateway name (both keys), the canonical service name, injection off, plus `spec.infrastructure.labels`.
 * null for other classes, for a Gateway bound to an existing address (`addresses` of type Hostname:
 * "manual deployment", no pods created), or a malformed object. `deployedClasses` lists the class names
 * Istio deploys for (the built-in ones plus GatewayClasses in the input with Istio's controller).
 */
export function gatewayApiWorkload(r: Resource, deployedClasses: ReadonlySet<string>): Workload | null {
  if (r.kind !== 'Gateway' || r.group !== 'gateway.networking.k8s.io' || !r.name || !r.namespace) return null;
  const spec = r.obj?.spec;
  if (!isObject(spec) || typeof spec.gatewayClassName !== 'string' || !deployedClasses.has(spec.gatewayClassName)) return null;
  if (Array.isArray(spec.addresses) && spec.addresses.some((a: unknown) => isObject(a) && a.type === 'Hostname')) return null;
  if (r.labels['istio.io/waypoint-for'] !== undefined) return null;
  const infra = isObject(spec.infrastructure) ? spec.infrastructure : {};
  const podLabels: Record<string, string> = {
    ...strings(infra.labels),
    [GATEWAY_NAME_LABEL]: r.name,
    [ISTIO_GATEWAY_NAME_LABEL]: r.name,
    'service.istio.io/canonical-name': `${r.name}-${spec.gatewayClassName}`,
    'sidecar.istio.io/inject': 'false',
  };
  return {
    resource: r,
    namespace: r.namespace,
    spec: {},
    specPath: ['spec'],
    metaPath: ['metadata'],
    podLabels,
    podAnnotations: strings(infra.annotations),
    containers: [],
    synthetic: 'gateway-api',
  };
}
