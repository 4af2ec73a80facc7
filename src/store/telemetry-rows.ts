/**
 * Row mapping of the `telemetry` table, shared by the SQLite and PostgreSQL stores: one document per
 * cluster, the edges and notes as JSON text (JSON escapes control characters, so PostgreSQL text
 * never sees a NUL), the freshness fields as columns so listing them reads no edges.
 */
import type { TelemetryFreshness, TelemetryRecord } from './types.js';
import { StoreInputError } from './common.js';
import { isClusterName } from '../relay/protocol.js';
import { terminalSafe } from '../engine/text.js';

export interface TelemetryRow {
  cluster: string;
  via: string;
  received_at: string | Date;
  source_name: string;
  window_seconds: number;
  end_at: string;
  edge_count: number;
  interval_seconds?: number | null;
  body?: string;
}

/** Shortest and longest report interval a record may carry (the CLI's --telemetry-interval bounds). */
export const MIN_INTERVAL_SECONDS = 60;
export const MAX_INTERVAL_SECONDS = 86_400;

/** Checks what goes in (the callers validated the edges; this guards the columns). */
export function telemetryColumns(r: TelemetryRecord): { cluster: string; via: string; receivedAt: Date; sourceName: string; windowSeconds: number; end: string; edgeCount: number; intervalSeconds: number | null; body: string } {
  if (!isClusterName(r.cluster) && r.cluster !== 'fleet') throw new StoreInputError('telemetry: the cluster is not a cluster name');
  if (r.via !== 'agent' && r.via !== 'server') throw new StoreInputError('telemetry: via is neither agent nor server');
  const receivedAt = new Date(r.receivedAt);
  if (Number.isNaN(receivedAt.getTime())) throw new StoreInputError('telemetry: receivedAt is not a time');
  if (!Number.isSafeInteger(r.windowSeconds) || r.windowSeconds < 0) throw new StoreInputError('telemetry: windowSeconds is not a whole number of seconds');
  if (!Array.isArray(r.edges) || !Array.isArray(r.notes)) throw new StoreInputError('telemetry: edges and notes are lists');
  const iv = r.intervalSeconds;
  if (iv !== undefined && (!Number.isSafeInteger(iv) || iv < MIN_INTERVAL_SECONDS || iv > MAX_INTERVAL_SECONDS)) {
    throw new StoreInputError(`telemetry: intervalSeconds is not a whole number of seconds from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS}`);
  }
  return {
    cluster: r.cluster,
    via: r.via,
    receivedAt,
    sourceName: terminalSafe(String(r.sourceName)),
    windowSeconds: r.windowSeconds,
    end: terminalSafe(String(r.end)),
    edgeCount: r.edges.length,
    intervalSeconds: iv ?? null,
    body: JSON.stringify({ edges: r.edges, notes: r.notes }),
  };
}

function isoOf(v: string | Date): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

export function toTelemetryFreshness(row: TelemetryRow): TelemetryFreshness {
  return {
    cluster: row.cluster,
    via: row.via === 'server' ? 'server' : 'agent',
    receivedAt: isoOf(row.received_at),
    sourceName: row.source_name,
    windowSeconds: Number(row.window_seconds),
    end: row.end_at,
    edgeCount: Number(row.edge_count),
    intervalSeconds: row.interval_seconds === null || row.interval_seconds === undefined ? null : Number(row.interval_seconds),
  };
}

export function toTelemetryRecord(row: TelemetryRow): TelemetryRecord {
  const { edgeCount: _count, intervalSeconds, ...fresh } = toTelemetryFreshness(row);
  let doc: { edges?: unknown; notes?: unknown } = {};
  try {
    doc = JSON.parse(row.body ?? '{}') as typeof doc;
  } catch {
    doc = {};
  }
  return { ...fresh, ...(intervalSeconds !== null ? { intervalSeconds } : {}), edges: Array.isArray(doc.edges) ? doc.edges : [], notes: Array.isArray(doc.notes) ? doc.notes.filter((n): n is string => typeof n === 'string') : [] };
}
