/**
 * Coordination of several `meshward server` replicas through the PostgreSQL they already share
 * (issue 17): no other coordination service.
 *
 * Leases, not advisory locks. A session advisory lock lives as long as one connection: it needs a
 * connection pinned per replica, it has no expiry we control (a hung replica whose TCP connection
 * stays up keeps its clusters for as long as the kernel's keepalive allows), and it carries no
 * fencing token, so a replica that lost it cannot be stopped from writing afterwards. A lease row
 * (name, holder, generation, expires_at) is taken and renewed by single SQL statements on any pooled
 * connection, expires on the database's clock (replica clocks do not matter), is visible to an
 * operator (`SELECT * FROM replica_leases`), and its generation is a fencing token: every write of
 * analysis results checks it in the writing transaction (checkFence), so a replica that lost a lease
 * cannot overwrite a newer holder's results.
 *
 * - take: INSERT ... ON CONFLICT DO UPDATE ... WHERE expires_at <= now(): a free or expired lease
 *   goes to exactly one caller, with generation + 1.
 * - renew: UPDATE ... WHERE holder = me AND generation = mine: only the current holder extends it.
 * - release: expires it now (the row and its generation stay, so generations only grow).
 * - checkFence: SELECT ... FOR SHARE inside the writer's transaction: a concurrent take waits for
 *   the write to commit, and a write after a take finds another generation and fails (LeaseLostError).
 *
 * Members (replica_members) are the replicas alive now, heartbeated with the leases: each replica
 * holds about its share (clusters / live replicas) so a new replica gets work and a dead one's
 * clusters spread over the rest.
 */
import pg from 'pg';
import type { WriteFence } from './types.js';
import { pgText, pgUntext } from './postgres.js';

export { REPLICA_MIGRATIONS } from './schema-replicas-postgres.js';

/** The channel replicas announce stored batches on (NOTIFY payload: see src/server/replicas/notify.ts). */
export const CHANGES_CHANNEL = 'meshward_changes';

/** A write was refused because the writer no longer holds the lease it was fenced with. */
export class LeaseLostError extends Error {
  constructor(fence: WriteFence) {
    super(`lease ${JSON.stringify(fence.lease)} generation ${fence.generation} is no longer held by ${JSON.stringify(fence.holder)}: another replica took it; results not written`);
    this.name = 'LeaseLostError';
  }
}

export interface Lease {
  name: string;
  holder: string;
  generation: number;
  /** On the database's clock. */
  expiresAt: Date;
  /** Milliseconds left, measured by the database (negative: expired). */
  remainingMs: number;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The fencing check, run inside the writer's transaction before it writes (the row stays share-locked until commit). */
export async function checkFence(c: Queryable, fence: WriteFence): Promise<void> {
  const r = await c.query('SELECT 1 FROM replica_leases WHERE name = $1 AND holder = $2 AND generation = $3 FOR SHARE', [pgText(fence.lease), pgText(fence.holder), fence.generation]);
  if (r.rowCount !== 1) throw new LeaseLostError(fence);
}

interface LeaseRow {
  name: string;
  holder: string;
  generation: string;
  expires_at: Date;
  remaining_ms: number;
}

function toLease(r: LeaseRow): Lease {
  return { name: pgUntext(r.name), holder: pgUntext(r.holder), generation: Number(r.generation), expiresAt: r.expires_at, remainingMs: Number(r.remaining_ms) };
}

const RETURNING = `RETURNING name, holder, generation, expires_at, (EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::float8 AS remaining_ms`;

function ttl(ms: number): number {
  if (!Number.isInteger(ms) || ms < 100 || ms > 24 * 3600 * 1000) throw new RangeError(`a lease period must be a whole number of milliseconds from 100 to 86400000, not ${ms}`);
  return ms;
}

/** Lease and membership statements on a small pool of their own (apart from the store's, so a busy store never delays a renewal). */
export class PostgresLeases {
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(connectionString: string, poolSize = 3) {
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    this.pool.on('error', () => {});
  }

  /** Takes each named lease that is free or expired, for `ttlMs`; returns those this call got (generation + 1 each). */
  async take(names: readonly string[], holder: string, ttlMs: number): Promise<Lease[]> {
    if (names.length === 0) return [];
    const r = await this.pool.query<LeaseRow>(
      `INSERT INTO replica_leases AS l (name, holder, generation, expires_at, acquired_at)
         SELECT x.name, $2, 1, now() + $3 * interval '1 millisecond', now() FROM unnest($1::text[]) AS x(name)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, generation = l.generation + 1, expires_at = excluded.expires_at, acquired_at = excluded.acquired_at
         WHERE l.expires_at <= now()
       ${RETURNING}`,
      [names.map(pgText), pgText(holder), ttl(ttlMs)],
    );
    return r.rows.map(toLease);
  }

