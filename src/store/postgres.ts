/**
 * The store on PostgreSQL (`--database postgres://...`): what several server replicas share.
 *
 * Concurrency between replicas:
 * - applyBatch locks the cluster's row (`SELECT ... FOR UPDATE`) first, so two replicas never
 *   interleave batches of one cluster; the cursor check runs under that lock.
 * - consumeBootstrapToken is one conditional UPDATE: a concurrent second caller waits for the row
 *   lock, re-checks `used_at IS NULL`, and gets nothing.
 * - recordAnalysis takes a transaction-scoped advisory lock per cluster.
 * - migrate runs under a transaction-scoped advisory lock.
 *
 * Parameters only: no input is ever interpolated into SQL. Strings are escaped on the way in (pgText)
 * because PostgreSQL text cannot hold NUL, and unescaped on the way out.
 */
import pg from 'pg';
import { createHash, randomUUID } from 'node:crypto';
import { isSeverity, SEVERITIES, type Severity } from '../engine/finding.js';
import type { Cursor, ObjectKey, WireKindStatus } from '../relay/protocol.js';
import {
  decodePageCursor,
  encodePageCursor,
  findingBody,
  findingNamespace,
  foldChanges,
  pageLimit,
  severityFromOrder,
  severityOrder,
  severityRange,
  StoreInputError,
  StoreRevokedClusterError,
  StoreUnknownClusterError,
  checkMaxObjects,
  trendDays,
  utcDay,
  zeroBySeverity,
  buildTrend,
  checkBatch,
  keyField,
  dedupeFindings,
  scopeRules,
  objectKinds,
  skewOf,
  type FindingBody,
} from './common.js';
import { POSTGRES_MIGRATIONS } from './schema-postgres.js';
import { telemetryColumns, toTelemetryFreshness, toTelemetryRecord, type TelemetryRow } from './telemetry-rows.js';
import type { StoreBatch, TelemetryFreshness, TelemetryRecord } from './types.js';
import { checkFence } from './leases-postgres.js';
import {
  StoreConflictError,
  type AnalysisOutcome,
  type ApplyBatchOptions,
  type AnalysisScope,
  type BatchOutcome,
  type ClusterRecord,
  type FindingEvent,
  type FindingEventType,
  type FindingInput,
  type FindingQuery,
  type FindingRecord,
  type FindingState,
  type IssuedCertificate,
  type ObjectsOptions,
  type Page,
  type RetentionPolicy,
  type Store,
  type StoredObject,
  type Suppression,
  type SuppressionInput,
  type TrendPoint,
  type TrendQuery,
  type WriteFence,
} from './types.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** Advisory lock keys (first int of the two-int form): one namespace per purpose. */
const LOCK_MIGRATE = 0x6d77_0001;
const LOCK_ANALYSIS = 0x6d77_0002;

const MAX_FILTER_VALUES = 500;
const OBJECT_PAGE = 1000;

/** Escapes a string for a PostgreSQL text column: `\` → `\\`, NUL → `\0`. Reversible, order-preserving apart from those two. */
export function pgText(s: string): string {
  return s.includes('\\') || s.includes('\u0000') ? s.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0') : s;
}

export function pgUntext(s: string): string {
  return s.includes('\\') ? s.replace(/\\(\\|0)/g, (_m, c: string) => (c === '0' ? '\u0000' : '\\')) : s;
}

/**
 * A list of texts as one query parameter, and the SQL that reads it back as `text[]`. node-postgres
 * sends a JavaScript array as an array literal, escaping every element with two regular expressions:
 * for a 5,000-object batch (10 MB of JSON, every `"` escaped) that was most of a replica's event loop
 * and its garbage. A JSON text never holds a raw newline (JSON.stringify escapes every control
 * character), nor does a Kubernetes name, so the list goes joined by newlines and string_to_array
 * splits it again; a list with a newline in some element, or of one empty element (string_to_array
 * reads '' as no element at all), goes as the array it is. `n` is the parameter's number; the SQL
 * returned is one of two fixed forms, never input.
 */
export function textListParam(values: readonly string[], n: number): { sql: string; value: string | readonly string[] } {
  const joinable = !(values.length === 1 && values[0] === '') && !values.some((v) => v.includes('\n'));
  return joinable ? { sql: `string_to_array($${n}::text, chr(10))`, value: values.join('\n') } : { sql: `$${n}::text[]`, value: values };
}

const t = (s: string) => pgText(String(s));
const tn = (s: string | null | undefined) => (s === null || s === undefined ? null : pgText(String(s)));
const u = (s: string) => pgUntext(s);
const un = (s: string | null) => (s === null ? null : pgUntext(s));
const isoOut = (d: Date | null) => (d === null ? null : d.toISOString());

function date(d: Date): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new StoreInputError('a time must be a valid Date');
  return d;
}

function dateText(s: string): Date {
  const ms = typeof s === 'string' ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(ms)) throw new StoreInputError(`not an ISO 8601 time: ${JSON.stringify(String(s)).slice(0, 80)}`);
  return new Date(ms);
}

