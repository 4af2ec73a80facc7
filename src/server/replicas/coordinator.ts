/**
 * Several `meshward server --database postgres://...` replicas behind one Service (issue 17). Agents
 * connect to any replica; its ingest stores the batch in PostgreSQL and acknowledges after commit, as
 * a single server does. What this adds, through PostgreSQL only:
 *
 * - Which replica analyses which cluster: a lease per cluster (and one, FLEET_CLUSTER, for the fleet
 *   pass) in replica_leases (src/store/leases-postgres.ts). Every tick (a third of the lease period)
 *   a replica heartbeats its membership, renews what it holds, takes free or expired leases up to its
 *   share (clusters / live replicas, rounded up) and hands back what it holds beyond it. A replica
 *   that dies stops renewing: its leases expire within one lease period and the others, woken at the
 *   earliest expiry they saw, take them.
 * - Telling the holder that a batch arrived elsewhere: NOTIFY on CHANGES_CHANNEL after each stored
 *   batch (./notify.ts), received on one dedicated LISTEN connection. Notifications are not durable
 *   (a replica killed between commit and NOTIFY, a dropped LISTEN connection), so every tick also
 *   compares every cluster's stored cursor with the last one heard of: the polling fallback.
 * - Telemetry (issue 15) the same way: a replica that stores a cluster's traffic aggregates (an agent's
 *   report, or its own Prometheus query) sends a telemetry notice; the holder re-analyses the cluster
 *   (INS rules, "seen in traffic"). Every tick also compares each cluster's stored telemetry time with
 *   the last one heard of (the polling fallback). The server's own Prometheus queries run only where
 *   the cluster's lease is held (TelemetryPoller's `holds`), so N replicas do not query N times.
 * - Fencing: analysis writes carry the lease's generation (./fence.ts); the store checks it in the
 *   writing transaction, so a replica that lost a lease cannot overwrite the new holder's results.
 * - The fleet pass's blast radius goes to PostgreSQL (replica_fleet_result) so every replica's API
 *   answers the same.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { pino } from 'pino';
import { FLEET_CLUSTER, type WriteFence } from '../../store/types.js';
import { CHANGES_CHANNEL, PostgresLeases, type Lease } from '../../store/leases-postgres.js';
import type { BlastRadius } from '../../multicluster/blast-radius.js';
import { decodeNotice, decodeTelemetryNotice, encodeNotice, encodeTelemetryNotice, type ChangeNotice, type StoredInfo, type TelemetryNotice } from './notify.js';

export const DEFAULT_LEASE_MS = 15_000;
export const MIN_LEASE_MS = 1_000;
export const MAX_LEASE_MS = 10 * 60_000;

export interface ReplicaOptions {
  connectionString: string;
  /** This replica's name in the leases table (default: host name and a random suffix, new each start). */
  replicaId?: string;
  /** How long a lease lasts without renewal (default 15 s); renewed every third of it. */
  leaseMs?: number;
  log: pino.Logger;
}

/** What the coordinator asks of the analysis (src/server/analysis.ts). */
export interface ReplicaAnalysisHooks {
  onStored(cluster: string, info?: StoredInfo): void;
  scheduleFleet(): void;
  /** New telemetry for a held cluster: re-run its rules over the kept model (absent: onStored, a reload). */
  onTelemetry?(cluster: string): void;
  /** A snapshot part of any cluster was stored, held here or not: a snapshot flood is fleet-wide (Analysis SNAPSHOT_QUIET_MS). */
  snapshotPartStored?(cluster: string): void;
}

export function defaultReplicaId(): string {
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '').slice(0, 60) || 'replica';
  return `${host}-${randomBytes(4).toString('hex')}`;
}

interface Held {
  generation: number;
  /** performance.now() before which the lease is surely still ours (the request's send time plus what the database said was left). */
  validUntil: number;
}

interface Known {
  epoch: string | null;
  seq: number;
  complete: boolean;
}