  /** Extends the leases `holder` still holds at the given generations; returns those extended (the rest are lost). */
  async renew(holder: string, held: ReadonlyArray<{ name: string; generation: number }>, ttlMs: number): Promise<Lease[]> {
    if (held.length === 0) return [];
    const r = await this.pool.query<LeaseRow>(
      `UPDATE replica_leases l SET expires_at = now() + $4 * interval '1 millisecond'
         FROM unnest($2::text[], $3::bigint[]) AS x(name, generation)
        WHERE l.name = x.name AND l.generation = x.generation AND l.holder = $1
       RETURNING l.name, l.holder, l.generation, l.expires_at, (EXTRACT(EPOCH FROM (l.expires_at - now())) * 1000)::float8 AS remaining_ms`,
      [pgText(holder), held.map((h) => pgText(h.name)), held.map((h) => h.generation), ttl(ttlMs)],
    );
    return r.rows.map(toLease);
  }

  /** Ends leases now (a graceful shutdown, or handing work to a new replica): the next taker gets them at once. */
  async release(holder: string, held: ReadonlyArray<{ name: string; generation: number }>): Promise<number> {
    if (held.length === 0) return 0;
    const r = await this.pool.query(
      `UPDATE replica_leases l SET expires_at = now() - interval '1 millisecond'
         FROM unnest($2::text[], $3::bigint[]) AS x(name, generation)
        WHERE l.name = x.name AND l.generation = x.generation AND l.holder = $1`,
      [pgText(holder), held.map((h) => pgText(h.name)), held.map((h) => h.generation)],
    );
    return r.rowCount ?? 0;
  }

  async list(): Promise<Lease[]> {
    const r = await this.pool.query<LeaseRow>(`SELECT name, holder, generation, expires_at, (EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::float8 AS remaining_ms FROM replica_leases ORDER BY name`);
    return r.rows.map(toLease);
  }

  /** Marks `holder` alive for `ttlMs` and returns the replicas alive now (itself included). */
  async heartbeat(holder: string, ttlMs: number): Promise<string[]> {
    await this.pool.query(
      `INSERT INTO replica_members (holder, started_at, expires_at) VALUES ($1, now(), now() + $2 * interval '1 millisecond')
       ON CONFLICT (holder) DO UPDATE SET expires_at = excluded.expires_at`,
      [pgText(holder), ttl(ttlMs)],
    );
    // Replicas gone for a day are forgotten (each start has a new id by default).
    await this.pool.query(`DELETE FROM replica_members WHERE expires_at < now() - interval '1 day'`);
    const r = await this.pool.query<{ holder: string }>('SELECT holder FROM replica_members WHERE expires_at > now() ORDER BY holder');
    return r.rows.map((x) => pgUntext(x.holder));
  }

  /** A replica leaving: no longer counted when shares are computed. */
  async leave(holder: string): Promise<void> {
    await this.pool.query('DELETE FROM replica_members WHERE holder = $1', [pgText(holder)]);
  }

  /** Every cluster's stream position (the polling fallback compares it with what notifications said), and whether its findings are current. */
  async cursors(): Promise<Array<{ name: string; epoch: string | null; seq: number; snapshotComplete: boolean; revoked: boolean; analysed: boolean }>> {
    const r = await this.pool.query<{ name: string; epoch: string | null; seq: string; snapshot_complete: boolean; revoked: boolean; analysed: boolean }>(
      `SELECT name, epoch, seq, snapshot_complete, revoked_at IS NOT NULL AS revoked,
              (snapshot_complete AND analysed_epoch = epoch AND analysed_seq = seq) IS TRUE AS analysed
         FROM clusters ORDER BY name`,
    );
    return r.rows.map((x) => ({ name: pgUntext(x.name), epoch: x.epoch === null ? null : pgUntext(x.epoch), seq: Number(x.seq), snapshotComplete: x.snapshot_complete, revoked: x.revoked, analysed: x.analysed }));
  }

  /** When each cluster's telemetry document was stored (the polling fallback for telemetry notices). */
  async telemetryStamps(): Promise<Array<{ cluster: string; receivedAt: number }>> {
    const r = await this.pool.query<{ cluster: string; received_at: Date }>('SELECT cluster, received_at FROM telemetry');
    return r.rows.map((x) => ({ cluster: x.cluster, receivedAt: x.received_at.getTime() }));
  }

  /** Announces a stored batch to every replica (payload bounded and built by the caller). */
  async notify(payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]);
  }

  /** Stores the fleet pass's result (blast radius) for every replica's API, fenced by the fleet lease. */
  async saveFleetResult(fence: WriteFence, at: Date, body: string): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await checkFence(c, fence);
      await c.query(
        `INSERT INTO replica_fleet_result (id, computed_at, generation, body) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET computed_at = excluded.computed_at, generation = excluded.generation, body = excluded.body`,
        [at, fence.generation, body],
      );
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async loadFleetResult(): Promise<{ at: string; body: string } | null> {
    const r = await this.pool.query<{ computed_at: Date; body: string }>('SELECT computed_at, body FROM replica_fleet_result WHERE id = 1');
    return r.rows[0] ? { at: r.rows[0].computed_at.toISOString(), body: r.rows[0].body } : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
