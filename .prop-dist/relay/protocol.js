export const RELAY_PROTOCOL_VERSION = 1;
/** Agent-facing endpoints (the agent port; mutual TLS, except `enroll`, which takes a bootstrap token). */
export const AGENT_PATHS = {
    /** POST EnrollRequest with `Authorization: Bearer <bootstrap token>` → EnrollResponse. No client certificate needed. */
    enroll: '/v1/enroll',
    /** POST RenewRequest with the current client certificate → EnrollResponse (a new certificate, same cluster). */
    renew: '/v1/renew',
    /** GET → Cursor of the calling cluster (by its certificate). */
    cursor: '/v1/cursor',
    /** POST Batch (gzip-compressed JSON, `Content-Encoding: gzip`) → BatchAck, or an error body. */
    batch: '/v1/batch',
    /**
     * POST TelemetryReport (gzip-compressed JSON) → TelemetryAck: the traffic aggregates the agent read
     * from its cluster's Prometheus (`meshward agent --prometheus URL`). The server keeps the latest per
     * cluster. A server older than this route answers 404: the agent logs it and goes on without.
     */
    telemetry: '/v1/telemetry',
};
/** Default ports: agents connect to AGENT_PORT; the API, metrics and dashboard listen on API_PORT. */
export const DEFAULT_AGENT_PORT = 9443;
export const DEFAULT_API_PORT = 8080;
/** A cluster name: a DNS label (it appears in certificates, URLs, metrics labels and file names). */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export function isClusterName(s) {
    return typeof s === 'string' && CLUSTER_NAME_PATTERN.test(s);
}
/** The URI SAN a cluster's client certificate carries. */
export function clusterSpiffeId(cluster) {
    return `spiffe://meshward/cluster/${cluster}`;
}
/** The cluster a URI SAN names, or null when it is not exactly a meshward cluster identity. */
export function clusterFromSpiffeId(uri) {
    const prefix = 'spiffe://meshward/cluster/';
    if (!uri.startsWith(prefix))
        return null;
    const name = uri.slice(prefix.length);
    return isClusterName(name) ? name : null;
}
/** Bounds the server enforces (and the agent respects, so it never sends what will be refused). */
export const RELAY_LIMITS = {
    /** Largest compressed request body. */
    maxCompressedBytes: 8 * 1024 * 1024,
    /** Largest body after decompression (a gzip bomb stops here). */
    maxDecompressedBytes: 64 * 1024 * 1024,
    /** Most changes in one batch. */
    maxChangesPerBatch: 5_000,
    /** Largest single object, serialized. The API server's own limit is about 1.5 MiB. */
    maxObjectBytes: 2 * 1024 * 1024,
    /** Most objects one cluster may hold in the store. */
    maxObjectsPerCluster: 250_000,
    /** Bootstrap token lifetime unless `register-cluster --ttl` says otherwise. */
    bootstrapTokenTtlMs: 60 * 60 * 1000,
    /** Client certificate lifetime; the agent renews at two thirds of it. */
    certificateTtlMs: 24 * 60 * 60 * 1000,
    /** Most traffic edges in one telemetry report (the agent keeps the busiest). */
    maxTelemetryEdges: 20_000,
    /** Longest label value in a telemetry report (longer is cut by the agent, refused by the server). */
    maxTelemetryLabel: 1_024,
    /** Most notes in one telemetry report, and the longest. */
    maxTelemetryNotes: 50,
    maxTelemetryNoteLength: 500,
    /** Largest telemetry report after decompression. */
    maxTelemetryDecompressedBytes: 32 * 1024 * 1024,
    /** Telemetry reports a cluster may send per minute (the agent sends one per interval, 1 min at the least). */
    telemetryPerMinute: 6,
};
/** The store's and the wire's one string form of an ObjectKey. */
export function objectKeyString(k) {
    return `${k.kind}|${k.namespace}|${k.name}`;
}
