/**
 * What both store engines share: object keys, change folding, the findings page cursor, severity
 * order, limits. Kept engine-free so SQLite and PostgreSQL cannot drift apart.
 */
import { isSeverity, SEVERITIES, type Severity } from '../engine/finding.js';
import { groupOf, kindKey } from '../model/resource.js';
import type { ObjectKey, WireObject } from '../relay/protocol.js';
import type { AnalysisScope, FindingInput, StoreBatch, StoreChange, TrendPoint } from './types.js';

/** Bad input to a store query (a forged page cursor, say): the API answers 400 with the message. */
export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

/** A cluster the caller named does not exist (for writes that need one). */
export class StoreUnknownClusterError extends Error {
  constructor(cluster: string) {
    super(`cluster ${JSON.stringify(cluster)} is not registered; register it first (meshward server register-cluster NAME)`);
    this.name = 'StoreUnknownClusterError';
  }
}

/**
 * Longest value (UTF-8 bytes) of a field that is part of an index key: cluster names, object keys,
 * fingerprints, rule IDs, token hashes, certificate serials. PostgreSQL's btree refuses index rows
 * over ~2.7 kB, and no legitimate value comes close (Kubernetes names are at most 253 characters).
 * Both engines enforce the same bound so they behave alike.
 */
export const MAX_KEY_BYTES = 400;

/** Refuses a key field that is not a string or is longer than MAX_KEY_BYTES. */
export function keyField(what: string, value: unknown): string {
  if (typeof value !== 'string') throw new StoreInputError(`${what} must be a string`);
  if (value.length > MAX_KEY_BYTES || Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) {
    throw new StoreInputError(`${what} is ${Buffer.byteLength(value, 'utf8')} bytes long; at most ${MAX_KEY_BYTES} are stored (Kubernetes names are at most 253 characters)`);
  }
  return value;
}

/**
 * applyBatch for a revoked cluster. The server authenticates before it calls the store, so this only
 * closes the window between that check and the write (a revocation in between): answer 403 `revoked`.
 */
export class StoreRevokedClusterError extends Error {
  constructor(cluster: string) {
    super(`cluster ${JSON.stringify(cluster)} is revoked; its agent must not write (register it again under a new name to resume)`);
    this.name = 'StoreRevokedClusterError';
  }
}

/** The key an upserted object is stored under; the same one a `delete` change names. */
export function wireObjectKey(o: WireObject): ObjectKey {
  const meta = (o.obj && typeof o.obj === 'object' ? (o.obj as { metadata?: unknown }).metadata : undefined) as
    | { name?: unknown; namespace?: unknown }
    | undefined;
  const name = meta && typeof meta.name === 'string' ? meta.name : '';
  const namespace = o.namespaced && meta && typeof meta.namespace === 'string' ? meta.namespace : '';
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  return { kind: kindKey(groupOf(apiVersion), kind), namespace, name };
}

/** JSON.stringify(o). */
export function wireObjectJson(o: WireObject): string {
  return JSON.stringify(o);
}

/**
 * JSON.stringify(o) when `objText` is JSON.stringify(o.obj): the server's ingest serialized each
 * sanitized object to measure it, and does not serialize a 5,000-object batch a second time.
 */
export function wireObjectJsonWith(o: WireObject, objText: string): string {
  // WireObject's members in declaration order: apiVersion, kind, namespaced, obj, then secretFacts.
  const head = JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, namespaced: o.namespaced });
  const tail = o.secretFacts !== undefined ? `,"secretFacts":${JSON.stringify(o.secretFacts)}` : '';
  return `${head.slice(0, -1)},"obj":${objText}${tail}}`;
}

export interface FoldedChanges {
  upserts: Array<{ key: ObjectKey; body: string }>;
  deletes: ObjectKey[];
}

/**
 * Folds a batch's changes to one final operation per key (the last one wins), so an engine can apply
 * them as sets: PostgreSQL's `ON CONFLICT DO UPDATE` refuses to touch a row twice in one statement.
 */
export function foldChanges(changes: readonly StoreChange[]): FoldedChanges {
  const last = new Map<string, { key: ObjectKey; body: string | null }>();
  // checkedKey copies the three fields: nothing else of a caller's key object is kept.
  const put = (key: ObjectKey, body: string | null) => {
    const checked = checkedKey(key);
    const k = keyString(checked);
    last.delete(k); // keep insertion order = order of the final operation
    last.set(k, { key: checked, body });
  };
  for (const c of changes) {
    if (c.op === 'upsert') put(wireObjectKey(c.object), wireObjectJson(c.object));
    else if (c.op === 'upsert-json') {
      if (!c.key || typeof c.key !== 'object' || typeof c.body !== 'string') throw new StoreInputError('a serialized upsert needs a key and a body');
      put(c.key, c.body);
    } else {
      if (!c.key || typeof c.key !== 'object') throw new StoreInputError('a delete change needs a key');
      put(c.key, null);
    }
  }
  const out: FoldedChanges = { upserts: [], deletes: [] };
  for (const v of last.values()) {
    if (v.body === null) out.deletes.push(v.key);
    else out.upserts.push({ key: v.key, body: v.body });
  }
  return out;
}

