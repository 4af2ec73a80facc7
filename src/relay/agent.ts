/**
 * The relay agent: reads its cluster through the informer cache (src/cluster/informer.ts) and pushes
 * what the rules read to the server, outward only.
 *
 *   start ──▶ GET /v1/cursor ──▶ resume (same epoch, the next batch is still held) or resync
 *   resync: new epoch, the cache's objects at one instant cut into snapshot parts, the last one `last`
 *   then:   deltas from the cache's changes, coalesced per object in a bounded queue, sent every
 *           `flushIntervalMs` or `flushChanges` changes, whichever comes first
 *
 * One batch is in flight at a time and leaves memory only once acknowledged (the server acks after
 * its store committed it). Any doubt (a dropped connection, a 409, an ack that does not match) is
 * settled by asking for the cursor: the batch is resent when the server has the one before it, dropped
 * when the server has it already, and anything else is a resync. A queue past its bound is a resync too:
 * the cache holds the current state, so nothing is lost, and memory stays bounded.
 *
 * Failures: connection errors, 5xx and `unavailable` back off exponentially with full jitter (capped);
 * 429 waits the server's Retry-After; 401 (the certificate is not accepted) and 403 (revoked, or a
 * certificate for another cluster) stop it with a clear error: retrying cannot help. Renewal happens
 * before expiry, on a timer (`renewCheckMs`), never as a reaction to a refusal.
 */
import { randomBytes } from 'node:crypto';
import type { CacheChange, ClusterCache } from '../cluster/cache-types.js';
import type { AgentIdentity } from './identity-types.js';
import { RELAY_LIMITS, RELAY_PROTOCOL_VERSION, type Batch, type Change, type Cursor, type RelayError } from './protocol.js';
import { DeltaQueue, DEFAULT_QUEUE_BOUNDS, type QueueBounds } from './queue.js';
import { batchBytes, batchJson, kindStatuses, MAX_PART_BYTES, SnapshotPlan, wireKey, wireKeyString, toWireObject } from './snapshot.js';
import { HttpsTransport, TransportFailure, type RelayClient, type Reply } from './transport.js';

/** The agent cannot go on: revoked, refused, or misconfigured. The message says which and what to do. */
export class AgentFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentFatalError';
  }
}

/** The part of a pino logger the agent uses (JSON lines; never a body or a secret). */
export interface AgentLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AgentOptions {
  cluster: string;
  agentVersion: string;
  cache: ClusterCache;
  client: RelayClient;
  /** Renewal on the renewal timer; absent with fixed credentials. */
  identity?: Pick<AgentIdentity, 'renewIfDue'>;
  log: AgentLog;
  queueBounds?: QueueBounds;
  /** Longest a change waits in the queue before it is sent (ms). */
  flushIntervalMs?: number;
  /** Changes that trigger a send at once. */
  flushChanges?: number;
  /** Most changes per batch (at most RELAY_LIMITS.maxChangesPerBatch). */
  maxBatchChanges?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Longest wait a 429 Retry-After is honoured for (a hostile or broken server cannot park the agent for a day). */
  maxRetryAfterMs?: number;
  /** An empty delta after this long without sending: the server sees the agent alive, kinds refreshed. */
  heartbeatMs?: number;
  /** How often renewal is asked for (the identity renews only when due). */
  renewCheckMs?: number;
  random?: () => number;
  now?: () => Date;
}

export interface AgentStats {
  epoch: string | null;
  /** Last acknowledged seq of `epoch`. */
  acked: number;
  snapshotComplete: boolean;
  resyncs: number;
  batchesAcked: number;
  changesAcked: number;
  /** Snapshot objects left out because one alone is over the object limit. */
  oversized: number;
  queued: number;
  lastError: string | null;
  /** Wall-clock ms of the last acknowledged batch (heartbeats included), or null before the first: readiness reads it. */
  lastAckAt: number | null;
}

type Wake = () => void;

export class RelayAgent {
  private readonly o: Required<Omit<AgentOptions, 'identity' | 'queueBounds'>> & Pick<AgentOptions, 'identity'>;
  private readonly queue: DeltaQueue;
  private epoch: string | null = null;
  private nextSeq = 1;
  private plan: SnapshotPlan | null = null;
  private inflight: Batch | null = null;
  private lastSentAt = -Infinity;
  private snapshotTotal = 0;
  private lastKinds = '';
  private lastRenewCheck = -Infinity;
  private attempt = 0;
  private stopped = false;
  private wake: Wake | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly ackListeners = new Set<(s: AgentStats, batch: Batch) => void>();
  private readonly retryListeners = new Set<(reason: string) => void>();
  private readonly counters: AgentStats = { epoch: null, acked: 0, snapshotComplete: false, resyncs: 0, batchesAcked: 0, changesAcked: 0, oversized: 0, queued: 0, lastError: null, lastAckAt: null };

