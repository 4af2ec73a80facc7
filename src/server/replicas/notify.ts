/**
 * The payload of a change notification (NOTIFY on CHANGES_CHANNEL, src/store/leases-postgres.ts):
 * which replica stored which batch of which cluster, and, when they fit, the batch's changed keys (so
 * the lease holder re-reads only those, as it does for batches it stored itself).
 *
 * Bounded: PostgreSQL refuses payloads of 8000 bytes or more, so keys are dropped when the payload
 * would pass MAX_PAYLOAD_BYTES (the holder then reloads the cluster); a cluster or epoch too long for
 * it is announced without the epoch (the same). Escaped: JSON (control characters and NUL as \u
 * escapes, never raw). Parsed as untrusted: anything malformed is ignored (polling catches up).
 *
 * Telemetry (issue 15) has a notice of its own on the same channel, `t: "telemetry"` with the stored
 * document's time: the holder of the cluster re-analyses it (INS rules, "seen in traffic"). A replica
 * older than it reads a telemetry notice as malformed and ignores it.
 */
import { isClusterName, type ObjectKey } from '../../relay/protocol.js';
import type { IngestListener } from '../types.js';

export const MAX_PAYLOAD_BYTES = 7_000;

export type StoredInfo = Parameters<IngestListener['onStored']>[1];

export interface ChangeNotice {
  /** The replica that stored the batch. */
  replica: string;
  cluster: string;
  /** Null when it did not fit (the receiver cannot place the batch: it reloads the cluster). */
  epoch: string | null;
  seq: number;
  type: 'snapshot' | 'delta';
  last: boolean;
  /** A delta's changed keys when they fit; absent otherwise. */
  keys?: ObjectKey[];
}

interface Wire {
  v: 1;
  r: string;
  c: string;
  e: string | null;
  s: number;
  t: 'snapshot' | 'delta';
  l?: 1;
  k?: Array<[string, string, string]>;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function encodeNotice(replica: string, cluster: string, info: StoredInfo): string | null {
  const base: Wire = { v: 1, r: replica, c: cluster, e: info.epoch, s: info.seq, t: info.type, ...(info.last ? { l: 1 as const } : {}) };
  if (info.type === 'delta' && info.keys) {
    const withKeys = JSON.stringify({ ...base, k: info.keys.map((k) => [k.kind, k.namespace, k.name]) });
    if (bytes(withKeys) <= MAX_PAYLOAD_BYTES) return withKeys;
  }
  const plain = JSON.stringify(base);
  if (bytes(plain) <= MAX_PAYLOAD_BYTES) return plain;
  const bare = JSON.stringify({ ...base, e: null });
  return bytes(bare) <= MAX_PAYLOAD_BYTES ? bare : null;
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

export function decodeNotice(payload: string): ChangeNotice | null {
  if (typeof payload !== 'string' || bytes(payload) > 8000) return null;
  let w: Partial<Wire>;
  try {
    w = JSON.parse(payload) as Partial<Wire>;
  } catch {
    return null;
  }
  if (!w || typeof w !== 'object' || w.v !== 1) return null;
  if (!str(w.r, 200) || !isClusterName(w.c)) return null;
  if (w.e !== null && !str(w.e, 8000)) return null;
  if (!Number.isSafeInteger(w.s) || (w.s as number) < 1) return null;
  if (w.t !== 'snapshot' && w.t !== 'delta') return null;
  const out: ChangeNotice = { replica: w.r, cluster: w.c, epoch: w.e ?? null, seq: w.s as number, type: w.t, last: w.l === 1 };
  if (w.k !== undefined) {
    if (!Array.isArray(w.k) || !w.k.every((k) => Array.isArray(k) && k.length === 3 && k.every((x) => str(x, 1000)))) return null;
    out.keys = w.k.map(([kind, namespace, name]) => ({ kind, namespace, name }));
  }
  return out;
}

/** New traffic aggregates were stored for a cluster (src/server/telemetry.ts) on some replica. */
export interface TelemetryNotice {
  replica: string;
  cluster: string;
  /** The stored document's receivedAt (ISO 8601): a notice for what the holder already analysed is ignored. */
  receivedAt: string;
}

interface TelemetryWire {
  v: 1;
  r: string;
  c: string;
  t: 'telemetry';
  a: string;
}

const ISO_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{5,20}Z$/;

/** The payload for a stored telemetry document; null when it would not fit (the others' polling finds it). */
export function encodeTelemetryNotice(replica: string, cluster: string, receivedAt: string): string | null {
  const payload = JSON.stringify({ v: 1, r: replica, c: cluster, t: 'telemetry', a: receivedAt } satisfies TelemetryWire);
  return bytes(payload) <= MAX_PAYLOAD_BYTES ? payload : null;
}

export function decodeTelemetryNotice(payload: string): TelemetryNotice | null {
  if (typeof payload !== 'string' || bytes(payload) > 8000) return null;
  let w: Partial<TelemetryWire>;
  try {
    w = JSON.parse(payload) as Partial<TelemetryWire>;
  } catch {
    return null;
  }
  if (!w || typeof w !== 'object' || w.v !== 1 || w.t !== 'telemetry') return null;
  if (!str(w.r, 200) || !isClusterName(w.c)) return null;
  if (!str(w.a, 40) || !ISO_TIME.test(w.a) || Number.isNaN(Date.parse(w.a))) return null;
  return { replica: w.r, cluster: w.c, receivedAt: w.a };
}
