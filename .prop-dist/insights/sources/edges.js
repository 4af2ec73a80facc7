/**
 * The Istio standard metrics meshward reads, by sample name, and the edge field each feeds. Counters
 * appear with `_total` (Prometheus text, and OpenMetrics samples) and, from some exporters and in
 * OpenMetrics family names, without it; histograms feed bytes through their `_sum` sample only.
 */
const SAMPLE_FIELDS = new Map([
    ['istio_requests_total', 'requests'],
    ['istio_requests', 'requests'],
    ['istio_tcp_connections_opened_total', 'connectionsOpened'],
    ['istio_tcp_connections_opened', 'connectionsOpened'],
    ['istio_tcp_sent_bytes_total', 'bytes'],
    ['istio_tcp_sent_bytes', 'bytes'],
    ['istio_tcp_received_bytes_total', 'bytes'],
    ['istio_tcp_received_bytes', 'bytes'],
    ['istio_request_bytes_sum', 'bytes'],
    ['istio_response_bytes_sum', 'bytes'],
]);
/** The edge field a sample name feeds, or undefined for every other metric (they are skipped). */
export function edgeFieldOf(sampleName) {
    return SAMPLE_FIELDS.get(sampleName);
}
/**
 * The metrics a Prometheus is asked for, as counter/histogram names usable in PromQL, and the field
 * each feeds. One query per metric (see ./prometheus.ts).
 */
export const QUERIED_METRICS = [
    { metric: 'istio_requests_total', field: 'requests' },
    { metric: 'istio_tcp_connections_opened_total', field: 'connectionsOpened' },
    { metric: 'istio_tcp_sent_bytes_total', field: 'bytes' },
    { metric: 'istio_tcp_received_bytes_total', field: 'bytes' },
    { metric: 'istio_request_bytes_sum', field: 'bytes' },
    { metric: 'istio_response_bytes_sum', field: 'bytes' },
];
/** The labels that make an edge; every other label (pod, instance, le, ...) is summed away. */
export const EDGE_LABELS = [
    'source_workload',
    'source_workload_namespace',
    'source_principal',
    'source_canonical_service',
    'source_cluster',
    'destination_workload',
    'destination_workload_namespace',
    'destination_principal',
    'destination_canonical_service',
    'destination_cluster',
    'destination_service',
    'destination_service_name',
    'destination_service_namespace',
    'destination_port',
    'reporter',
    'request_protocol',
    'connection_security_policy',
];
/** `response_code` is kept per edge as a breakdown of requests, not as part of the edge's identity. */
export const RESPONSE_CODE_LABEL = 'response_code';
export const DEFAULT_EDGE_LIMITS = Object.freeze({ maxLabelValueChars: 4096, maxEdges: 100_000 });
const PROTOCOLS = new Map([
    ['http', 'http'],
    ['grpc', 'grpc'],
    ['tcp', 'tcp'],
]);
const SECURITY = new Map([
    ['mutual_tls', 'mutual_tls'],
    ['none', 'none'],
]);
const REPORTERS = new Map([
    ['source', 'source'],
    ['destination', 'destination'],
    ['waypoint', 'waypoint'],
]);
function peer(labels, side) {
    const p = {
        workload: labels.get(`${side}_workload`) || 'unknown',
        namespace: labels.get(`${side}_workload_namespace`) || 'unknown',
        principal: labels.get(`${side}_principal`) || 'unknown',
    };
    const canonical = labels.get(`${side}_canonical_service`);
    if (canonical)
        p.canonicalService = canonical;
    const cluster = labels.get(`${side}_cluster`);
    if (cluster)
        p.cluster = cluster;
    return p;
}
function port(value) {
    if (value === undefined || !/^[0-9]{1,5}$/.test(value))
        return undefined;
    const n = Number(value);
    return n >= 1 && n <= 65535 ? n : undefined;
}
/** Adds metric samples into edges, summing samples that share the edge labels. */
export class EdgeAccumulator {
    edges = new Map();
    limits;
    droppedForLength = 0;
    droppedForEdges = 0;
    droppedForValue = 0;
    constructor(limits = {}) {
        this.limits = { ...DEFAULT_EDGE_LIMITS, ...limits };
    }
    /**
     * Adds one sample. `value` must be a finite, non-negative number (a counter's increase or total);
     * anything else is dropped and counted. Returns false when the sample was dropped.
     */
    add(field, labels, value) {
        if (!Number.isFinite(value) || value < 0) {
            this.droppedForValue++;
            return false;
        }
        const keyParts = [];
        for (const name of EDGE_LABELS) {
            const v = labels.get(name) ?? '';
            if (v.length > this.limits.maxLabelValueChars) {
                this.droppedForLength++;
                return false;
            }
            keyParts.push(v);
        }
        const code = labels.get(RESPONSE_CODE_LABEL);
        if (code !== undefined && code.length > this.limits.maxLabelValueChars) {
            this.droppedForLength++;
            return false;
        }
        // JSON of the array: unambiguous whatever the values hold (commas, quotes, NUL).
        const key = JSON.stringify(keyParts);
        let edge = this.edges.get(key);
        if (!edge) {
            if (this.edges.size >= this.limits.maxEdges) {
                this.droppedForEdges++;
                return false;
            }
            edge = this.newEdge(labels);
            this.edges.set(key, edge);
        }
        if (field === 'requests') {
            edge.requests += value;
            const c = code === undefined || code === '' ? 'unknown' : code;
            edge.responses.set(c, (edge.responses.get(c) ?? 0) + value);
        }
        else if (field === 'connectionsOpened') {
            edge.connectionsOpened += value;
        }
        else {
            edge.bytes += value;
        }
        return true;
    }
    newEdge(labels) {
        const edge = {
            source: peer(labels, 'source'),
            destination: peer(labels, 'destination'),
            destinationService: labels.get('destination_service') || 'unknown',
            reporter: REPORTERS.get(labels.get('reporter') ?? '') ?? 'unknown',
            protocol: PROTOCOLS.get(labels.get('request_protocol') ?? '') ?? 'unknown',
            security: SECURITY.get(labels.get('connection_security_policy') ?? '') ?? 'unknown',
            requests: 0,
            responses: new Map(),
            connectionsOpened: 0,
            bytes: 0,
        };
        const serviceName = labels.get('destination_service_name');
        if (serviceName)
            edge.destinationServiceName = serviceName;
        const serviceNamespace = labels.get('destination_service_namespace');
        if (serviceNamespace)
            edge.destinationServiceNamespace = serviceNamespace;
        const p = port(labels.get('destination_port'));
        if (p !== undefined)
            edge.destinationPort = p;
        return edge;
    }
    /** The edges so far, in first-seen order. */
    result() {
        return [...this.edges.values()];
    }
    /** Notes for what was dropped (empty when nothing was). */
    notes(where) {
        const notes = [];
        if (this.droppedForLength > 0) {
            notes.push(`${where}: ${this.droppedForLength} sample(s) ignored: a label value is longer than ${this.limits.maxLabelValueChars} characters`);
        }
        if (this.droppedForEdges > 0) {
            notes.push(`${where}: ${this.droppedForEdges} sample(s) ignored: more than ${this.limits.maxEdges} distinct edges (raise the edge limit or narrow the window)`);
        }
        if (this.droppedForValue > 0) {
            notes.push(`${where}: ${this.droppedForValue} sample(s) ignored: the value is negative, NaN or infinite (counters only grow)`);
        }
        return notes;
    }
}
