/**
 * The embedded store: one SQLite file under `--data DIR` (better-sqlite3, WAL). The driver is
 * synchronous and every call is short (indexed statements in one transaction), so the async
 * interface just wraps it; the one large read, `objects`, streams from its own read-only connection
 * inside a read transaction, so it sees one consistent state while ingest goes on.
 *
 * Durability: see docs/store.md. `synchronous = FULL` is the default (an acknowledged batch survives a
 * power loss as well as a kill -9); NORMAL is available for those who measured and accept the risk.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
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
  scopeHolds,
  scopeRules,
  objectKinds,
  skewOf,
  type FindingBody,
} from './common.js';
import { SQLITE_MIGRATIONS } from './schema-sqlite.js';
import { telemetryColumns, toTelemetryFreshness, toTelemetryRecord, type TelemetryRow } from './telemetry-rows.js';
import type { StoreBatch, TelemetryFreshness, TelemetryRecord } from './types.js';
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

export const SQLITE_FILE_NAME = 'meshward.db';

export interface SqliteStoreOptions {
  /** `--data DIR`: created if missing; the database is DIR/meshward.db. */
  dataDir: string;
  /** Default FULL (see docs/store.md for the measured cost of each). */
  synchronous?: 'FULL' | 'NORMAL';
}

interface ClusterRow {
  id: number;
  name: string;
  created_at: string;
  revoked_at: string | null;
  agent_version: string | null;
  last_seen_at: string | null;
  clock_skew_ms: number | null;
  epoch: string | null;
  seq: number;
  snapshot_complete: number;
  stream_gen: number;
  live_gen: number | null;
  live_epoch: string | null;
  object_count: number;
  staged_count: number;
  kinds: string;
  last_ingest_at: string | null;
  last_analysis_at: string | null;
  analysed_epoch: string | null;
  analysed_seq: number;
}

interface FindingRow {
  cluster: string;
  fingerprint: string;
  rule_id: string;
  sev: number;
  namespace: string;
  state: string;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  reopened: number;
  body: string;
}

interface SuppressionRow {
  id: string;
  fingerprint: string | null;
  rule_id: string | null;
  cluster: string | null;
  namespace: string | null;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** Thrown inside a transaction to roll it back when a batch would exceed maxObjects. */
class TooManyObjects extends Error {}

/** Longest list a findings filter may carry (each value is one bound parameter). */
const MAX_FILTER_VALUES = 500;
/** Rows fetched per step when streaming objects. */
const OBJECT_PAGE = 1000;

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  const store = new SqliteStore(opts);
  await store.migrate();
  return store;
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(opts.dataDir, SQLITE_FILE_NAME);
    this.db = new Database(this.file);
    // Sanitized, but still a map of every cluster's weaknesses: for the server's user only (SQLite
    // gives the -wal and -shm files the database file's permissions).
    chmodSync(this.file, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  /** One prepared statement per SQL text, reused. */
  private st(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const apply = this.db.transaction((version: number, sql: string) => {
      const done = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version);
      if (done) return;
      this.db.exec(sql);
      this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    });
    for (const m of SQLITE_MIGRATIONS) apply.immediate(m.version, m.sql);
  }

