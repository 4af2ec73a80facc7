import type { DataplaneMode } from '../model/namespaces.js';
import type { PathSegment, Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';

/** An effective PeerAuthentication mode. UNSET never survives resolution: it inherits. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** Where an effective mode came from: Istio's default, or the field of the object that set it. */
export interface MtlsOrigin {
  level: 'default' | 'mesh' | 'namespace' | 'workload' | 'port';
  /** The PeerAuthentication that set it (null for Istio's default, PERMISSIVE). */
  resource: Resource | null;
  /** The field inside that object, e.g. `spec.mtls.mode` or `spec.portLevelMtls.8080.mode`. */
  path: PathSegment[];
}

export interface PortMtls {
  port: number;
  mode: MtlsMode;
  origin: MtlsOrigin;
  /** The workload declares this port (containerPort); false when only a portLevelMtls key names it. */
  declared: boolean;
}

export interface WorkloadMtls {
  /** Mode for every port without a port-level override. */
  mode: MtlsMode;
  origin: MtlsOrigin;
  /** Every declared port and every port-level override, sorted by port. */
  ports: PortMtls[];
  /** Whether PeerAuthentication governs this workload at all (it has a sidecar or ztunnel). */
  applies: boolean;
  notes: string[];
}

/** How a workload reaches the mesh, for enforcement: Istio gateway, Gateway-API gateway, waypoint. */
export type GatewayKind = 'istio-gateway' | 'k8s-gateway' | 'waypoint';

export interface WaypointRef {
  name: string;
  namespace: string;
  /** Where the `istio.io/use-waypoint` label was found. */
  via: 'pod' | 'service' | 'namespace';
  /** The waypoint Gateway, when the input holds it. */
  gateway: Resource | null;
  /** The label carrier, for evidence. */
  labelledBy: Resource | null;
}

export interface ServiceInfo {
  readonly resource: Resource;
  readonly namespace: string;
  readonly name: string;
  readonly fqdn: string;
  /** The Service's selector, null when it has none (no pods behind it). */
  readonly selector: Record<string, string> | null;
  readonly ports: Array<{ port: number; targetPort: number | string | null; name: string | null; index: number }>;
  /** Workloads the selector picks (matched on first use). */
  readonly workloads: readonly Workload[];
  readonly type: string;
}

export type Action = 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT';

/** How a policy chooses its workloads. */
export type Scope = 'mesh' | 'namespace' | 'selector' | 'targetRefs';

export interface TargetRefInfo {
  /** Index in `spec.targetRefs`, or null for the deprecated single `spec.targetRef`. */
  index: number | null;
  group: string;
  kind: string;
  name: string;
  namespace: string;
  /** What it resolved to; `missing` when the object is not in the input, `unsupported` when Istio ignores the kind. */
  resolved: 'gateway' | 'waypoint' | 'service' | 'serviceentry' | 'gatewayclass' | 'unsupported' | 'missing' | 'invalid';
  resource: Resource | null;
  /** Workloads the reference reaches (gateway pods, or the pods behind a Service / waypoint). */
  workloads: readonly Workload[];
  note: string | null;
}

/** An AuthorizationPolicy or RequestAuthentication with its scope resolved. */
export interface PolicyInfo {
  resource: Resource;
  kind: 'AuthorizationPolicy' | 'RequestAuthentication';
  /** AuthorizationPolicy action (RequestAuthentication: ALLOW, unused). */
  action: Action;
  /** `spec.provider.name` of a CUSTOM policy. */
  provider: string | null;
  scope: Scope;
  /** Problems that make Istio reject or ignore the policy (it then applies to nothing). */
  problems: string[];
  /** ALLOW with no rules: matches nothing, so it denies everything it selects. */
  allowNothing: boolean;
  /** `istio.io/dry-run: "true"`: evaluated and logged, never enforced. */
  dryRun: boolean;
  selector: Record<string, string> | null;
  targetRefs: TargetRefInfo[];
  /** Workloads the policy applies to, before enforcement (mesh/namespace scope share the model's arrays). */
  targets: readonly Workload[];
  /** Fields ztunnel cannot enforce (HTTP attributes), e.g. `paths`, `request.headers[x]` (read on first use). */
  readonly l7Fields: string[];
}

export type EnforcedBy = 'sidecar' | 'gateway' | 'ztunnel' | 'waypoint' | 'none' | 'unknown';

/** A policy as it applies to one workload. */
export interface Attachment {
  policy: PolicyInfo;
  via: 'mesh' | 'namespace' | 'selector' | 'gateway' | 'waypoint' | 'service' | 'serviceentry';
  enforcedBy: EnforcedBy;
  /** Why it is not enforced, or how it is degraded. */
  note: string | null;
  /** The targetRef that attached it, for policies attached with targetRefs. */
  target: TargetRefInfo | null;
}

export interface WorkloadPosture {
  readonly workload: Workload;
  /** `Kind/namespace/name`. */
  readonly key: string;
  readonly dataplane: DataplaneMode | null;
  readonly gateway: GatewayKind | null;
  readonly waypoint: WaypointRef | null;
  /** Services whose selector picks the workload (resolved on first use). */
  readonly services: readonly ServiceInfo[];
  readonly mtls: WorkloadMtls;
}

export interface PeerAuthInfo {
  resource: Resource;
  scope: 'mesh' | 'namespace' | 'workload' | 'ignored';
  /** `spec.mtls.mode` as written (upper case), null when absent or UNSET. */
  mode: MtlsMode | null;
  portLevel: Array<{ key: string; port: number; mode: MtlsMode | null }>;
  /** Workloads its selector picks (workload scope). */
  targets: readonly Workload[];
  /** Why Istio ignores it (root namespace with a selector, shadowed by an older one...). */
  ignoredReason: string | null;
  /** What Istio's validation refuses in it (the API server or istiod's webhook rejects the object). */
  problems: PeerAuthProblem[];
}

export interface PeerAuthProblem {
  message: string;
  /** The field at fault. */
  path: Array<string | number>;
}
