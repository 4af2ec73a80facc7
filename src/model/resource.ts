/**
 * A Kubernetes object as meshward sees it: the parsed object plus where it came from.
 * Kept as a plain object (no classes, no closures) so 100,000 of them stay cheap and can cross
 * worker-thread boundaries.
 */
import type { SecretFacts } from '../cluster/secret-facts.js';
import { setOwn } from './own.js';

export interface SourceRef {
  /** Path as given on the command line (or `<stdin>`), forward slashes. */
  file: string;
  /** Index of the file in the run's file table; positions are resolved through it lazily. */
  fileIndex: number;
  /** Offset of the document's first character in the file text. */
  docStart: number;
  /** Offset one past the document's last character. */
  docEnd: number;
  /** 1-based line of the document's first content line. */
  line: number;
  /** Path from the document root to this object (non-empty for `kind: List` items). */
  basePath: PathSegment[];
}

export type PathSegment = string | number;

export interface Resource {
  /** Dense id, the resource's index in the model. */
  id: number;
  cluster: string;
  apiVersion: string;
  /** API group ('' for the core group). */
  group: string;
  kind: string;
  /** Empty string for cluster-scoped kinds. */
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The whole object, as parsed. Rules must treat it as read-only and untrusted. */
  obj: any;
  source: SourceRef | null;
  /**
   * A Secret's derived facts, set ONLY by the sanitizer (src/cluster/sanitize.ts), which drops the values
   * themselves. The file loader never sets it, and no field of the object is ever read as facts. Read it
   * through `secretFactsOf` (src/cluster/secret-facts.ts), which computes the facts for file scans.
   */
  secretFacts?: SecretFacts;
}

export interface ResourceRef {
  cluster: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export function refOf(r: Resource): ResourceRef {
  return { cluster: r.cluster, apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name };
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `Kind` or `group/Kind`: the key the kind index uses. */
export function kindKey(group: string, kind: string): string {
  return group ? `${group}/${kind}` : kind;
}

/** Whether a loaded object has a metadata.name of its own (the loader names the others "(unnamed)" or "prefix*"). */
export function hasOwnName(obj: unknown): boolean {
  const meta = obj !== null && typeof obj === 'object' ? (obj as { metadata?: unknown }).metadata : undefined;
  const name = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '';
}

/** Human-readable `Kind ns/name` (or `Kind name` when cluster-scoped). */
export function describe(r: { kind: string; namespace: string; name: string }): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** Kinds without a namespace. Unknown kinds are treated as namespaced, as most CRDs are. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'GatewayClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'APIService',
  'CertificateSigningRequest',
  'ClusterPolicy',
  'ClusterIssuer',
  'VolumeAttachment',
  'CSIDriver',
  'CSINode',
  'FlowSchema',
  'PriorityLevelConfiguration',
  // The Sail operator's resources (sailoperator.io; OpenShift Service Mesh 3).
  'Istio',
  'IstioRevision',
  'IstioRevisionTag',
  'IstioCNI',
  'ZTunnel',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** `spec.containers[0].name`; built with join so the result is one flat string (findings keep it). */
export function pathToString(path: readonly PathSegment[]): string {
  const parts: string[] = [];
  for (const seg of path) {
    if (typeof seg === 'number') parts.push(`[${seg}]`);
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) parts.push(parts.length ? `.${seg}` : seg);
    else parts.push(`[${JSON.stringify(seg)}]`);
  }
  return parts.join('');
}

/**
 * Labels and annotations as strings, for every door (files, live clusters, the sanitizer's proofs):
 * scalars of other types are stringified as Kubernetes tooling would, anything else is dropped, and
 * keys named like Object.prototype members stay plain data.
 */
export function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m || typeof m !== 'object' || Array.isArray(m)) return out;
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (typeof v === 'string') setOwn(out, k, v);
    else if (typeof v === 'number' || typeof v === 'boolean') setOwn(out, k, String(v));
  }
  return out;
}

/** Whether a namespaced object of the files names no namespace of its own (the loader placed it). */
export function namesNoNamespace(r: Resource): boolean {
  if (!r.source || !r.namespace) return false;
  const meta = r.obj?.metadata;
  const ns = meta !== null && typeof meta === 'object' ? (meta as { namespace?: unknown }).namespace : undefined;
  return typeof ns !== 'string' || ns === '';
}
