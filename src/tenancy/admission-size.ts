/**
 * How large a generated admission object may be. Both outputs write the tenant map into the object
 * itself (CEL literals, one Kyverno rule set per tenant), so a big tenant policy makes a big object, and
 * an object the API server cannot store is worse than none: `kubectl apply` fails after the user has
 * planned on enforcement. Generation refuses it instead, saying why and what to use.
 *
 * Limits, as Kubernetes ships them:
 *   - etcd refuses a request larger than its --max-request-bytes, 1.5 MiB by default, and the API
 *     server stores each object in one request. The object is measured as JSON here: a custom resource
 *     (Kyverno's ClusterPolicy) is stored as JSON, a built-in one (the ValidatingAdmissionPolicy) as
 *     protobuf, which is not larger.
 *   - Client-side `kubectl apply` keeps a copy of the object in the last-applied-configuration
 *     annotation, and an object's annotations may hold 256 KiB in all
 *     (apimachinery's TotalAnnotationSizeLimitB): above that, only `kubectl apply --server-side` or
 *     `kubectl create` work.
 */

export const MAX_OBJECT_BYTES = 1536 * 1024;
export const CLIENT_SIDE_APPLY_BYTES = 256 * 1024;

/** The object's size as JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/**
 * Why an object this large is refused, and what to do instead. `size` is its size, or with `passedAt`
 * the size it had reached when generation stopped at that tenant (1-based).
 */
export function tooLargeMessage(what: string, tenants: number, size: number, alternatives: string, passedAt?: number): string {
  const reached = passedAt === undefined ? `is ${formatBytes(size)}` : `passes ${formatBytes(size)} at tenant ${passedAt} of ${tenants}`;
  return (
    `the ${what} for ${tenants} tenants ${reached}, more than the API server can store in one object ` +
    `(${formatBytes(MAX_OBJECT_BYTES)}: etcd's default --max-request-bytes); ${alternatives}`
  );
}