function checkedKey(k: ObjectKey): ObjectKey {
  return { kind: keyField('object kind', k.kind), namespace: keyField('object namespace', k.namespace), name: keyField('object name', k.name) };
}

/** Unambiguous (JSON) key string: `objectKeyString` joins with `|`, which a hostile name may contain. */
function keyString(k: ObjectKey): string {
  return JSON.stringify([k.kind, k.namespace, k.name]);
}

/** A clock skew as stored: whole milliseconds, or null when unknown. */
export function skewOf(clockSkewMs: number | null): number | null {
  return clockSkewMs === null || !Number.isFinite(clockSkewMs) ? null : Math.round(clockSkewMs);
}

/** 0 = critical ... 4 = info: ascending order is worst first. */
export function severityOrder(s: Severity): number {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
}

/**
 * The severities as one contiguous [min, max] range of orders ("critical and high"), or null when
 * they have a hole or are empty. A range keeps an index scan in page order, where a list of values
 * makes the database fetch every match and sort.
 */
export function severityRange(severities: readonly Severity[]): [number, number] | null {
  if (severities.length === 0) return null;
  const orders = [...new Set(severities.map(severityOrder))].sort((a, b) => a - b);
  return orders[orders.length - 1]! - orders[0]! === orders.length - 1 ? [orders[0]!, orders[orders.length - 1]!] : null;
}

export function severityFromOrder(n: number): Severity {
  return SEVERITIES[n] ?? 'info';
}

export interface PagePosition {
  sev: number;
  cluster: string;
  ruleId: string;
  fingerprint: string;
}

export function encodePageCursor(p: PagePosition): string {
  return Buffer.from(JSON.stringify([p.sev, p.cluster, p.ruleId, p.fingerprint]), 'utf8').toString('base64url');
}