interface ClusterRow {
  id: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
  agent_version: string | null;
  last_seen_at: Date | null;
  clock_skew_ms: string | null;
  epoch: string | null;
  seq: string;
  snapshot_complete: boolean;
  stream_gen: string;
  live_gen: string | null;
  live_epoch: string | null;
  object_count: string;
  staged_count: string;
  kinds: string;
  last_ingest_at: Date | null;
  last_analysis_at: Date | null;
  analysed_epoch: string | null;
  analysed_seq: string;
}

interface FindingRow {
  cluster: string;
  fingerprint: string;
  rule_id: string;
  sev: number;
  namespace: string;
  state: string;
  first_seen_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  reopened: number;
  body: string;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

class TooManyObjects extends Error {}

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(opts);
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(opts: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize ?? 10 });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_MIGRATE]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of POSTGRES_MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [m.version]);
      }
    });
  }

  async schemaVersions(): Promise<number[]> {
    return (await this.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // --- Clusters and identity ---

  private async clusterRow(q: Queryable, name: string, forUpdate = false): Promise<ClusterRow | undefined> {
    const r = await q.query<ClusterRow>(`SELECT * FROM clusters WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`, [t(name)]);
    return r.rows[0];
  }

  async createCluster(name: string, at: Date): Promise<ClusterRecord> {
    keyField('cluster name', name);
    const r = await this.pool.query<ClusterRow>('INSERT INTO clusters (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING *', [t(name), date(at)]);
    if (!r.rows[0]) throw new StoreConflictError(`cluster ${JSON.stringify(name)} is already registered (revoked clusters keep their name)`);
    return toClusterRecord(r.rows[0]);
  }

  async getCluster(name: string): Promise<ClusterRecord | null> {
    const row = await this.clusterRow(this.pool, name);
    return row ? toClusterRecord(row) : null;
  }

  async listClusters(): Promise<ClusterRecord[]> {
    return (await this.pool.query<ClusterRow>('SELECT * FROM clusters ORDER BY name')).rows.map(toClusterRecord);
  }

  // --- Telemetry (its own table; ./telemetry-rows.ts) ---

  async putTelemetry(record: TelemetryRecord): Promise<void> {
    const c = telemetryColumns(record);
    await this.tx(async (q) => {
      // FOR SHARE on the cluster's row: a concurrent revokeCluster (UPDATE, then DELETE of the
      // telemetry, one transaction) either waits for this write and deletes it, or commits first and
      // this read sees revoked_at. A cluster that is not registered is not refused: `server
      // --prometheus CLUSTER=URL` may name one whose agent has not enrolled yet.
      const r = await q.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM clusters WHERE name = $1 FOR SHARE', [t(c.cluster)]);
      if (r.rows[0]?.revoked) throw new StoreRevokedClusterError(c.cluster);
      await q.query(
        `INSERT INTO telemetry (cluster, via, received_at, source_name, window_seconds, end_at, edge_count, interval_seconds, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (cluster) DO UPDATE SET via = EXCLUDED.via, received_at = EXCLUDED.received_at, source_name = EXCLUDED.source_name,
           window_seconds = EXCLUDED.window_seconds, end_at = EXCLUDED.end_at, edge_count = EXCLUDED.edge_count,
           interval_seconds = EXCLUDED.interval_seconds, body = EXCLUDED.body`,
        // Text columns hold no NUL (telemetryColumns escapes control characters; JSON escapes its own): stored as is.
        [c.cluster, c.via, date(c.receivedAt), c.sourceName, c.windowSeconds, c.end, c.edgeCount, c.intervalSeconds, c.body],
      );
    });
  }

  async getTelemetry(cluster: string): Promise<TelemetryRecord | null> {
    const r = await this.pool.query<TelemetryRow>('SELECT * FROM telemetry WHERE cluster = $1', [cluster]);
    return r.rows[0] ? toTelemetryRecord(r.rows[0]) : null;
  }

  async telemetryFreshness(): Promise<TelemetryFreshness[]> {
    const r = await this.pool.query<TelemetryRow>('SELECT cluster, via, received_at, source_name, window_seconds, end_at, edge_count, interval_seconds FROM telemetry ORDER BY cluster');
    return r.rows.map(toTelemetryFreshness);
  }

  async revokeCluster(name: string, at: Date): Promise<boolean> {
    // The traffic the revoked agent sent goes with its access (see putTelemetry for the race with a report).
    return this.tx(async (q) => {
      const r = await q.query('UPDATE clusters SET revoked_at = COALESCE(revoked_at, $2) WHERE name = $1', [t(name), date(at)]);
      if ((r.rowCount ?? 0) === 0) return false;
      await q.query('DELETE FROM telemetry WHERE cluster = $1', [name]);
      return true;
    });
  }

  async addBootstrapToken(cluster: string, tokenHash: string, expiresAt: Date): Promise<void> {
    keyField('token hash', tokenHash);
    const r = await this.pool.query(
      `INSERT INTO bootstrap_tokens (token_hash, cluster_id, expires_at) SELECT $1, id, $3 FROM clusters WHERE name = $2
       ON CONFLICT DO NOTHING RETURNING token_hash`,
      [t(tokenHash), t(cluster), date(expiresAt)],
    );
    if (r.rowCount === 0) {
      if (!(await this.clusterRow(this.pool, cluster))) throw new StoreUnknownClusterError(cluster);
      throw new StoreConflictError('a bootstrap token with this hash already exists; generate a new token');
    }
  }

  async consumeBootstrapToken(tokenHash: string, at: Date, key?: string): Promise<string | null> {
    // A concurrent second caller waits for the row and re-checks the condition on the first one's
    // result: it gets the token only when it asks for the same key. A second use keeps the first's time and key.
    const r = await this.pool.query<{ name: string }>(
      `UPDATE bootstrap_tokens b SET used_at = COALESCE(b.used_at, $2), used_key = COALESCE(b.used_key, $3) FROM clusters c
         WHERE b.token_hash = $1 AND b.expires_at > $2 AND (b.used_at IS NULL OR (b.used_key IS NOT NULL AND b.used_key = $3))
           AND c.id = b.cluster_id AND c.revoked_at IS NULL
       RETURNING c.name`,
      [t(tokenHash), date(at), key === undefined ? null : t(key)],
    );
    return r.rows[0] ? u(r.rows[0].name) : null;
  }

  async recordCertificate(cert: IssuedCertificate): Promise<void> {
    keyField('certificate serial', cert.serial);
    const r = await this.pool.query(
      `INSERT INTO certificates (serial, cluster_id, issued_at, not_after) SELECT $1, id, $3, $4 FROM clusters WHERE name = $2
       ON CONFLICT DO NOTHING RETURNING serial`,
      [t(cert.serial), t(cert.cluster), dateText(cert.issuedAt), dateText(cert.notAfter)],
    );
    if (r.rowCount === 0) {
      if (!(await this.clusterRow(this.pool, cert.cluster))) throw new StoreUnknownClusterError(cert.cluster);
      throw new StoreConflictError(`a certificate with serial ${cert.serial} was already issued`);
    }
  }

  async listCertificates(cluster: string): Promise<IssuedCertificate[]> {
    const r = await this.pool.query<{ serial: string; issued_at: Date; not_after: Date }>(
      `SELECT c.serial, c.issued_at, c.not_after FROM certificates c JOIN clusters k ON k.id = c.cluster_id
        WHERE k.name = $1 ORDER BY c.issued_at, c.serial`,
      [t(cluster)],
    );
    return r.rows.map((x) => ({ cluster, serial: u(x.serial), issuedAt: x.issued_at.toISOString(), notAfter: x.not_after.toISOString() }));
  }

  async touchCluster(name: string, at: Date, agentVersion: string, clockSkewMs: number | null): Promise<void> {
    await this.pool.query('UPDATE clusters SET last_seen_at = $2, agent_version = $3, clock_skew_ms = $4 WHERE name = $1', [t(name), date(at), t(String(agentVersion)), skewOf(clockSkewMs)]);
  }

  // --- Ingest ---

  async applyBatch(cluster: string, batch: StoreBatch, at: Date, opts: ApplyBatchOptions): Promise<BatchOutcome> {
    checkBatch(batch);
    const maxObjects = checkMaxObjects(opts);
    const now = date(at);
    const folded = foldChanges(batch.changes);
    const epoch = t(batch.epoch);
    try {
      return await this.tx(async (c): Promise<BatchOutcome> => {
        const row = await this.clusterRow(c, cluster, true);
        if (!row) throw new StoreUnknownClusterError(cluster);
        if (row.revoked_at !== null) throw new StoreRevokedClusterError(cluster);
        if (opts.seen) {
          await c.query('UPDATE clusters SET last_seen_at = $2, agent_version = $3, clock_skew_ms = $4 WHERE id = $1', [row.id, now, t(String(opts.seen.agentVersion)), skewOf(opts.seen.clockSkewMs)]);
        }
        const cur = cursorOf(row);
        const seq = Number(row.seq);
        const isSnapshot = batch.type === 'snapshot';
        let gen: number;
        let count: number;
        if (epoch === row.epoch) {
          if (batch.seq <= seq) return { status: 'duplicate', cursor: cur };
          if (batch.seq !== seq + 1) return { status: 'out-of-order', cursor: cur };
          if (isSnapshot === row.snapshot_complete) return { status: 'out-of-order', cursor: cur };
          gen = Number(isSnapshot ? row.stream_gen : row.live_gen);
          count = Number(isSnapshot ? row.staged_count : row.object_count);
        } else {
          if (!isSnapshot || batch.seq !== 1 || epoch === row.live_epoch) return { status: 'out-of-order', cursor: cur };
          gen = Number(row.stream_gen) + 1;
          count = 0;
          await c.query('DELETE FROM objects WHERE cluster_id = $1 AND gen IS DISTINCT FROM $2', [row.id, row.live_gen]);
          await c.query('UPDATE clusters SET epoch = $2, seq = 0, snapshot_complete = FALSE, stream_gen = $3, staged_count = 0 WHERE id = $1', [row.id, epoch, gen]);
        }
        // One statement for the objects and the cursor (fewer round trips per batch): the deletes and the
        // upserts as data-modifying CTEs (foldChanges leaves each key either deleted or upserted, never
        // both, so their order within the statement does not matter), the cluster row updated with the
        // new count. Over maxObjects, the error below rolls the whole transaction back.
        const kinds = Array.isArray(batch.kinds) ? JSON.stringify(batch.kinds) : null;
        const last = isSnapshot && batch.last === true;
        const column = isSnapshot && !last ? 'staged_count' : 'object_count'; // one of two fixed names
        const lists = [
          folded.deletes.map((k) => t(k.kind)),
          folded.deletes.map((k) => t(k.namespace)),
          folded.deletes.map((k) => t(k.name)),
          folded.upserts.map((x) => t(x.key.kind)),
          folded.upserts.map((x) => t(x.key.namespace)),
          folded.upserts.map((x) => t(x.key.name)),
          folded.upserts.map((x) => x.body),
        ].map((list, i) => textListParam(list, i + 3));
        const [delKind, delNs, delName, upKind, upNs, upName, upBody] = lists.map((l) => l.sql);
        const values: unknown[] = [
          row.id,
          gen,
          ...lists.map((l) => l.value),
          now,
          batch.seq,
          count,
          kinds,
        ];
        const updated = (await c.query<ClusterRow & { new_count: string }>(
          `WITH del AS (
             DELETE FROM objects o USING unnest(${delKind}, ${delNs}, ${delName}) AS k(kind, namespace, name)
              WHERE o.cluster_id = $1 AND o.gen = $2 AND o.kind = k.kind AND o.namespace = k.namespace AND o.name = k.name
             RETURNING 1),
           ins AS (
             INSERT INTO objects (cluster_id, gen, kind, namespace, name, body, stored_at)
               SELECT $1, $2, k.kind, k.namespace, k.name, k.body, $10 FROM unnest(${upKind}, ${upNs}, ${upName}, ${upBody}) AS k(kind, namespace, name, body)
             ON CONFLICT (cluster_id, gen, kind, namespace, name) DO UPDATE SET body = excluded.body, stored_at = excluded.stored_at
             RETURNING (xmax = 0) AS inserted)${last ? `,
           superseded AS (DELETE FROM objects WHERE cluster_id = $1 AND gen <> $2)` : ''}
           UPDATE clusters SET seq = $11,
             ${column} = $12::bigint + (SELECT count(*) FROM ins WHERE inserted) - (SELECT count(*) FROM del),
             ${last ? 'snapshot_complete = TRUE, live_gen = $2, live_epoch = epoch, staged_count = 0,' : ''}
             kinds = COALESCE($13, kinds), last_ingest_at = $10
           WHERE id = $1
           RETURNING *, ${column} AS new_count`,
          values,
        )).rows[0]!;
        if (Number(updated.new_count) > maxObjects) throw new TooManyObjects();
        return { status: 'stored', cursor: cursorOf(updated) };
      });
    } catch (e) {
      if (e instanceof TooManyObjects) return { status: 'too-many-objects', cursor: await this.cursor(cluster) };
      throw e;
    }
  }

  async cursor(cluster: string): Promise<Cursor> {
    const row = await this.clusterRow(this.pool, cluster);
    return row ? cursorOf(row) : { cluster, epoch: null, seq: 0, snapshotComplete: false };
  }

  objects(cluster: string, opts?: ObjectsOptions): AsyncIterable<StoredObject> {
    const pool = this.pool;
    const kinds = objectKinds(opts);
    return {
      async *[Symbol.asyncIterator]() {
        if (kinds !== null && kinds.length === 0) return;
        // One connection in a repeatable-read transaction: pages of one consistent snapshot.
        const c = await pool.connect();
        let open = false;
        try {
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          open = true;
          const row = (await c.query<{ id: string; live_gen: string | null }>('SELECT id, live_gen FROM clusters WHERE name = $1', [t(cluster)])).rows[0];
          if (!row || row.live_gen === null) return;
          type R = { kind: string; namespace: string; name: string; body: string; stored_at: Date };
          if (kinds === null) {
            let rows = (await c.query<R>({
              name: 'mw_objects_first',
              text: `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = $1 AND gen = $2 ORDER BY kind, namespace, name LIMIT $3`,
              values: [row.id, row.live_gen, OBJECT_PAGE],
            })).rows;
            while (rows.length > 0) {
              for (const r of rows) yield toStoredObject(r);
              if (rows.length < OBJECT_PAGE) break;
              const l = rows[rows.length - 1]!;
              rows = (await c.query<R>({
                name: 'mw_objects_next',
                text: `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = $1 AND gen = $2 AND (kind, namespace, name) > ($3, $4, $5)
                  ORDER BY kind, namespace, name LIMIT $6`,
                values: [row.id, row.live_gen, l.kind, l.namespace, l.name, OBJECT_PAGE],
              })).rows;
            }
            return;
          }
          // Kind by kind, in key order: each is a range of the primary key (cluster_id, gen, kind, ...),
          // so only the asked kinds' rows are read.
          for (const kind of kinds.map(t)) {
            let rows = (await c.query<R>({
              name: 'mw_objects_kind_first',
              text: `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = $1 AND gen = $2 AND kind = $3 ORDER BY namespace, name LIMIT $4`,
              values: [row.id, row.live_gen, kind, OBJECT_PAGE],
            })).rows;
            while (rows.length > 0) {
              for (const r of rows) yield toStoredObject(r);
              if (rows.length < OBJECT_PAGE) break;
              const l = rows[rows.length - 1]!;
              rows = (await c.query<R>({
                name: 'mw_objects_kind_next',
                text: `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = $1 AND gen = $2 AND kind = $3 AND (namespace, name) > ($4, $5)
                  ORDER BY namespace, name LIMIT $6`,
                values: [row.id, row.live_gen, kind, l.namespace, l.name, OBJECT_PAGE],
              })).rows;
            }
          }
        } finally {
          if (open) await c.query('COMMIT').catch(() => {});
          c.release();
        }
      },
    };
  }

  async object(cluster: string, key: ObjectKey): Promise<StoredObject | null> {
    const r = await this.pool.query<{ kind: string; namespace: string; name: string; body: string; stored_at: Date }>(
      `SELECT o.kind, o.namespace, o.name, o.body, o.stored_at FROM clusters c
         JOIN objects o ON o.cluster_id = c.id AND o.gen = c.live_gen
        WHERE c.name = $1 AND o.kind = $2 AND o.namespace = $3 AND o.name = $4`,
      [t(cluster), t(key.kind), t(key.namespace), t(key.name)],
    );
    return r.rows[0] ? toStoredObject(r.rows[0]) : null;
  }

  async markAnalysed(cluster: string, seq: number, epoch: string, at: Date, fence?: WriteFence): Promise<void> {
    const sql = 'UPDATE clusters SET analysed_epoch = $2, analysed_seq = $3, last_analysis_at = $4 WHERE name = $1';
    const params = [t(cluster), t(epoch), seq, date(at)];
    if (!fence) await this.pool.query(sql, params);
    // Replicas: only the lease holder moves the analysed position (src/store/leases-postgres.ts).
    else await this.tx(async (c) => (await checkFence(c, fence), await c.query(sql, params)));
  }

  // --- Findings ---

  async recordAnalysis(cluster: string, findings: FindingInput[], at: Date, fence?: WriteFence, scope?: AnalysisScope): Promise<AnalysisOutcome> {
    keyField('cluster name', cluster);
    const incoming = dedupeFindings(findings);
    const scoped = scopeRules(scope);
    const now = date(at);
    const cl = t(cluster);
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_ANALYSIS, cl]);
      // Replicas: a replica that lost the cluster's lease must not overwrite the new holder's results.
      if (fence) await checkFence(c, fence);
      // The stored body's digest, not the body: what is compared crosses the wire, not every finding's text.
      // One round trip for the existing findings and when the previous analysis ran (the last time a
      // finding resolved now was seen): the outer join yields one row even when there are no findings.
      const existing = new Map<string, { sev: number; state: string; rule_id: string; namespace: string; digest: string }>();
      // Scoped (an incremental analysis that recorded the previous one): only those rules' findings are
      // read and compared. Whether the scope holds depends on the previous analysis, read in the same
      // statement: the rule list goes in with a flag the query checks against last_analysis_at.
      const scopeList = scoped ? [...scoped].map(t) : null;
      let previous: Date | null = null;
      let holds = false;
      for (const r of (await c.query<{ previous: Date | null; scoped: boolean; fingerprint: string | null; sev: number; state: string; rule_id: string; namespace: string; digest: string }>({
        name: 'mw_findings_of_cluster',
        text: `WITH prev AS (SELECT (SELECT last_analysis_at FROM clusters WHERE name = $1) AS at),
                    s AS (SELECT COALESCE((SELECT at FROM prev) = $2::timestamptz, false) AS scoped)
               SELECT (SELECT at FROM prev) AS previous, (SELECT scoped FROM s) AS scoped,
                      f.fingerprint, f.sev, f.state, f.rule_id, f.namespace, md5(f.body) AS digest
                 FROM (SELECT 1) AS one LEFT JOIN findings f ON f.cluster = $1
                  AND (NOT (SELECT scoped FROM s) OR f.rule_id = ANY($3::text[]))`,
        values: [cl, scopeList ? scope!.since : null, scopeList ?? []],
      })).rows) {
        previous = r.previous;
        holds = r.scoped;
        if (r.fingerprint !== null) existing.set(r.fingerprint, r);
      }
      const rules = holds && scopeList ? new Set(scopeList) : null;
      const out: AnalysisOutcome = { opened: 0, resolved: 0, reopened: 0, open: 0 };
      const ins = { fp: [] as string[], rule: [] as string[], sev: [] as number[], ns: [] as string[], body: [] as string[] };
      const upd = { fp: [] as string[], rule: [] as string[], sev: [] as number[], ns: [] as string[], body: [] as string[], re: [] as number[] };
      const ev = { fp: [] as string[], rule: [] as string[], sev: [] as number[], type: [] as string[] };
      const event = (fp: string, rule: string, sev: number, type: FindingEventType) => {
        ev.fp.push(fp);
        ev.rule.push(rule);
        ev.sev.push(sev);
        ev.type.push(type);
      };
      const seen = new Set<string>();
      for (const f of incoming.values()) {
        const rule = t(f.ruleId);
        if (rules && !rules.has(rule)) continue;
        const fp = t(f.fingerprint);
        const sev = severityOrder(f.severity);
        const body = findingBody(f);
        const ns = t(findingNamespace(f));
        seen.add(fp);
        const prev = existing.get(fp);
        if (!prev) {
          ins.fp.push(fp), ins.rule.push(rule), ins.sev.push(sev), ins.ns.push(ns), ins.body.push(body);
          event(fp, rule, sev, 'opened');
          out.opened++;
        } else if (prev.state === 'resolved') {
          upd.fp.push(fp), upd.rule.push(rule), upd.sev.push(sev), upd.ns.push(ns), upd.body.push(body), upd.re.push(1);
          event(fp, rule, sev, 'reopened');
          out.reopened++;
        } else if (prev.sev !== sev || prev.rule_id !== rule || prev.namespace !== ns || prev.digest !== md5(body)) {
          upd.fp.push(fp), upd.rule.push(rule), upd.sev.push(sev), upd.ns.push(ns), upd.body.push(body), upd.re.push(0);
          if (prev.sev !== sev) event(fp, rule, sev, 'severity-changed');
        }
        // An open finding found again unchanged is not rewritten: while open, its last_seen_at reads as
        // the cluster's last_analysis_at (FINDING_COLUMNS), so an analysis costs writes only for what changed.
      }
      const resolve: string[] = [];
      for (const [fp, prev] of existing) {
        if (prev.state !== 'open' || seen.has(fp)) continue;
        resolve.push(fp);
        event(fp, prev.rule_id, prev.sev, 'resolved');
        out.resolved++;
      }
      if (ins.fp.length) {
        const body = textListParam(ins.body, 7);
        await c.query(
          `INSERT INTO findings (cluster, fingerprint, rule_id, sev, namespace, state, first_seen_at, last_seen_at, resolved_at, reopened, body)
             SELECT $1, x.fp, x.rule, x.sev, x.ns, 'open', $2, $2, NULL, 0, x.body
               FROM unnest($3::text[], $4::text[], $5::smallint[], $6::text[], ${body.sql}) AS x(fp, rule, sev, ns, body)`,
          [cl, now, ins.fp, ins.rule, ins.sev, ins.ns, body.value],
        );
      }
      if (upd.fp.length) {
        const body = textListParam(upd.body, 7);
        await c.query(
          `UPDATE findings f SET rule_id = x.rule, sev = x.sev, namespace = x.ns, state = 'open', last_seen_at = $2, resolved_at = NULL,
             reopened = f.reopened + x.re, body = x.body
             FROM unnest($3::text[], $4::text[], $5::smallint[], $6::text[], ${body.sql}, $8::int[]) AS x(fp, rule, sev, ns, body, re)
            WHERE f.cluster = $1 AND f.fingerprint = x.fp`,
          [cl, now, upd.fp, upd.rule, upd.sev, upd.ns, body.value, upd.re],
        );
      }
      if (resolve.length) {
        await c.query(
          `UPDATE findings SET state = 'resolved', resolved_at = $2, last_seen_at = COALESCE($4, last_seen_at) WHERE cluster = $1 AND fingerprint = ANY($3::text[])`,
          [cl, now, resolve, previous],
        );
      }
      if (ev.fp.length) {
        await c.query(
          `INSERT INTO finding_events (cluster, fingerprint, rule_id, sev, type, at)
             SELECT $1, x.fp, x.rule, x.sev, x.type, $2 FROM unnest($3::text[], $4::text[], $5::smallint[], $6::text[]) WITH ORDINALITY AS x(fp, rule, sev, type, n)
             ORDER BY x.n`,
          [cl, now, ev.fp, ev.rule, ev.sev, ev.type],
        );
      }
      // After this analysis exactly the incoming findings are open (every other open one resolved): counted here, not queried.
      const bySev = zeroBySeverity();
      for (const f of incoming.values()) bySev[f.severity]++;
      out.open = incoming.size;
      // The day's figures and the analysis time in one statement.
      await c.query({
        name: 'mw_trend_and_analysed',
        text: `WITH trend AS (
                 INSERT INTO trend_days (cluster, day, sev, open) SELECT $1, $3, x.sev, x.open FROM unnest($4::smallint[], $5::bigint[]) AS x(sev, open)
                 ON CONFLICT (cluster, day, sev) DO UPDATE SET open = excluded.open)
               UPDATE clusters SET last_analysis_at = $2 WHERE name = $1`,
        values: [cl, now, utcDay(now), SEVERITIES.map(severityOrder), SEVERITIES.map((s) => bySev[s])],
      });
      return out;
    });
  }

  async findings(q: FindingQuery): Promise<Page<FindingRecord>> {
    const limit = pageLimit(q.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const anyOf = (column: string, values: readonly unknown[] | undefined, name: string) => {
      if (values === undefined) return;
      if (!Array.isArray(values) || values.length > MAX_FILTER_VALUES || !values.every((v) => typeof v === 'string')) {
        throw new StoreInputError(`${name} must be a list of at most ${MAX_FILTER_VALUES} strings`);
      }
      // One value: an equality, so the planner can walk an index in page order.
      if (values.length === 1) where.push(`${column} = ${p(t(values[0] as string))}`);
      else where.push(`${column} = ANY(${p((values as string[]).map(t))}::text[])`);
    };
    anyOf('state', q.state ?? ['open'], 'state');
    anyOf('cluster', q.cluster, 'cluster');
    anyOf('namespace', q.namespace, 'namespace');
    anyOf('rule_id', q.ruleId, 'ruleId');
    if (q.severity !== undefined) {
      if (!Array.isArray(q.severity) || !q.severity.every(isSeverity)) throw new StoreInputError(`severity must be a list of ${SEVERITIES.join(', ')}`);
      const range = severityRange(q.severity);
      if (range && range[0] === range[1]) where.push(`sev = ${p(range[0])}::smallint`);
      else if (range) where.push(`sev BETWEEN ${p(range[0])}::smallint AND ${p(range[1])}::smallint`);
      else if (q.severity.length === 0) where.push('FALSE');
      else where.push(`sev = ANY(${p(q.severity.map(severityOrder))}::smallint[])`);
    }
    if (q.cursor !== undefined && q.cursor !== null) {
      const c = decodePageCursor(q.cursor);
      where.push(`(sev, cluster, rule_id, fingerprint) > (${p(c.sev)}::smallint, ${p(t(c.cluster))}, ${p(t(c.ruleId))}, ${p(t(c.fingerprint))})`);
    }
    const sql = `SELECT ${FINDING_COLUMNS} FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sev, cluster, rule_id, fingerprint LIMIT ${p(limit + 1)}`;
    const rows = (await this.pool.query<FindingRow>(sql, params)).rows;
    const more = rows.length > limit;
    const last = rows[limit - 1];
    return {
      items: rows.slice(0, limit).map(toFindingRecord),
      next: more && last ? encodePageCursor({ sev: last.sev, cluster: u(last.cluster), ruleId: u(last.rule_id), fingerprint: u(last.fingerprint) }) : null,
    };
  }

  async finding(cluster: string, fingerprint: string): Promise<FindingRecord | null> {
    const r = await this.pool.query<FindingRow>(`SELECT ${FINDING_COLUMNS} FROM findings WHERE cluster = $1 AND fingerprint = $2`, [t(cluster), t(fingerprint)]);
    return r.rows[0] ? toFindingRecord(r.rows[0]) : null;
  }

  async findingEvents(cluster: string, fingerprint: string): Promise<FindingEvent[]> {
    const r = await this.pool.query<{ cluster: string; fingerprint: string; rule_id: string; sev: number; type: string; at: Date }>(
      'SELECT cluster, fingerprint, rule_id, sev, type, at FROM finding_events WHERE cluster = $1 AND fingerprint = $2 ORDER BY id',
      [t(cluster), t(fingerprint)],
    );
    return r.rows.map((x) => ({ cluster: u(x.cluster), fingerprint: u(x.fingerprint), ruleId: u(x.rule_id), severity: severityFromOrder(x.sev), type: x.type as FindingEventType, at: x.at.toISOString() }));
  }

  async findingCounts(): Promise<Array<{ cluster: string; severity: Severity; ruleId: string; open: number }>> {
    const r = await this.pool.query<{ cluster: string; sev: number; rule_id: string; n: string }>(
      `SELECT cluster, sev, rule_id, COUNT(*) AS n FROM findings WHERE state = 'open' GROUP BY cluster, sev, rule_id ORDER BY cluster, sev, rule_id`,
    );
    return r.rows.map((x) => ({ cluster: u(x.cluster), severity: severityFromOrder(x.sev), ruleId: u(x.rule_id), open: Number(x.n) }));
  }

  async trend(q: TrendQuery): Promise<TrendPoint[]> {
    const days = trendDays(q.days, q.until);
    const first = days[0]!;
    const last = days[days.length - 1]!;
    const byCluster = q.cluster !== undefined;
    const before = (await this.pool.query<{ cluster: string; sev: number; open: string }>(
      `SELECT DISTINCT ON (t.cluster, t.sev) t.cluster, t.sev, t.open FROM trend_days t
        WHERE t.day < $1 ${byCluster ? 'AND t.cluster = $2' : ''}
          AND t.day = (SELECT MAX(day) FROM trend_days m WHERE m.cluster = t.cluster AND m.day < $1)`,
      byCluster ? [first, t(q.cluster!)] : [first],
    )).rows;
    const within = (await this.pool.query<{ cluster: string; day: string; sev: number; open: string }>(
      `SELECT cluster, day, sev, open FROM trend_days WHERE day >= $1 AND day <= $2 ${byCluster ? 'AND cluster = $3' : ''} ORDER BY day`,
      byCluster ? [first, last, t(q.cluster!)] : [first, last],
    )).rows;
    return buildTrend(
      days,
      before.map((r) => ({ cluster: r.cluster, sev: r.sev, open: Number(r.open) })),
      within.map((r) => ({ cluster: r.cluster, day: r.day, sev: r.sev, open: Number(r.open) })),
    );
  }

  async prune(policy: RetentionPolicy): Promise<number> {
    return this.tx(async (c) => {
      const resolvedBefore = date(policy.resolvedBefore);
      let n = (await c.query(
        `DELETE FROM finding_events e USING findings f
          WHERE f.state = 'resolved' AND f.resolved_at < $1 AND e.cluster = f.cluster AND e.fingerprint = f.fingerprint`,
        [resolvedBefore],
      )).rowCount ?? 0;
      n += (await c.query(`DELETE FROM findings WHERE state = 'resolved' AND resolved_at < $1`, [resolvedBefore])).rowCount ?? 0;
      n += (await c.query('DELETE FROM finding_events WHERE at < $1', [date(policy.eventsBefore)])).rowCount ?? 0;
      return n;
    });
  }

  // --- Suppressions ---

  async addSuppression(s: SuppressionInput, at: Date): Promise<Suppression> {
    const r = await this.pool.query<SuppressionRow>(
      `INSERT INTO suppressions (id, fingerprint, rule_id, cluster, namespace, reason, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [randomUUID(), tn(s.fingerprint), tn(s.ruleId), tn(s.cluster), tn(s.namespace), t(s.reason), t(s.createdBy), date(at), dateText(s.expiresAt)],
    );
    return toSuppression(r.rows[0]!);
  }

  async listSuppressions(at: Date, all?: boolean): Promise<Suppression[]> {
    const r = all
      ? await this.pool.query<SuppressionRow>('SELECT * FROM suppressions ORDER BY created_at, id')
      : await this.pool.query<SuppressionRow>('SELECT * FROM suppressions WHERE revoked_at IS NULL AND expires_at > $1 ORDER BY created_at, id', [date(at)]);
    return r.rows.map(toSuppression);
  }

  async revokeSuppression(id: string, by: string, at: Date): Promise<boolean> {
    const r = await this.pool.query('UPDATE suppressions SET revoked_at = $3, revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL', [t(id), t(by), date(at)]);
    return r.rowCount === 1;
  }
}

interface SuppressionRow {
  id: string;
  fingerprint: string | null;
  rule_id: string | null;
  cluster: string | null;
  namespace: string | null;
  reason: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

function cursorOf(row: ClusterRow): Cursor {
  return { cluster: u(row.name), epoch: un(row.epoch), seq: Number(row.seq), snapshotComplete: row.snapshot_complete };
}

function toClusterRecord(row: ClusterRow): ClusterRecord {
  const seq = Number(row.seq);
  return {
    name: u(row.name),
    createdAt: row.created_at.toISOString(),
    revokedAt: isoOut(row.revoked_at),
    agentVersion: un(row.agent_version),
    lastSeenAt: isoOut(row.last_seen_at),
    clockSkewMs: row.clock_skew_ms === null ? null : Number(row.clock_skew_ms),
    cursor: cursorOf(row),
    objects: Number(row.object_count),
    kinds: parseKinds(row.kinds),
    lastIngestAt: isoOut(row.last_ingest_at),
    lastAnalysisAt: isoOut(row.last_analysis_at),
    analysisBacklog: row.epoch === null ? 0 : row.analysed_epoch === row.epoch ? Math.max(0, seq - Number(row.analysed_seq)) : seq,
  };
}

function parseKinds(s: string): WireKindStatus[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? (v as WireKindStatus[]) : [];
  } catch {
    return [];
  }
}

function toStoredObject(r: { kind: string; namespace: string; name: string; body: string; stored_at: Date }): StoredObject {
  return { key: { kind: u(r.kind), namespace: u(r.namespace), name: u(r.name) }, object: JSON.parse(r.body), storedAt: r.stored_at.toISOString() };
}

/**
 * A finding row as read: an open finding was seen by the cluster's latest analysis (recordAnalysis
 * leaves unchanged open rows alone), so its last_seen_at is that analysis's time.
 */
const FINDING_COLUMNS = `findings.*, CASE WHEN findings.state = 'open' THEN (SELECT c.last_analysis_at FROM clusters c WHERE c.name = findings.cluster) END AS seen_at`;

function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

function toFindingRecord(r: FindingRow & { seen_at?: Date | null }): FindingRecord {
  const b = JSON.parse(r.body) as FindingBody;
  return {
    fingerprint: u(r.fingerprint),
    ruleId: u(r.rule_id),
    severity: severityFromOrder(r.sev),
    title: b.title,
    message: b.message,
    remediation: b.remediation,
    resource: b.resource,
    location: b.location,
    evidence: b.evidence,
    ...(b.seenInTraffic ? { seenInTraffic: b.seenInTraffic } : {}),
    cluster: u(r.cluster),
    namespace: u(r.namespace),
    state: r.state as FindingState,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: (r.seen_at ?? r.last_seen_at).toISOString(),
    resolvedAt: isoOut(r.resolved_at),
    reopened: r.reopened,
  };
}

function toSuppression(r: SuppressionRow): Suppression {
  return {
    id: u(r.id),
    fingerprint: un(r.fingerprint),
    ruleId: un(r.rule_id),
    cluster: un(r.cluster),
    namespace: un(r.namespace),
    reason: u(r.reason),
    createdBy: u(r.created_by),
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    revokedAt: isoOut(r.revoked_at),
    revokedBy: un(r.revoked_by),
  };
}