  constructor(opts: AgentOptions) {
    this.o = {
      queueBounds: undefined,
      flushIntervalMs: 500,
      flushChanges: 1_000,
      maxBatchChanges: RELAY_LIMITS.maxChangesPerBatch,
      backoffBaseMs: 500,
      backoffCapMs: 30_000,
      maxRetryAfterMs: 5 * 60_000,
      heartbeatMs: 30_000,
      renewCheckMs: 60_000,
      random: Math.random,
      now: () => new Date(),
      ...opts,
    } as RelayAgent['o'];
    this.o.maxBatchChanges = Math.min(this.o.maxBatchChanges, RELAY_LIMITS.maxChangesPerBatch);
    this.queue = new DeltaQueue(opts.queueBounds ?? DEFAULT_QUEUE_BOUNDS);
  }

  /** Where the agent stands (a copy). */
  get stats(): AgentStats {
    return { ...this.counters, queued: this.queue.size };
  }

  /** Called whenever the agent is about to wait before retrying (`reason` as logged). */
  onRetry(listener: (reason: string) => void): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  private retried(reason: string): void {
    for (const l of this.retryListeners) {
      try {
        l(reason);
      } catch {
        /* a listener must not stop the agent */
      }
    }
  }

  /** Called after every acknowledged batch (tests and metrics). */
  onAck(listener: (s: AgentStats, batch: Batch) => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    this.kick();
  }

  /** Runs until `stop()` (resolves) or a fatal refusal (rejects with AgentFatalError). */
  async run(): Promise<void> {
    try {
      await Promise.race([this.o.cache.whenSynced(), new Promise<void>((r) => (this.wake = r))]);
      this.wake = null;
      if (this.stopped) return;
      this.unsubscribe = this.o.cache.subscribe((c) => this.onChange(c));
      this.o.log.info({ event: 'cache-synced', objects: this.o.cache.status().size }, 'cluster cache synced');
      await this.loop();
    } finally {
      this.unsubscribe?.();
      this.unsubscribe = null;
    }
  }