export function decodePageCursor(s: string): PagePosition {
  const bad = () => new StoreInputError('the page cursor is not one this server issued; start again without `cursor`');
  if (typeof s !== 'string' || s.length > 4 * 1024 * 1024) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(v) || v.length !== 4 || !Number.isInteger(v[0]) || v[0] < 0 || v[0] > SEVERITIES.length ||
    typeof v[1] !== 'string' || typeof v[2] !== 'string' || typeof v[3] !== 'string'
  ) {
    throw bad();
  }
  return { sev: v[0], cluster: v[1], ruleId: v[2], fingerprint: v[3] };
}

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new StoreInputError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT} (got ${String(limit)})`);
  }
  return limit;
}

export const DEFAULT_TREND_DAYS = 30;
export const MAX_TREND_DAYS = 366;
const DAY_MS = 86_400_000;

/** The UTC days (YYYY-MM-DD) a trend covers, oldest first. */
export function trendDays(days: number | undefined, until: Date | undefined): string[] {
  const n = days ?? DEFAULT_TREND_DAYS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TREND_DAYS) {
    throw new StoreInputError(`days must be an integer from 1 to ${MAX_TREND_DAYS} (got ${String(days)})`);
  }
  const end = until ?? new Date();
  if (!(end instanceof Date) || Number.isNaN(end.getTime())) throw new StoreInputError('until must be a valid date');
  const endDay = Math.floor(end.getTime() / DAY_MS);
  const out: string[] = [];
  for (let d = endDay - n + 1; d <= endDay; d++) out.push(new Date(d * DAY_MS).toISOString().slice(0, 10));
  return out;
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function zeroBySeverity(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** Findings' stored JSON body: what FindingInput holds beyond the indexed columns. */
export interface FindingBody {
  title: string;
  message: string;
  remediation: string;
  resource: FindingInputLike['resource'];
  location: FindingInputLike['location'];
  evidence: FindingInputLike['evidence'];
  seenInTraffic?: FindingInputLike['seenInTraffic'];
}
type FindingInputLike = import('./types.js').FindingInput;

export function findingBody(f: FindingInputLike): string {
  const body: FindingBody = {
    title: f.title,
    message: f.message,
    remediation: f.remediation,
    resource: f.resource,
    location: f.location ?? null,
    evidence: f.evidence ?? [],
  };
  if (f.seenInTraffic) body.seenInTraffic = f.seenInTraffic;
  return JSON.stringify(body);
}

/** The namespace column of a finding: its resource's ('' when cluster-scoped or missing). */
export function findingNamespace(f: FindingInputLike): string {
  const ns = f.resource && typeof f.resource.namespace === 'string' ? f.resource.namespace : '';
  return ns;
}

export function checkBatch(batch: StoreBatch): void {
  if (!batch || typeof batch !== 'object') throw new StoreInputError('batch must be an object');
  if (typeof batch.epoch !== 'string' || batch.epoch.length === 0) throw new StoreInputError('batch.epoch must be a non-empty string');
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) throw new StoreInputError('batch.seq must be a positive integer');
  if (batch.type !== 'snapshot' && batch.type !== 'delta') throw new StoreInputError('batch.type must be "snapshot" or "delta"');
  if (!Array.isArray(batch.changes)) throw new StoreInputError('batch.changes must be a list');
}

export function checkMaxObjects(opts: { maxObjects: number } | undefined): number {
  const n = opts?.maxObjects;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new StoreInputError('maxObjects must be a non-negative integer');
  return n;
}

/** The rule IDs of an analysis scope (types.ts AnalysisScope), null without one; refuses a malformed scope. */
export function scopeRules(scope: AnalysisScope | undefined): Set<string> | null {
  if (scope === undefined || scope === null) return null;
  if (!(scope.since instanceof Date) || Number.isNaN(scope.since.getTime()) || !Array.isArray(scope.rules) || !scope.rules.every((r) => typeof r === 'string')) {
    throw new StoreInputError('an analysis scope needs a valid since date and a list of rule IDs');
  }
  return new Set(scope.rules);
}

/** Whether `scope` builds on the cluster's last recorded analysis (`previous`, as the store read it inside its transaction). */
export function scopeHolds(scope: AnalysisScope, previous: Date | string | null): boolean {
  if (previous === null) return false;
  return (typeof previous === 'string' ? Date.parse(previous) : previous.getTime()) === scope.since.getTime();
}

/** One finding per fingerprint (the last wins); refuses a finding that is not one. */
export function dedupeFindings(findings: readonly FindingInput[]): Map<string, FindingInput> {
  if (!Array.isArray(findings)) throw new StoreInputError('findings must be a list');
  const out = new Map<string, FindingInput>();
  for (const f of findings) {
    if (!f || typeof f !== 'object' || !isSeverity(f.severity)) throw new StoreInputError('each finding needs a known severity');
    keyField('finding fingerprint', f.fingerprint);
    keyField('finding ruleId', f.ruleId);
    out.delete(f.fingerprint);
    out.set(f.fingerprint, f);
  }
  return out;
}

/** Open counts per day: every cluster's latest figures at or before each day, summed. */
export function buildTrend(
  days: string[],
  before: ReadonlyArray<{ cluster: string; sev: number; open: number }>,
  within: ReadonlyArray<{ cluster: string; day: string; sev: number; open: number }>,
): TrendPoint[] {
  const current = new Map<string, Record<Severity, number>>();
  const of = (cluster: string) => {
    let c = current.get(cluster);
    if (!c) {
      c = zeroBySeverity();
      current.set(cluster, c);
    }
    return c;
  };
  for (const r of before) of(r.cluster)[severityFromOrder(r.sev)] = Number(r.open);
  const byDay = new Map<string, Array<{ cluster: string; sev: number; open: number }>>();
  for (const r of within) {
    let l = byDay.get(r.day);
    if (!l) byDay.set(r.day, (l = []));
    l.push(r);
  }
  const out: TrendPoint[] = [];
  for (const day of days) {
    for (const r of byDay.get(day) ?? []) of(r.cluster)[severityFromOrder(r.sev)] = Number(r.open);
    const open = zeroBySeverity();
    for (const c of current.values()) for (const s of SEVERITIES) open[s] += c[s];
    out.push({ day, open });
  }
  return out;
}

/** Most kinds one `objects(cluster, { kinds })` call may name (each is one bound parameter). */
export const MAX_OBJECT_KINDS = 500;

/**
 * The `kinds` of an objects() call: null for every kind, otherwise the distinct kinds in the
 * databases' key order (byte order: SQLite's BINARY, PostgreSQL's COLLATE "C"), so reading kind by
 * kind yields objects in key order.
 */
export function objectKinds(opts: { kinds?: Iterable<string> } | undefined): string[] | null {
  const kinds = opts?.kinds;
  if (kinds === undefined || kinds === null) return null;
  if (typeof kinds !== 'object' || typeof (kinds as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw new StoreInputError('objects(): kinds must be a list or set of kind strings');
  }
  const set = new Set<string>();
  for (const k of kinds) {
    if (typeof k !== 'string') throw new StoreInputError('objects(): every kind must be a string');
    set.add(k);
    if (set.size > MAX_OBJECT_KINDS) throw new StoreInputError(`objects(): at most ${MAX_OBJECT_KINDS} kinds at once`);
  }
  return [...set].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
