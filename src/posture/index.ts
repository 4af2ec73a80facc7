/**
 * Effective security posture of every workload: the mTLS mode on each of its ports, the
 * authorization policies that apply to it and who enforces them, and whether a default-deny covers
 * it. Computed once per model (memoised), shared by the AUT rules and `meshward posture`.
 *
 * Cost is linear in the input: policies are indexed by namespace and matched through the model's
 * label index, never by scanning every workload for every policy.
 */
import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { GatewayIndex, GlobalLabelIndex, USE_WAYPOINT as USE_WAYPOINT_LABEL } from './gateways.js';
import { MtlsResolver } from './mtls.js';
import { PolicyResolver } from './policies.js';
import { ServiceRegistry } from './services.js';
import type { Attachment, GatewayKind, MtlsMode, MtlsOrigin, PeerAuthInfo, PolicyInfo, ServiceInfo, WaypointRef, WorkloadMtls, WorkloadPosture } from './types.js';
import type { DataplaneMode } from '../model/namespaces.js';
import { push } from './util.js';

export * from './types.js';
export { DEFAULT_MTLS, SECURITY_GROUP, containerPorts, namedPort } from './mtls.js';
export { GATEWAY_API_GROUP, GATEWAY_NAME_LABEL, USE_WAYPOINT } from './gateways.js';
export type { ServiceRegistry } from './services.js';
export type { GatewayIndex } from './gateways.js';

/** Path normalization strength, weakest first (meshConfig.pathNormalization.normalization). */
export const NORMALIZATIONS = ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

export interface MeshPosture {
  readonly model: MeshModel;
  readonly workloads: readonly WorkloadPosture[];
  readonly services: ServiceRegistry;
  readonly gateways: GatewayIndex;
  /** Every PeerAuthentication, with its resolved scope. */
  readonly peerAuthentications: readonly PeerAuthInfo[];
  /** The mesh-wide mode (root-namespace policy, or Istio's default PERMISSIVE). */
  /**
   * The mesh-wide mode (root-namespace policy, or Istio's default PERMISSIVE). `known` is false when the
   * input holds nothing of the root namespace (a dump of one namespace): a mesh-wide policy may exist
   * unseen, so the default is only an assumption.
   */
  readonly meshMtls: { mode: MtlsMode; origin: MtlsOrigin; policy: PeerAuthInfo | null; known: boolean };
  /** PeerAuthentication → the workloads whose effective mode (on some port) it decides. */
  readonly mtlsDecides: ReadonlyMap<Resource, readonly Workload[]>;
  readonly authorizationPolicies: readonly PolicyInfo[];
  readonly requestAuthentications: readonly PolicyInfo[];
  /** Effective `meshConfig.pathNormalization.normalization` (Istio's default is BASE). */
  readonly pathNormalization: { value: Normalization; explicit: boolean; raw: unknown };
  of(w: Workload): WorkloadPosture | undefined;
  policy(r: Resource): PolicyInfo | undefined;
  peerAuthentication(r: Resource): PeerAuthInfo | undefined;
  /** AuthorizationPolicies applying to a workload, with who enforces each (memoised). */
  authorization(wp: WorkloadPosture): readonly Attachment[];
  /** RequestAuthentications applying to a workload. */
  requestAuthentication(wp: WorkloadPosture): readonly Attachment[];
  /** The enforced allow-nothing policy that makes the workload default-deny, if any. */
  defaultDeny(wp: WorkloadPosture): Attachment | null;
  /** The mesh-wide or namespace-wide allow-nothing policy covering a namespace (mesh-wide first). */
  namespaceDefaultDeny(ns: string): PolicyInfo | null;
  /** The mesh-wide allow-nothing policy (root namespace, no selector), if any. */
  meshDefaultDeny(): PolicyInfo | null;
  /** Whether the workload answers plaintext on some port (effective mode is not STRICT somewhere). */
  acceptsPlaintext(wp: WorkloadPosture): boolean;
}

const cache = new WeakMap<MeshModel, MeshPosture>();

class Posture implements WorkloadPosture {
  constructor(
    readonly workload: Workload,
    readonly dataplane: DataplaneMode | null,
    readonly gateway: GatewayKind | null,
    readonly waypoint: WaypointRef | null,
    readonly mtls: WorkloadMtls,
    private readonly registry: ServiceRegistry,
  ) {}

  get key(): string {
    return `${this.workload.resource.kind}/${this.workload.namespace}/${this.workload.resource.name}`;
  }