  private async loop(): Promise<void> {
    let needCursor = true;
    while (!this.stopped) {
      try {
        await this.maybeRenew();
        if (needCursor) {
          const reply = await this.o.client.cursor();
          if (!reply.ok) {
            const wait = this.refusal(reply, 'GET /v1/cursor');
            this.retried(this.counters.lastError ?? '');
            await this.sleep(wait);
            continue;
          }
          this.reconcile(reply.value);
          needCursor = false;
          this.attempt = 0;
        }
        if (this.queue.overflowed) this.resync('the delta queue reached its bound');
        const batch = this.inflight ?? (await this.nextBatch());
        if (!batch) {
          await this.idle();
          continue;
        }
        this.inflight = batch;
        batch.sentAt = this.o.now().toISOString();
        const reply = await this.o.client.sendBatch(batch);
        if (reply.ok) {
          if (reply.value.epoch === batch.epoch && reply.value.seq === batch.seq) this.acked(batch);
          else needCursor = true;
          continue;
        }
        if (reply.status === 409 && reply.error?.cursor) {
          this.reconcile(reply.error.cursor);
          continue;
        }
        const wait = this.refusal(reply, 'POST /v1/batch');
        if (reply.status !== 429) needCursor = true;
        this.retried(this.counters.lastError ?? '');
        await this.sleep(wait);
      } catch (err) {
        if (err instanceof AgentFatalError) throw err;
        const message = err instanceof TransportFailure ? err.message : `unexpected: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
        this.counters.lastError = message;
        const wait = this.backoff();
        this.o.log.warn({ event: 'retry', reason: message, retryInMs: Math.round(wait) }, 'server unreachable; retrying');
        needCursor = true;
        this.retried(message);
        await this.sleep(wait);
      }
    }
  }

  /** What to do about an error answer: throws AgentFatalError when retrying cannot help, else the wait before retrying. */
  private refusal(reply: Extract<Reply<unknown>, { ok: false }>, what: string): number {
    const err: RelayError | null = reply.error;
    const detail = err ? `${err.code}: ${err.message.slice(0, 300)}` : `HTTP ${reply.status}`;
    this.counters.lastError = `${what}: ${detail}`;
    if (reply.status === 403 || err?.code === 'revoked' || err?.code === 'forbidden-cluster') {
      throw new AgentFatalError(
        err?.code === 'revoked'
          ? `the server refused cluster ${this.o.cluster}: it was revoked (${what}). Register it again (meshward server register-cluster ${this.o.cluster}) and give the agent the new bootstrap token.`
          : `the server refused cluster ${this.o.cluster} (${what}: ${detail}). Check that --cluster matches the cluster the certificate was issued for.`,
      );
    }
    if (reply.status === 401) {
      throw new AgentFatalError(`the server did not accept the agent's client certificate (${what}: ${detail}). Check --server-ca and the certificate (or enroll again with a new bootstrap token).`);
    }
    if (err?.code === 'unsupported-version') throw new AgentFatalError(`the server does not speak this agent's protocol (${detail}); run an agent of the server's version.`);
    if (reply.status === 429) {
      const wait = Math.min(reply.retryAfterMs ?? this.backoff(), this.o.maxRetryAfterMs);
      this.o.log.warn({ event: 'rate-limited', retryInMs: Math.round(wait) }, 'the server asked the agent to slow down');
      return wait;
    }
    if (reply.status === 413 || reply.status === 400) {
      // The server refused what was sent (it should never happen: the agent keeps to the limits). Start over from the cache.
      this.o.log.error({ event: 'batch-refused', status: reply.status, code: err?.code ?? null }, 'the server refused a batch; resyncing');
      this.resync(`the server refused a batch (${detail})`);
    } else {
      this.o.log.warn({ event: 'retry', status: reply.status, code: err?.code ?? null }, 'server unavailable; retrying');
    }
    return this.backoff();
  }

  /** Where the server stands decides: resume, drop an already stored batch, or resync. */
  private reconcile(cursor: Cursor): void {
    if (this.epoch !== null && cursor.epoch === this.epoch) {
      if (this.inflight && cursor.seq === this.inflight.seq) {
        this.acked(this.inflight);
        return;
      }
      const lastAcked = this.inflight ? this.inflight.seq - 1 : this.nextSeq - 1;
      if (cursor.seq === lastAcked) {
        if (this.inflight) this.o.log.info({ event: 'resume', epoch: this.epoch, seq: cursor.seq }, 'resuming after the last acknowledged batch');
        return;
      }
    }
    this.resync(this.epoch === null ? 'agent start' : `the server is at ${cursor.epoch === this.epoch ? `seq ${cursor.seq}` : 'another epoch'}, not where this agent can resume`);
  }

  private resync(reason: string): void {
    this.epoch = randomBytes(12).toString('hex');
    this.nextSeq = 1;
    this.inflight = null;
    this.queue.reset();
    this.plan = new SnapshotPlan(this.o.cache.resources());
    this.snapshotTotal = this.plan.total;
    this.lastKinds = '';
    this.counters.epoch = this.epoch;
    this.counters.acked = 0;
    this.counters.snapshotComplete = false;
    this.counters.resyncs++;
    this.o.log.info({ event: 'resync', epoch: this.epoch, objects: this.plan.total, reason }, 'sending a full snapshot');
  }

  private acked(batch: Batch): void {
    this.inflight = null;
    this.nextSeq = batch.seq + 1;
    this.attempt = 0;
    this.lastSentAt = performance.now();
    this.counters.acked = batch.seq;
    this.counters.lastAckAt = this.o.now().getTime();
    this.counters.batchesAcked++;
    this.counters.changesAcked += batch.changes.length;
    if (batch.type === 'snapshot' && batch.last) {
      this.counters.snapshotComplete = true;
      this.o.log.info({ event: 'snapshot-stored', epoch: batch.epoch, parts: batch.seq, objects: this.snapshotTotal, oversized: this.counters.oversized }, 'snapshot stored by the server');
    }
    for (const l of this.ackListeners) {
      try {
        l(this.stats, batch);
      } catch {
        /* a listener must not stop the agent */
      }
    }
  }

  private async nextBatch(): Promise<Batch | null> {
    const epoch = this.epoch!;
    if (this.plan) {
      const plan = this.plan;
      const start = plan.position;
      let max = this.o.maxBatchChanges;
      for (;;) {
        const skippedBefore = plan.skipped;
        const changes = plan.next(max, MAX_PART_BYTES);
        const last = plan.done;
        const batch = this.batch(epoch, 'snapshot', changes, last);
        if (changes.length > 1 && (await overCompressedLimit(batch, plan.lastPartBytes))) {
          plan.rewind(start);
          plan.skipped = skippedBefore;
          max = Math.max(1, Math.floor(changes.length / 2));
          continue;
        }
        if (plan.skipped > skippedBefore) {
          this.counters.oversized += plan.skipped - skippedBefore;
          this.o.log.warn({ event: 'object-too-large', count: plan.skipped - skippedBefore, limitBytes: RELAY_LIMITS.maxObjectBytes }, 'objects over the size limit left out of the snapshot');
        }
        if (last) {
          this.plan = null;
          batch.kinds = kindStatuses(this.o.cache.status());
          this.lastKinds = JSON.stringify(batch.kinds);
        }
        return batch;
      }
    }
    const now = performance.now();
    const due = this.queue.size > 0 && (this.queue.size >= this.o.flushChanges || now - (this.queue.oldestAt ?? now) >= this.o.flushIntervalMs);
    const kinds = kindStatuses(this.o.cache.status());
    const kindsJson = JSON.stringify(kinds);
    const heartbeat = now - this.lastSentAt >= this.o.heartbeatMs;
    if (!due && !heartbeat && kindsJson === this.lastKinds) return null;
    let changes: Change[] = due ? this.queue.take(this.o.maxBatchChanges, MAX_PART_BYTES) : [];
    let batch = this.batch(epoch, 'delta', changes, false);
    while (changes.length > 1 && (await overCompressedLimit(batch))) {
      // Put the second half back at the front is not possible in a Map; send the first half and requeue the rest.
      const half = changes.slice(Math.floor(changes.length / 2));
      changes = changes.slice(0, Math.floor(changes.length / 2));
      // A newer change to the same object may have arrived meanwhile: it wins.
      for (const c of half) this.queue.pushIfAbsent(changeKey(c), c);
      batch = this.batch(epoch, 'delta', changes, false);
    }
    if (kindsJson !== this.lastKinds) {
      batch.kinds = kinds;
      this.lastKinds = kindsJson;
    }
    return batch;
  }

  private batch(epoch: string, type: 'snapshot' | 'delta', changes: Change[], last: boolean): Batch {
    const b: Batch = { v: RELAY_PROTOCOL_VERSION, cluster: this.o.cluster, agentVersion: this.o.agentVersion, epoch, seq: this.nextSeq++, type, sentAt: '', changes };
    if (type === 'snapshot') b.last = last;
    return b;
  }

  private onChange(c: CacheChange): void {
    if (this.epoch === null && this.plan === null) return; // before the first resync: the snapshot will read the cache
    const change: Change = c.type === 'DELETED' ? { op: 'delete', key: wireKey(c.resource) } : { op: 'upsert', object: toWireObject(c.resource) };
    const wasEmpty = this.queue.size === 0;
    if (!this.queue.push(wireKeyString(c.resource), change)) {
      this.o.log.warn({ event: 'queue-overflow', maxObjects: this.queue.bounds.maxObjects, maxBytes: this.queue.bounds.maxBytes }, 'the delta queue reached its bound; a resync follows');
      this.kick();
      return;
    }
    if (wasEmpty || this.queue.size >= this.o.flushChanges) this.kick();
  }

  /** Waits for the next reason to send: a change, the flush interval, the heartbeat, or stop. */
  private async idle(): Promise<void> {
    const now = performance.now();
    let ms = this.lastSentAt + this.o.heartbeatMs - now;
    if (this.queue.size > 0) ms = Math.min(ms, (this.queue.oldestAt ?? now) + this.o.flushIntervalMs - now);
    // Kind status changes (a kind becoming served or failing) are noticed within a second at worst.
    ms = Math.max(1, Math.min(ms, 1_000));
    await this.sleep(ms);
  }

  private async maybeRenew(): Promise<void> {
    if (!this.o.identity) return;
    const now = performance.now();
    if (now - this.lastRenewCheck < this.o.renewCheckMs) return;
    this.lastRenewCheck = now;
    try {
      if (await this.o.identity.renewIfDue(this.o.now())) this.o.log.info({ event: 'certificate-renewed' }, 'client certificate renewed');
    } catch (err) {
      this.o.log.warn({ event: 'renew-failed', reason: String((err as Error)?.message ?? err).slice(0, 300) }, 'certificate renewal failed; retrying later');
    }
  }

  /** Full jitter: uniform in [0, min(cap, base × 2^attempt)). */
  private backoff(): number {
    const ceiling = Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return this.o.random() * ceiling;
  }

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

function changeKey(c: Change): string {
  if (c.op === 'delete') return `${c.key.kind}|${c.key.namespace}|${c.key.name}`;
  const md = (c.object.obj.metadata ?? {}) as { namespace?: unknown; name?: unknown };
  const group = c.object.apiVersion.includes('/') ? c.object.apiVersion.slice(0, c.object.apiVersion.indexOf('/')) : '';
  return wireKeyString({ group, kind: c.object.kind, namespace: c.object.namespaced ? String(md.namespace ?? 'default') : '', name: String(md.name ?? '') });
}

/** `changeBytes`: the changes' serialized size when known (a snapshot part's), else they are serialized here. */
async function overCompressedLimit(batch: Batch, changeBytes?: number): Promise<boolean> {
  // Below the compressed limit uncompressed, it is below it compressed: no need to gzip twice.
  const bytes = changeBytes === undefined ? Buffer.byteLength(batchJson(batch)) : batchBytes(batch, changeBytes);
  if (bytes <= RELAY_LIMITS.maxCompressedBytes) return false;
  return (await HttpsTransport.compressedSize(batch)) > RELAY_LIMITS.maxCompressedBytes;
}