export class ReplicaCoordinator {
  readonly id: string;
  readonly leaseMs: number;
  private readonly log: pino.Logger;
  private readonly connectionString: string;
  private readonly leases: PostgresLeases;
  private readonly held = new Map<string, Held>();
  /** Per cluster, the newest stored position this replica heard of (notification, its own ingest, or polling). */
  private readonly known = new Map<string, Known>();
  /** Clusters whose stored position was ahead of `known` at the last tick. */
  private behind = new Set<string>();
  /** Per cluster, the newest stored telemetry time (ms) this replica heard of; null until the first tick read them all. */
  private knownTelemetry: Map<string, number> | null = null;
  /** Clusters whose stored telemetry was newer than `knownTelemetry` at the last tick. */
  private telemetryBehind = new Set<string>();
  private analysis: ReplicaAnalysisHooks | null = null;
  private listener: pg.Client | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private closed = false;
  /** Replicas alive at the last tick (this one included). */
  members = 1;
  /** Counters for tests and logs. */
  readonly stats = { ticks: 0, taken: 0, lost: 0, released: 0, notices: 0, polled: 0, notifyFailures: 0, telemetryNotices: 0, telemetryPolled: 0 };

  constructor(opts: ReplicaOptions) {
    this.id = opts.replicaId ?? defaultReplicaId();
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < MIN_LEASE_MS || this.leaseMs > MAX_LEASE_MS) {
      throw new RangeError(`the lease period must be from ${MIN_LEASE_MS / 1000} s to ${MAX_LEASE_MS / 60_000} min, not ${this.leaseMs} ms`);
    }
    this.log = opts.log;
    this.connectionString = opts.connectionString;
    this.leases = new PostgresLeases(opts.connectionString);
  }

  attach(analysis: ReplicaAnalysisHooks): void {
    this.analysis = analysis;
  }

  /** Listens for notifications, then takes a first share of leases (before the server schedules analyses). */
  async start(): Promise<void> {
    await this.listen();
    await this.tick();
    this.log.info({ replica: this.id, leaseMs: this.leaseMs, replicas: this.members, held: this.heldClusters() }, 'replica coordination started');
  }

  // --- The analysis gate ---

  /** The fencing token for writing `lease`'s results, or null when this replica does not hold it (then it must not analyse). */
  fence(lease: string): WriteFence | null {
    const h = this.held.get(lease);
    if (!h || performance.now() >= h.validUntil) return null;
    return { lease, holder: this.id, generation: h.generation };
  }

  holds(lease: string): boolean {
    return this.fence(lease) !== null;
  }

  heldClusters(): string[] {
    return [...this.held.keys()].filter((n) => n !== FLEET_CLUSTER).sort();
  }

  /** After a fleet pass: its blast radius, for every replica's API (fenced by the fleet lease). */
  async fleetAnalysed(at: Date, radius: BlastRadius, fence: WriteFence): Promise<void> {
    await this.leases.saveFleetResult(fence, at, JSON.stringify(radius));
  }

  /** The last fleet pass's result, whichever replica ran it. */
  async sharedFleet(): Promise<{ at: string; radius: BlastRadius } | null> {
    const r = await this.leases.loadFleetResult();
    return r ? { at: r.at, radius: JSON.parse(r.body) as BlastRadius } : null;
  }

  // --- Changes ---

  /** Ingest stored a batch here (after commit): tell the others, and analyse it if the cluster is ours. */
  onLocalStored(cluster: string, info: StoredInfo): void {
    const payload = encodeNotice(this.id, cluster, info);
    if (payload !== null && !this.closed) {
      this.leases.notify(payload).catch((err: unknown) => {
        // The holder learns of the batch at its next poll instead.
        this.stats.notifyFailures++;
        this.log.warn({ cluster, err: errorLine(err) }, 'could not notify the other replicas of a stored batch; they see it at their next poll');
      });
    }
    const k = this.known.get(cluster);
    if (!k || k.epoch !== info.epoch || info.seq > k.seq) this.known.set(cluster, { epoch: info.epoch, seq: info.seq, complete: info.last || (k?.complete ?? false) });
    if (info.type === 'snapshot') this.analysis?.snapshotPartStored?.(cluster);
    if (this.holds(cluster)) this.analysis?.onStored(cluster, info);
    if (this.holds(FLEET_CLUSTER)) this.analysis?.scheduleFleet();
  }

  /** Telemetry was stored here (an agent's report, or this replica's own query): tell the others, and re-analyse if the cluster is ours. */
  onLocalTelemetry(cluster: string, receivedAt: string): void {
    const payload = encodeTelemetryNotice(this.id, cluster, receivedAt);
    if (payload !== null && !this.closed) {
      this.leases.notify(payload).catch((err: unknown) => {
        this.stats.notifyFailures++;
        this.log.warn({ cluster, err: errorLine(err) }, 'could not notify the other replicas of stored telemetry; they see it at their next poll');
      });
    }
    const at = Date.parse(receivedAt);
    if (this.knownTelemetry && Number.isFinite(at)) this.knownTelemetry.set(cluster, Math.max(at, this.knownTelemetry.get(cluster) ?? 0));
    if (this.holds(cluster)) this.telemetryChanged(cluster);
  }

  private onTelemetryNotice(n: TelemetryNotice): void {
    this.stats.telemetryNotices++;
    if (n.replica === this.id) return;
    const at = Date.parse(n.receivedAt);
    const k = this.knownTelemetry?.get(n.cluster);
    if (k !== undefined && at <= k) return;
    this.knownTelemetry?.set(n.cluster, at);
    if (this.holds(n.cluster)) this.telemetryChanged(n.cluster);
  }

  private telemetryChanged(cluster: string): void {
    if (this.analysis?.onTelemetry) this.analysis.onTelemetry(cluster);
    else this.analysis?.onStored(cluster);
  }

  private onNotice(n: ChangeNotice): void {
    this.stats.notices++;
    if (n.replica === this.id) return;
    const k = this.known.get(n.cluster);
    if (k && n.epoch !== null && k.epoch === n.epoch && n.seq <= k.seq) return;
    this.known.set(n.cluster, { epoch: n.epoch, seq: n.seq, complete: n.last || (k?.complete ?? false) });
    if (n.type === 'snapshot') this.analysis?.snapshotPartStored?.(n.cluster);
    if (this.holds(n.cluster)) {
      // Without the epoch the batch cannot be placed: the holder reloads the cluster.
      this.analysis?.onStored(n.cluster, n.epoch === null ? undefined : { epoch: n.epoch, seq: n.seq, type: n.type, last: n.last, changes: n.keys?.length ?? 0, keys: n.keys });
    }
    if (this.holds(FLEET_CLUSTER)) this.analysis?.scheduleFleet();
  }

  private async listen(): Promise<void> {
    const c = new pg.Client({ connectionString: this.connectionString });
    const lost = (why: string) => {
      if (this.listener !== c) return;
      this.listener = null;
      c.removeAllListeners('notification');
      c.end().catch(() => undefined);
      if (this.closed) return;
      this.log.warn({ err: why }, 'the notification connection to PostgreSQL dropped; polling until it is back');
      this.relistenTimer = setTimeout(() => {
        this.relistenTimer = null;
        this.listen()
          .then(() => this.kick())
          .catch(() => undefined);
      }, Math.min(1000, this.leaseMs / 3));
      this.relistenTimer.unref();
    };
    c.on('notification', (m) => {
      if (m.channel !== CHANGES_CHANNEL || typeof m.payload !== 'string') return;
      const n = decodeNotice(m.payload);
      if (n) return this.onNotice(n);
      const tn = decodeTelemetryNotice(m.payload);
      if (tn) this.onTelemetryNotice(tn);
    });
    c.on('error', (err) => lost(errorLine(err)));
    c.on('end', () => lost('connection ended'));
    this.listener = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGES_CHANNEL}`); // a fixed identifier, never input
    } catch (err) {
      lost(errorLine(err));
      if (this.listener === null && !this.relistenTimer) throw err;
    }
  }

  // --- Leases ---

  /** Runs a tick now (or right after the one running). */
  private kick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    return this.tick();
  }

  private tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.ticking = this.tickOnce()
      .catch((err: unknown) => {
        this.log.warn({ err: errorLine(err) }, 'replica coordination could not reach PostgreSQL; held leases stay usable until they expire, retrying');
      })
      .finally(() => {
        this.ticking = null;
        if (this.closed) return;
        if (this.tickAgain) {
          this.tickAgain = false;
          void this.tick();
          return;
        }
        this.tickTimer = setTimeout(() => void this.tick(), Math.floor(this.leaseMs / 3));
        this.tickTimer.unref();
      });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    this.stats.ticks++;
    const members = await this.leases.heartbeat(this.id, this.leaseMs);
    this.members = Math.max(1, members.length);

    // 1. Renew what we hold; what did not renew is lost (another replica took it after it expired).
    if (this.held.size > 0) {
      const sent = performance.now();
      const mine = [...this.held].map(([name, h]) => ({ name, generation: h.generation }));
      const renewed = new Map((await this.leases.renew(this.id, mine, this.leaseMs)).map((l) => [l.name, l]));
      const lost: string[] = [];
      for (const { name } of mine) {
        const l = renewed.get(name);
        // Lapsed here (PostgreSQL unreachable past the lease) but nobody took it: analyses refused
        // meanwhile dropped their changes, so the cluster is analysed again from the store.
        const lapsed = sent >= this.held.get(name)!.validUntil;
        if (l) {
          this.held.set(name, { generation: l.generation, validUntil: sent + l.remainingMs });
          if (lapsed && name !== FLEET_CLUSTER) this.analysis?.onStored(name);
          else if (lapsed) this.analysis?.scheduleFleet();
        } else {
          this.held.delete(name);
          lost.push(name);
        }
      }
      if (lost.length) {
        this.stats.lost += lost.length;
        this.log.warn({ replica: this.id, lost: lost.length, clusters: lost.slice(0, 20) }, 'leases lost (expired and taken by another replica); their analyses stop here');
      }
    }

    // 2. Where every cluster stands, and who holds what.
    const [cursors, all] = await Promise.all([this.leases.cursors(), this.leases.list()]);
    const leaseOf = new Map<string, Lease>(all.map((l) => [l.name, l]));
    const eligible = cursors.filter((c) => !c.revoked && c.name !== FLEET_CLUSTER);
    const current = new Set(cursors.filter((c) => c.analysed).map((c) => c.name));

    // 3. The polling fallback: a stored position nobody told us of by the next tick (a lost
    //    notification). One tick of grace: a batch committed just before this read usually has its
    //    notification on the way, and acting now would reload the cluster for nothing.
    let changed = false;
    const behind = new Set<string>();
    for (const c of cursors) {
      if (c.name === FLEET_CLUSTER) continue;
      const k = this.known.get(c.name);
      if (k && k.epoch === c.epoch && k.seq >= c.seq && k.complete === c.snapshotComplete) continue;
      if (!k) {
        // First sight (start, or a new cluster): taking its lease schedules it.
        this.known.set(c.name, { epoch: c.epoch, seq: c.seq, complete: c.snapshotComplete });
        continue;
      }
      if (!this.behind.has(c.name)) {
        behind.add(c.name);
        continue;
      }
      this.known.set(c.name, { epoch: c.epoch, seq: c.seq, complete: c.snapshotComplete });
      changed = true;
      this.stats.polled++;
      if (this.holds(c.name) && !c.revoked) this.analysis?.onStored(c.name);
    }
    this.behind = behind;
    if (changed && this.holds(FLEET_CLUSTER)) this.analysis?.scheduleFleet();

    // 4. Take free leases up to our share; hand back what we hold beyond it.
    const share = Math.ceil(eligible.length / this.members);
    const heldNow = this.heldClusters().length;
    const free = eligible.filter((c) => !this.held.has(c.name) && !((leaseOf.get(c.name)?.remainingMs ?? 0) > 0)).map((c) => c.name);
    const taken: Lease[] = [];
    if (heldNow < share && free.length > 0) {
      // Shuffled, so replicas starting together do not all reach for the same clusters first.
      taken.push(...(await this.leases.take(shuffle(free).slice(0, share - heldNow), this.id, this.leaseMs)));
    }
    const fleetLease = leaseOf.get(FLEET_CLUSTER);
    if (!this.held.has(FLEET_CLUSTER) && !((fleetLease?.remainingMs ?? 0) > 0)) taken.push(...(await this.leases.take([FLEET_CLUSTER], this.id, this.leaseMs)));
    const now = performance.now();
    for (const l of taken) {
      this.held.set(l.name, { generation: l.generation, validUntil: now + l.remainingMs - 50 });
      this.stats.taken++;
      if (l.name === FLEET_CLUSTER) this.analysis?.scheduleFleet();
      // A cluster whose stored findings are behind its stored objects (the old holder died with a
      // backlog): analysed now, from the store. One that is current waits for its next change (then a
      // full analysis builds this replica's model of it), so a takeover does not re-run every cluster.
      else if (!current.has(l.name)) this.analysis?.onStored(l.name);
    }
    const excess = this.heldClusters().length - share;
    let released = 0;
    if (excess > 0 && taken.length === 0) {
      const give = shuffle(this.heldClusters()).slice(0, excess);
      const back = give.map((name) => ({ name, generation: this.held.get(name)!.generation }));
      for (const name of give) this.held.delete(name);
      released = await this.leases.release(this.id, back);
      this.stats.released += released;
    }
    if (taken.length || released) {
      this.log.info({ replica: this.id, replicas: this.members, share, taken: taken.length, released, held: this.heldClusters().length, fleet: this.held.has(FLEET_CLUSTER) }, 'leases changed');
    }

    // 5. Telemetry stored without a notice we heard. After the leases, and on its own: a failure here
    //    must not stop a replica from renewing or taking its share.
    try {
      await this.pollTelemetry();
    } catch (err) {
      this.log.warn({ err: errorLine(err) }, 'could not read the stored telemetry times; trying again next tick');
    }

    // 6. Wake up when the earliest lease held elsewhere expires: a dead replica's clusters move within one lease period.
    let soonest = Infinity;
    for (const l of all) if (l.holder !== this.id && l.remainingMs > 0) soonest = Math.min(soonest, l.remainingMs);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (soonest < this.leaseMs / 3) {
      this.wakeTimer = setTimeout(() => {
        this.wakeTimer = null;
        void this.kick();
      }, Math.ceil(soonest) + 20);
      this.wakeTimer.unref();
    }
  }

  /**
   * The polling fallback for telemetry notices, with the same tick of grace as batches. The first
   * tick only learns where every cluster stands (taking a lease schedules a full analysis anyway).
   */
  private async pollTelemetry(): Promise<void> {
    const stamps = await this.leases.telemetryStamps();
    if (this.knownTelemetry === null) {
      this.knownTelemetry = new Map(stamps.map((x) => [x.cluster, x.receivedAt]));
      return;
    }
    const behind = new Set<string>();
    for (const { cluster, receivedAt } of stamps) {
      const k = this.knownTelemetry.get(cluster);
      if (k !== undefined && k >= receivedAt) continue;
      if (!this.telemetryBehind.has(cluster)) {
        behind.add(cluster);
        continue;
      }
      this.knownTelemetry.set(cluster, receivedAt);
      this.stats.telemetryPolled++;
      if (this.holds(cluster)) this.telemetryChanged(cluster);
    }
    this.telemetryBehind = behind;
  }

  /** Stops: hands back every lease (the others take them at their next tick instead of after expiry) and leaves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.tickTimer, this.wakeTimer, this.relistenTimer]) if (t) clearTimeout(t);
    await this.ticking?.catch(() => undefined);
    const back = [...this.held].map(([name, h]) => ({ name, generation: h.generation }));
    this.held.clear();
    try {
      await this.leases.release(this.id, back);
      await this.leases.leave(this.id);
    } catch (err) {
      this.log.warn({ err: errorLine(err) }, 'could not hand back leases at shutdown; they expire within one lease period');
    }
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
    await this.leases.close();
  }
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function errorLine(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]!.slice(0, 200) : String(err).slice(0, 200);
  return `${name}: ${message}`;
}