  /** Applied migration versions (for tests and `meshward server` diagnostics). */
  async schemaVersions(): Promise<number[]> {
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // --- Telemetry (its own table; ./telemetry-rows.ts) ---

  async putTelemetry(record: TelemetryRecord): Promise<void> {
    const c = telemetryColumns(record);
    // One statement: the revocation check and the write are atomic (no report lands after a revoke).
    // A cluster that is not registered is not refused: `server --prometheus CLUSTER=URL` may name one
    // whose agent has not enrolled yet.
    const res = this.st(
      `INSERT INTO telemetry (cluster, via, received_at, source_name, window_seconds, end_at, edge_count, interval_seconds, body)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM clusters WHERE name = ? AND revoked_at IS NOT NULL)
       ON CONFLICT (cluster) DO UPDATE SET via = excluded.via, received_at = excluded.received_at, source_name = excluded.source_name,
         window_seconds = excluded.window_seconds, end_at = excluded.end_at, edge_count = excluded.edge_count,
         interval_seconds = excluded.interval_seconds, body = excluded.body`,
    ).run(c.cluster, c.via, iso(c.receivedAt), c.sourceName, c.windowSeconds, c.end, c.edgeCount, c.intervalSeconds, c.body, c.cluster);
    if (res.changes === 0) throw new StoreRevokedClusterError(c.cluster);
  }

  async getTelemetry(cluster: string): Promise<TelemetryRecord | null> {
    const row = this.st('SELECT * FROM telemetry WHERE cluster = ?').get(cluster) as TelemetryRow | undefined;
    return row ? toTelemetryRecord(row) : null;
  }

  async telemetryFreshness(): Promise<TelemetryFreshness[]> {
    const rows = this.st('SELECT cluster, via, received_at, source_name, window_seconds, end_at, edge_count, interval_seconds FROM telemetry ORDER BY cluster').all() as TelemetryRow[];
    return rows.map(toTelemetryFreshness);
  }

  // --- Clusters and identity ---

  private clusterRow(name: string): ClusterRow | undefined {
    return this.st('SELECT * FROM clusters WHERE name = ?').get(name) as ClusterRow | undefined;
  }

  async createCluster(name: string, at: Date): Promise<ClusterRecord> {
    keyField('cluster name', name);
    const res = this.st('INSERT INTO clusters (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, iso(at));
    if (res.changes === 0) throw new StoreConflictError(`cluster ${JSON.stringify(name)} is already registered (revoked clusters keep their name)`);
    return toClusterRecord(this.clusterRow(name)!);
  }

  async getCluster(name: string): Promise<ClusterRecord | null> {
    const row = this.clusterRow(name);
    return row ? toClusterRecord(row) : null;
  }

  async listClusters(): Promise<ClusterRecord[]> {
    return (this.st('SELECT * FROM clusters ORDER BY name').all() as ClusterRow[]).map(toClusterRecord);
  }

  async revokeCluster(name: string, at: Date): Promise<boolean> {
    const row = this.clusterRow(name);
    if (!row) return false;
    // The traffic the revoked agent sent goes with its access: nothing it said is analysed or shown again.
    this.db.transaction(() => {
      this.st('UPDATE clusters SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(iso(at), row.id);
      this.st('DELETE FROM telemetry WHERE cluster = ?').run(name);
    })();
    return true;
  }

  async addBootstrapToken(cluster: string, tokenHash: string, expiresAt: Date): Promise<void> {
    keyField('token hash', tokenHash);
    const row = this.clusterRow(cluster);
    if (!row) throw new StoreUnknownClusterError(cluster);
    const res = this.st('INSERT INTO bootstrap_tokens (token_hash, cluster_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(tokenHash, row.id, iso(expiresAt));
    if (res.changes === 0) throw new StoreConflictError('a bootstrap token with this hash already exists; generate a new token');
  }

  async consumeBootstrapToken(tokenHash: string, at: Date, key?: string): Promise<string | null> {
    // One statement: the check and the use cannot be separated by another caller. A second use for the
    // same key keeps the first use's time and key.
    const k = key ?? null;
    const row = this.st(
      `UPDATE bootstrap_tokens SET used_at = COALESCE(used_at, ?), used_key = COALESCE(used_key, ?)
         WHERE token_hash = ? AND expires_at > ? AND (used_at IS NULL OR (used_key IS NOT NULL AND used_key = ?))
           AND cluster_id IN (SELECT id FROM clusters WHERE revoked_at IS NULL)
       RETURNING cluster_id`,
    ).get(iso(at), k, tokenHash, iso(at), k) as { cluster_id: number } | undefined;
    if (!row) return null;
    const c = this.st('SELECT name FROM clusters WHERE id = ?').get(row.cluster_id) as { name: string };
    return c.name;
  }

  async recordCertificate(cert: IssuedCertificate): Promise<void> {
    keyField('certificate serial', cert.serial);
    const row = this.clusterRow(cert.cluster);
    if (!row) throw new StoreUnknownClusterError(cert.cluster);
    const res = this.st('INSERT INTO certificates (serial, cluster_id, issued_at, not_after) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(cert.serial, row.id, isoText(cert.issuedAt), isoText(cert.notAfter));
    if (res.changes === 0) throw new StoreConflictError(`a certificate with serial ${cert.serial} was already issued`);
  }

  async listCertificates(cluster: string): Promise<IssuedCertificate[]> {
    const rows = this.st(
      `SELECT c.serial, c.issued_at, c.not_after FROM certificates c JOIN clusters k ON k.id = c.cluster_id
        WHERE k.name = ? ORDER BY c.issued_at, c.serial`,
    ).all(cluster) as Array<{ serial: string; issued_at: string; not_after: string }>;
    return rows.map((r) => ({ cluster, serial: r.serial, issuedAt: r.issued_at, notAfter: r.not_after }));
  }

  async touchCluster(name: string, at: Date, agentVersion: string, clockSkewMs: number | null): Promise<void> {
    this.st('UPDATE clusters SET last_seen_at = ?, agent_version = ?, clock_skew_ms = ? WHERE name = ?')
      .run(iso(at), String(agentVersion), skewOf(clockSkewMs), name);
  }

  // --- Ingest ---

  async applyBatch(cluster: string, batch: StoreBatch, at: Date, opts: ApplyBatchOptions): Promise<BatchOutcome> {
    checkBatch(batch);
    const maxObjects = checkMaxObjects(opts);
    const now = iso(at);
    const run = this.db.transaction((): BatchOutcome => {
      const row = this.clusterRow(cluster);
      if (!row) throw new StoreUnknownClusterError(cluster);
      if (row.revoked_at !== null) throw new StoreRevokedClusterError(cluster);
      if (opts.seen) this.st('UPDATE clusters SET last_seen_at = ?, agent_version = ?, clock_skew_ms = ? WHERE id = ?').run(now, String(opts.seen.agentVersion), skewOf(opts.seen.clockSkewMs), row.id);
      const cur = cursorOf(row);
      const folded = foldChanges(batch.changes);
      let gen: number;
      let count: number;
      const isSnapshot = batch.type === 'snapshot';
      if (batch.epoch === row.epoch) {
        if (batch.seq <= row.seq) return { status: 'duplicate', cursor: cur };
        if (batch.seq !== row.seq + 1) return { status: 'out-of-order', cursor: cur };
        if (isSnapshot === (row.snapshot_complete === 1)) return { status: 'out-of-order', cursor: cur };
        gen = isSnapshot ? row.stream_gen : row.live_gen!;
        count = isSnapshot ? row.staged_count : row.object_count;
      } else {
        // Only a snapshot's first part may open an epoch, and never one already superseded.
        if (!isSnapshot || batch.seq !== 1 || batch.epoch === row.live_epoch) return { status: 'out-of-order', cursor: cur };
        gen = row.stream_gen + 1;
        count = 0;
        // Staged parts of an abandoned epoch go; the complete epoch's objects stay until this one is complete.
        this.st('DELETE FROM objects WHERE cluster_id = ? AND gen IS NOT ?').run(row.id, row.live_gen);
        this.st('UPDATE clusters SET epoch = ?, seq = 0, snapshot_complete = 0, stream_gen = ?, staged_count = 0 WHERE id = ?')
          .run(batch.epoch, gen, row.id);
      }
      const del = this.st('DELETE FROM objects WHERE cluster_id = ? AND gen = ? AND kind = ? AND namespace = ? AND name = ?');
      const ins = this.st('INSERT OR IGNORE INTO objects (cluster_id, gen, kind, namespace, name, body, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const upd = this.st('UPDATE objects SET body = ?, stored_at = ? WHERE cluster_id = ? AND gen = ? AND kind = ? AND namespace = ? AND name = ?');
      for (const k of folded.deletes) count -= del.run(row.id, gen, k.kind, k.namespace, k.name).changes;
      for (const u of folded.upserts) {
        const k = u.key;
        if (ins.run(row.id, gen, k.kind, k.namespace, k.name, u.body, now).changes === 1) count++;
        else upd.run(u.body, now, row.id, gen, k.kind, k.namespace, k.name);
      }
      if (count > maxObjects) throw new TooManyObjects();
      const kinds = Array.isArray(batch.kinds) ? JSON.stringify(batch.kinds) : null;
      if (isSnapshot && batch.last === true) {
        this.st('DELETE FROM objects WHERE cluster_id = ? AND gen <> ?').run(row.id, gen);
        this.st(
          `UPDATE clusters SET seq = ?, snapshot_complete = 1, live_gen = ?, live_epoch = epoch, object_count = ?, staged_count = 0,
             kinds = COALESCE(?, kinds), last_ingest_at = ? WHERE id = ?`,
        ).run(batch.seq, gen, count, kinds, now, row.id);
      } else if (isSnapshot) {
        this.st('UPDATE clusters SET seq = ?, staged_count = ?, kinds = COALESCE(?, kinds), last_ingest_at = ? WHERE id = ?')
          .run(batch.seq, count, kinds, now, row.id);
      } else {
        this.st('UPDATE clusters SET seq = ?, object_count = ?, kinds = COALESCE(?, kinds), last_ingest_at = ? WHERE id = ?')
          .run(batch.seq, count, kinds, now, row.id);
      }
      return { status: 'stored', cursor: cursorOf(this.clusterRow(cluster)!) };
    });
    try {
      return run.immediate();
    } catch (e) {
      if (e instanceof TooManyObjects) return { status: 'too-many-objects', cursor: await this.cursor(cluster) };
      throw e;
    }
  }

  async cursor(cluster: string): Promise<Cursor> {
    const row = this.clusterRow(cluster);
    return row ? cursorOf(row) : { cluster, epoch: null, seq: 0, snapshotComplete: false };
  }

  objects(cluster: string, opts?: ObjectsOptions): AsyncIterable<StoredObject> {
    const file = this.file;
    const kinds = objectKinds(opts);
    return {
      async *[Symbol.asyncIterator]() {
        if (kinds !== null && kinds.length === 0) return;
        // Its own connection and read transaction: one consistent state, and the main connection
        // stays free for writes while a consumer awaits between objects.
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          db.pragma('busy_timeout = 5000');
          db.exec('BEGIN');
          const row = db.prepare('SELECT id, live_gen FROM clusters WHERE name = ?').get(cluster) as { id: number; live_gen: number | null } | undefined;
          if (!row || row.live_gen === null) return;
          type R = { kind: string; namespace: string; name: string; body: string; stored_at: string };
          if (kinds === null) {
            const first = db.prepare(
              `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = ? AND gen = ?
                ORDER BY kind, namespace, name LIMIT ?`,
            );
            const next = db.prepare(
              `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = ? AND gen = ? AND (kind, namespace, name) > (?, ?, ?)
                ORDER BY kind, namespace, name LIMIT ?`,
            );
            let rows = first.all(row.id, row.live_gen, OBJECT_PAGE) as R[];
            while (rows.length > 0) {
              for (const r of rows) yield toStoredObject(r);
              if (rows.length < OBJECT_PAGE) break;
              const l = rows[rows.length - 1]!;
              rows = next.all(row.id, row.live_gen, l.kind, l.namespace, l.name, OBJECT_PAGE) as R[];
            }
            return;
          }
          // Kind by kind, in key order: each is a range of the primary key (cluster_id, gen, kind, ...),
          // so only the asked kinds' rows are read.
          const first = db.prepare(
            `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = ? AND gen = ? AND kind = ?
              ORDER BY namespace, name LIMIT ?`,
          );
          const next = db.prepare(
            `SELECT kind, namespace, name, body, stored_at FROM objects WHERE cluster_id = ? AND gen = ? AND kind = ? AND (namespace, name) > (?, ?)
              ORDER BY namespace, name LIMIT ?`,
          );
          for (const kind of kinds) {
            let rows = first.all(row.id, row.live_gen, kind, OBJECT_PAGE) as R[];
            while (rows.length > 0) {
              for (const r of rows) yield toStoredObject(r);
              if (rows.length < OBJECT_PAGE) break;
              const l = rows[rows.length - 1]!;
              rows = next.all(row.id, row.live_gen, kind, l.namespace, l.name, OBJECT_PAGE) as R[];
            }
          }
        } finally {
          if (db.inTransaction) db.exec('COMMIT');
          db.close();
        }
      },
    };
  }

  async object(cluster: string, key: ObjectKey): Promise<StoredObject | null> {
    const r = this.st(
      `SELECT o.kind, o.namespace, o.name, o.body, o.stored_at FROM clusters c
         JOIN objects o ON o.cluster_id = c.id AND o.gen = c.live_gen
        WHERE c.name = ? AND o.kind = ? AND o.namespace = ? AND o.name = ?`,
    ).get(cluster, key.kind, key.namespace, key.name) as Parameters<typeof toStoredObject>[0] | undefined;
    return r ? toStoredObject(r) : null;
  }

  async markAnalysed(cluster: string, seq: number, epoch: string, at: Date): Promise<void> {
    this.st('UPDATE clusters SET analysed_epoch = ?, analysed_seq = ?, last_analysis_at = ? WHERE name = ?').run(epoch, seq, iso(at), cluster);
  }

  // --- Findings ---

  async recordAnalysis(cluster: string, findings: FindingInput[], at: Date, _fence?: WriteFence, scope?: AnalysisScope): Promise<AnalysisOutcome> {
    keyField('cluster name', cluster);
    const incoming = dedupeFindings(findings);
    const scoped = scopeRules(scope);
    const now = iso(at);
    const run = this.db.transaction((): AnalysisOutcome => {
      // When the previous analysis ran: the last time a finding resolved now was seen.
      const previous = (this.st('SELECT last_analysis_at FROM clusters WHERE name = ?').get(cluster) as { last_analysis_at: string | null } | undefined)?.last_analysis_at ?? null;
      // Scoped (an incremental analysis that recorded the previous one): only those rules' findings are read and compared.
      const rules = scoped && scopeHolds(scope!, previous) ? scoped : null;
      type Existing = { fingerprint: string; sev: number; state: string; rule_id: string; namespace: string; body: string };
      const existing = new Map<string, Existing>();
      const rows = rules
        ? this.st('SELECT fingerprint, sev, state, rule_id, namespace, body FROM findings WHERE cluster = ? AND rule_id IN (SELECT value FROM json_each(?))').all(cluster, JSON.stringify([...rules]))
        : this.st('SELECT fingerprint, sev, state, rule_id, namespace, body FROM findings WHERE cluster = ?').all(cluster);
      for (const r of rows as Existing[]) existing.set(r.fingerprint, r);
      const event = this.st('INSERT INTO finding_events (cluster, fingerprint, rule_id, sev, type, at) VALUES (?, ?, ?, ?, ?, ?)');
      const insert = this.st(
        `INSERT INTO findings (cluster, fingerprint, rule_id, sev, namespace, state, first_seen_at, last_seen_at, resolved_at, reopened, body)
         VALUES (?, ?, ?, ?, ?, 'open', ?, ?, NULL, 0, ?)`,
      );
      const update = this.st(
        `UPDATE findings SET rule_id = ?, sev = ?, namespace = ?, state = 'open', last_seen_at = ?, resolved_at = NULL,
           reopened = reopened + ?, body = ? WHERE cluster = ? AND fingerprint = ?`,
      );
      const out: AnalysisOutcome = { opened: 0, resolved: 0, reopened: 0, open: 0 };
      for (const f of incoming.values()) {
        if (rules && !rules.has(f.ruleId)) continue;
        const sev = severityOrder(f.severity);
        const prev = existing.get(f.fingerprint);
        const body = findingBody(f);
        const ns = findingNamespace(f);
        if (!prev) {
          insert.run(cluster, f.fingerprint, f.ruleId, sev, ns, now, now, body);
          event.run(cluster, f.fingerprint, f.ruleId, sev, 'opened', now);
          out.opened++;
        } else if (prev.state === 'resolved') {
          update.run(f.ruleId, sev, ns, now, 1, body, cluster, f.fingerprint);
          event.run(cluster, f.fingerprint, f.ruleId, sev, 'reopened', now);
          out.reopened++;
        } else if (prev.sev !== sev || prev.rule_id !== f.ruleId || prev.namespace !== ns || prev.body !== body) {
          update.run(f.ruleId, sev, ns, now, 0, body, cluster, f.fingerprint);
          if (prev.sev !== sev) event.run(cluster, f.fingerprint, f.ruleId, sev, 'severity-changed', now);
        }
        // An open finding found again unchanged is not rewritten: while open, its last_seen_at reads as
        // the cluster's last_analysis_at (FINDING_COLUMNS), so an analysis costs writes only for what changed.
      }
      const resolve = this.st(`UPDATE findings SET state = 'resolved', resolved_at = ?, last_seen_at = COALESCE(?, last_seen_at) WHERE cluster = ? AND fingerprint = ? RETURNING rule_id, sev`);
      for (const [fp, prev] of existing) {
        if (prev.state !== 'open' || incoming.has(fp)) continue;
        const r = resolve.get(now, previous, cluster, fp) as { rule_id: string; sev: number };
        event.run(cluster, fp, r.rule_id, r.sev, 'resolved', now);
        out.resolved++;
      }
      // After this analysis exactly the incoming findings are open (every other open one resolved): counted here, not queried.
      const bySev = zeroBySeverity();
      for (const f of incoming.values()) bySev[f.severity]++;
      out.open = incoming.size;
      const day = utcDay(at);
      const trend = this.st('INSERT INTO trend_days (cluster, day, sev, open) VALUES (?, ?, ?, ?) ON CONFLICT (cluster, day, sev) DO UPDATE SET open = excluded.open');
      for (const s of SEVERITIES) trend.run(cluster, day, severityOrder(s), bySev[s]);
      this.st('UPDATE clusters SET last_analysis_at = ? WHERE name = ?').run(now, cluster);
      return out;
    });
    return run.immediate();
  }

  async findings(q: FindingQuery): Promise<Page<FindingRecord>> {
    const limit = pageLimit(q.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const inList = (column: string, values: readonly unknown[] | undefined, name: string) => {
      if (values === undefined) return;
      if (!Array.isArray(values) || values.length > MAX_FILTER_VALUES || !values.every((v) => typeof v === 'string')) {
        throw new StoreInputError(`${name} must be a list of at most ${MAX_FILTER_VALUES} strings`);
      }
      if (values.length === 0) {
        where.push('0');
        return;
      }
      // One value: an equality, so the planner can walk an index in page order.
      where.push(values.length === 1 ? `${column} = ?` : `${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    inList('state', q.state ?? ['open'], 'state');
    inList('cluster', q.cluster, 'cluster');
    inList('namespace', q.namespace, 'namespace');
    inList('rule_id', q.ruleId, 'ruleId');
    if (q.severity !== undefined) {
      if (!Array.isArray(q.severity) || !q.severity.every(isSeverity)) throw new StoreInputError(`severity must be a list of ${SEVERITIES.join(', ')}`);
      if (q.severity.length === 0) where.push('0');
      else {
        const range = severityRange(q.severity);
        if (range) {
          where.push(range[0] === range[1] ? 'sev = ?' : 'sev BETWEEN ? AND ?');
          params.push(...(range[0] === range[1] ? [range[0]] : range));
        } else {
          where.push(`sev IN (${q.severity.map(() => '?').join(', ')})`);
          params.push(...q.severity.map(severityOrder));
        }
      }
    }
    if (q.cursor !== undefined && q.cursor !== null) {
      const p = decodePageCursor(q.cursor);
      where.push('(sev, cluster, rule_id, fingerprint) > (?, ?, ?, ?)');
      params.push(p.sev, p.cluster, p.ruleId, p.fingerprint);
    }
    const sql = `SELECT ${FINDING_COLUMNS} FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY sev, cluster, rule_id, fingerprint LIMIT ?`;
    params.push(limit + 1);
    const rows = this.st(sql).all(...params) as FindingRow[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toFindingRecord);
    const last = rows[limit - 1];
    return {
      items,
      next: more && last ? encodePageCursor({ sev: last.sev, cluster: last.cluster, ruleId: last.rule_id, fingerprint: last.fingerprint }) : null,
    };
  }

  async finding(cluster: string, fingerprint: string): Promise<FindingRecord | null> {
    const r = this.st(`SELECT ${FINDING_COLUMNS} FROM findings WHERE cluster = ? AND fingerprint = ?`).get(cluster, fingerprint) as FindingRow | undefined;
    return r ? toFindingRecord(r) : null;
  }

  async findingEvents(cluster: string, fingerprint: string): Promise<FindingEvent[]> {
    const rows = this.st('SELECT cluster, fingerprint, rule_id, sev, type, at FROM finding_events WHERE cluster = ? AND fingerprint = ? ORDER BY id')
      .all(cluster, fingerprint) as Array<{ cluster: string; fingerprint: string; rule_id: string; sev: number; type: string; at: string }>;
    return rows.map((r) => ({ cluster: r.cluster, fingerprint: r.fingerprint, ruleId: r.rule_id, severity: severityFromOrder(r.sev), type: r.type as FindingEventType, at: r.at }));
  }

  async findingCounts(): Promise<Array<{ cluster: string; severity: Severity; ruleId: string; open: number }>> {
    const rows = this.st(
      `SELECT cluster, sev, rule_id, COUNT(*) AS n FROM findings WHERE state = 'open' GROUP BY cluster, sev, rule_id ORDER BY cluster, sev, rule_id`,
    ).all() as Array<{ cluster: string; sev: number; rule_id: string; n: number }>;
    return rows.map((r) => ({ cluster: r.cluster, severity: severityFromOrder(r.sev), ruleId: r.rule_id, open: r.n }));
  }

  async trend(q: TrendQuery): Promise<TrendPoint[]> {
    const days = trendDays(q.days, q.until);
    const first = days[0]!;
    const last = days[days.length - 1]!;
    const clusterFilter = q.cluster !== undefined ? 'AND cluster = ?' : '';
    const cp = q.cluster !== undefined ? [q.cluster] : [];
    // Each cluster's last figures before the window carry into it; then its days within the window.
    const before = this.st(
      `SELECT t.cluster, t.sev, t.open FROM trend_days t
         JOIN (SELECT cluster, MAX(day) AS day FROM trend_days WHERE day < ? ${clusterFilter} GROUP BY cluster) b
           ON b.cluster = t.cluster AND b.day = t.day`,
    ).all(first, ...cp) as Array<{ cluster: string; sev: number; open: number }>;
    const within = this.st(
      `SELECT cluster, day, sev, open FROM trend_days WHERE day >= ? AND day <= ? ${clusterFilter} ORDER BY day`,
    ).all(first, last, ...cp) as Array<{ cluster: string; day: string; sev: number; open: number }>;
    return buildTrend(days, before, within);
  }

  async prune(policy: RetentionPolicy): Promise<number> {
    const run = this.db.transaction((): number => {
      const resolvedBefore = iso(policy.resolvedBefore);
      let n = this.st(
        `DELETE FROM finding_events WHERE (cluster, fingerprint) IN
           (SELECT cluster, fingerprint FROM findings WHERE state = 'resolved' AND resolved_at < ?)`,
      ).run(resolvedBefore).changes;
      n += this.st(`DELETE FROM findings WHERE state = 'resolved' AND resolved_at < ?`).run(resolvedBefore).changes;
      n += this.st('DELETE FROM finding_events WHERE at < ?').run(iso(policy.eventsBefore)).changes;
      return n;
    });
    return run.immediate();
  }

  // --- Suppressions ---

  async addSuppression(s: SuppressionInput, at: Date): Promise<Suppression> {
    const id = randomUUID();
    this.st(
      `INSERT INTO suppressions (id, fingerprint, rule_id, cluster, namespace, reason, created_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, s.fingerprint ?? null, s.ruleId ?? null, s.cluster ?? null, s.namespace ?? null, s.reason, s.createdBy, iso(at), isoText(s.expiresAt));
    return toSuppression(this.st('SELECT * FROM suppressions WHERE id = ?').get(id) as SuppressionRow);
  }

  async listSuppressions(at: Date, all?: boolean): Promise<Suppression[]> {
    const rows = all
      ? (this.st('SELECT * FROM suppressions ORDER BY created_at, id').all() as SuppressionRow[])
      : (this.st('SELECT * FROM suppressions WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id').all(iso(at)) as SuppressionRow[]);
    return rows.map(toSuppression);
  }

  async revokeSuppression(id: string, by: string, at: Date): Promise<boolean> {
    return this.st('UPDATE suppressions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL').run(iso(at), by, id).changes === 1;
  }
}

// --- shared row mapping (also used by the PostgreSQL store through common shapes) ---

function iso(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new StoreInputError('a time must be a valid Date');
  return d.toISOString();
}

/** ISO text from the caller (IssuedCertificate, SuppressionInput): normalized, refused when not a time. */
function isoText(s: string): string {
  const t = typeof s === 'string' ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) throw new StoreInputError(`not an ISO 8601 time: ${JSON.stringify(String(s)).slice(0, 80)}`);
  return new Date(t).toISOString();
}

function cursorOf(row: ClusterRow): Cursor {
  return { cluster: row.name, epoch: row.epoch, seq: row.seq, snapshotComplete: row.snapshot_complete === 1 };
}

function backlog(epoch: string | null, seq: number, analysedEpoch: string | null, analysedSeq: number): number {
  if (epoch === null) return 0;
  return analysedEpoch === epoch ? Math.max(0, seq - analysedSeq) : seq;
}

function toClusterRecord(row: ClusterRow): ClusterRecord {
  return {
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    agentVersion: row.agent_version,
    lastSeenAt: row.last_seen_at,
    clockSkewMs: row.clock_skew_ms,
    cursor: cursorOf(row),
    objects: row.object_count,
    kinds: parseKinds(row.kinds),
    lastIngestAt: row.last_ingest_at,
    lastAnalysisAt: row.last_analysis_at,
    analysisBacklog: backlog(row.epoch, row.seq, row.analysed_epoch, row.analysed_seq),
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

function toStoredObject(r: { kind: string; namespace: string; name: string; body: string; stored_at: string }): StoredObject {
  return { key: { kind: r.kind, namespace: r.namespace, name: r.name }, object: JSON.parse(r.body), storedAt: r.stored_at };
}

/**
 * A finding row as read: an open finding was seen by the cluster's latest analysis (recordAnalysis
 * leaves unchanged open rows alone), so its last_seen_at is that analysis's time.
 */
const FINDING_COLUMNS = `*, CASE WHEN state = 'open' THEN (SELECT c.last_analysis_at FROM clusters c WHERE c.name = findings.cluster) END AS seen_at`;

function toFindingRecord(r: FindingRow & { seen_at?: string | null }): FindingRecord {
  const b = JSON.parse(r.body) as FindingBody;
  return {
    fingerprint: r.fingerprint,
    ruleId: r.rule_id,
    severity: severityFromOrder(r.sev),
    title: b.title,
    message: b.message,
    remediation: b.remediation,
    resource: b.resource,
    location: b.location,
    evidence: b.evidence,
    ...(b.seenInTraffic ? { seenInTraffic: b.seenInTraffic } : {}),
    cluster: r.cluster,
    namespace: r.namespace,
    state: r.state as FindingState,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.seen_at ?? r.last_seen_at,
    resolvedAt: r.resolved_at,
    reopened: r.reopened,
  };
}

function toSuppression(r: SuppressionRow): Suppression {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    ruleId: r.rule_id,
    cluster: r.cluster,
    namespace: r.namespace,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