  get services(): readonly ServiceInfo[] {
    return this.registry.selecting(this.workload);
  }
}

/** The posture of a model, computed on first use and shared by every caller. */
export function computePosture(model: MeshModel): MeshPosture {
  let p = cache.get(model);
  if (!p) {
    p = build(model);
    cache.set(model, p);
  }
  return p;
}

/** An enforceable allow-nothing policy. */
function denies(p: PolicyInfo): boolean {
  return p.allowNothing && !p.dryRun;
}

function build(model: MeshModel): MeshPosture {
  const labels = new GlobalLabelIndex(model);
  const services = new ServiceRegistry(model);
  const gateways = new GatewayIndex(model, labels);
  const mtls = new MtlsResolver(model);

  const workloads: WorkloadPosture[] = [];
  const byWorkload = new Map<Workload, WorkloadPosture>();
  const waypointServes = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    const dataplane = model.dataplaneOf(w);
    const gateway = gateways.kindOf(w);
    const waypoint = dataplane === 'ambient' && !gateway ? gateways.waypointOf(w, services.selectingWithLabel(w, USE_WAYPOINT_LABEL)) : null;
    const wp = new Posture(w, dataplane, gateway, waypoint, mtls.resolve(w, dataplane, gateway), services);
    workloads.push(wp);
    byWorkload.set(w, wp);
    if (waypoint) push(waypointServes, `${waypoint.namespace}/${waypoint.name}`, w);
  }
  const policies = new PolicyResolver(model, labels, gateways, services, waypointServes);

  const meshPolicy = mtls.mesh;
  const root = model.rootNamespace;
  const known = meshPolicy !== null || model.namespace(root).resource !== null || model.inNamespace(root).length > 0;
  const meshMtls = meshPolicy?.mode
    ? { mode: meshPolicy.mode, origin: { level: 'mesh' as const, resource: meshPolicy.resource, path: ['spec', 'mtls', 'mode'] }, policy: meshPolicy, known }
    : { mode: 'PERMISSIVE' as MtlsMode, origin: { level: 'default' as const, resource: null, path: [] }, policy: meshPolicy, known };

  const rawNorm = model.mesh.config?.pathNormalization?.normalization;
  const normUpper = typeof rawNorm === 'string' ? rawNorm.toUpperCase() : '';
  const explicit = (NORMALIZATIONS as readonly string[]).includes(normUpper);
  const pathNormalization = { value: (explicit ? normUpper : 'BASE') as Normalization, explicit, raw: rawNorm };

  const authzCache = new Map<WorkloadPosture, Attachment[]>();
  const raCache = new Map<WorkloadPosture, Attachment[]>();
  const nsDenyCache = new Map<string, PolicyInfo | null>();

  const posture: MeshPosture = {
    model,
    workloads,
    services,
    gateways,
    peerAuthentications: mtls.infos,
    meshMtls,
    mtlsDecides: mtls.decides,
    authorizationPolicies: policies.authorization,
    requestAuthentications: policies.requestAuthn,
    pathNormalization,
    of: (w) => byWorkload.get(w),
    policy: (r) => policies.byResource.get(r),
    peerAuthentication: (r) => mtls.byResource.get(r),
    authorization(wp) {
      let a = authzCache.get(wp);
      if (!a) authzCache.set(wp, (a = policies.attachments(wp, 'AuthorizationPolicy')));
      return a;
    },
    requestAuthentication(wp) {
      let a = raCache.get(wp);
      if (!a) raCache.set(wp, (a = policies.attachments(wp, 'RequestAuthentication')));
      return a;
    },
    defaultDeny(wp) {
      for (const a of posture.authorization(wp)) if (a.policy.allowNothing && a.enforcedBy !== 'none') return a;
      return null;
    },
    namespaceDefaultDeny(ns) {
      if (nsDenyCache.has(ns)) return nsDenyCache.get(ns)!;
      const found = policies.meshPolicies().find(denies) ?? policies.namespacePolicies(ns).find(denies) ?? null;
      nsDenyCache.set(ns, found);
      return found;
    },
    meshDefaultDeny() {
      return policies.meshPolicies().find(denies) ?? null;
    },
    acceptsPlaintext(wp) {
      if (!wp.mtls.applies) return wp.dataplane === 'none';
      if (wp.mtls.mode !== 'STRICT') return true;
      return wp.mtls.ports.some((p) => p.mode !== 'STRICT');
    },
  };
  return posture;
}
