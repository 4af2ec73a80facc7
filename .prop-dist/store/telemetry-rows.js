import { StoreInputError } from './common.js';
import { isClusterName } from '../relay/protocol.js';
import { terminalSafe } from '../engine/text.js';
/** Checks what goes in (the callers validated the edges; this guards the columns). */
export function telemetryColumns(r) {
    if (!isClusterName(r.cluster) && r.cluster !== 'fleet')
        throw new StoreInputError('telemetry: the cluster is not a cluster name');
    if (r.via !== 'agent' && r.via !== 'server')
        throw new StoreInputError('telemetry: via is neither agent nor server');
    const receivedAt = new Date(r.receivedAt);
    if (Number.isNaN(receivedAt.getTime()))
        throw new StoreInputError('telemetry: receivedAt is not a time');
    if (!Number.isSafeInteger(r.windowSeconds) || r.windowSeconds < 0)
        throw new StoreInputError('telemetry: windowSeconds is not a whole number of seconds');
    if (!Array.isArray(r.edges) || !Array.isArray(r.notes))
        throw new StoreInputError('telemetry: edges and notes are lists');
    return {
        cluster: r.cluster,
        via: r.via,
        receivedAt,
        sourceName: terminalSafe(String(r.sourceName)),
        windowSeconds: r.windowSeconds,
        end: terminalSafe(String(r.end)),
        edgeCount: r.edges.length,
        body: JSON.stringify({ edges: r.edges, notes: r.notes }),
    };
}
function isoOf(v) {
    return (v instanceof Date ? v : new Date(v)).toISOString();
}
export function toTelemetryFreshness(row) {
    return {
        cluster: row.cluster,
        via: row.via === 'server' ? 'server' : 'agent',
        receivedAt: isoOf(row.received_at),
        sourceName: row.source_name,
        windowSeconds: Number(row.window_seconds),
        end: row.end_at,
        edgeCount: Number(row.edge_count),
    };
}
export function toTelemetryRecord(row) {
    const { edgeCount: _count, ...fresh } = toTelemetryFreshness(row);
    let doc = {};
    try {
        doc = JSON.parse(row.body ?? '{}');
    }
    catch {
        doc = {};
    }
    return { ...fresh, edges: Array.isArray(doc.edges) ? doc.edges : [], notes: Array.isArray(doc.notes) ? doc.notes.filter((n) => typeof n === 'string') : [] };
}
