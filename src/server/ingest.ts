/**
 * The agent port's data routes: GET /v1/cursor and POST /v1/batch (enroll and renew are identity.ts's
 * routes; server.ts registers both sets on the one agent listener).
 *
 * Everything an agent sends is hostile, even with a valid certificate:
 * - every request is authenticated by its client certificate (AgentIdentityService.authenticate,
 *   which asks the store, so a revocation takes effect at once) before its body is read;
 * - a batch writes only the certificate's cluster: `batch.cluster` must equal it (403 otherwise, never
 *   "corrected");
 * - per cluster, a token bucket limits batches, and at most maxConcurrentBatchesPerCluster are read and
 *   stored at once (both 429 with Retry-After, counted from before the body is read): one flooding
 *   agent cannot take the store, nor the server-wide decode slots (maxConcurrentBatches), from the others;
 * - the compressed body is bounded by fastify's body limit before it is read; the rest (the
 *   decompressed size, the strict shape, sanitizing every object again) is ./batch-decode.ts, run in
 *   the ingest decoder threads (./ingest-decoder.ts) so the event loop only moves bytes and writes rows;
 * - the batch is acknowledged only after Store.applyBatch resolved (committed), then the listener hears of it.
 * Nothing of a body is ever logged.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_PATHS, RELAY_LIMITS, type BatchAck, type ObjectKey } from '../relay/protocol.js';
import { wireObjectKey } from '../store/common.js';
import type { StoreBatch } from '../store/types.js';
import type { AgentRoutesDeps, RegisterAgentRoutes } from './types.js';
import { registerIdentityRoutes } from './identity.js';
import { Refusal, refuse } from './batch-decode.js';
import { closeAfterRefusal } from './early-refusal.js';
import { DEFAULT_DECODER_THREADS, IngestDecoders } from './ingest-decoder.js';

export interface IngestOptions {
  /** Batches per second per cluster, sustained. */
  batchesPerSecond?: number;
  /** Batches a cluster may send at once above the sustained rate. */
  burst?: number;
  /** Most objects one cluster may hold. */
  maxObjects?: number;
  /**
   * Batches decompressed and stored at once, all clusters together: each may take up to the
   * decompressed limit in memory, so this bounds the server's ingest memory whatever the fleet does.
   */
  maxConcurrentBatches?: number;
  /**
   * Batches one cluster may have in flight at once, from before the body is read until the answer
   * (its share of maxConcurrentBatches): an agent sends one at a time (src/relay/agent.ts), so more
   * is a retry racing its first try or a flood.
   */
  maxConcurrentBatchesPerCluster?: number;
  /** Ingest decoder threads (./ingest-decoder.ts); default DEFAULT_DECODER_THREADS. */
  decoderThreads?: number;
  now?: () => Date;
}

export const DEFAULT_BATCHES_PER_SECOND = 20;
export const DEFAULT_BURST = 40;
export const DEFAULT_MAX_CONCURRENT_BATCHES = 8;
export const DEFAULT_MAX_CONCURRENT_BATCHES_PER_CLUSTER = 2;

/** Most keys of one delta handed to the analysis; more, and it reloads the cluster instead. */
const MAX_LISTED_KEYS = 2000;

/**
 * The keys of a stored batch handed to the analysis: a delta's changed objects, so the analysis
 * re-reads only those; none for a snapshot or a delta too big to list (the analysis reloads the cluster).
 */
export function storedKeys(batch: Pick<StoreBatch, 'type' | 'changes'>): ObjectKey[] | undefined {
  if (batch.type !== 'delta' || batch.changes.length > MAX_LISTED_KEYS) return undefined;
  return batch.changes.map((c) => (c.op === 'upsert' ? wireObjectKey(c.object) : c.key));
}

type Authed = FastifyRequest & { meshwardCluster?: string };

/** cursor and batch routes, with their own bounds; `registerIngestRoutes` is them with the defaults. */
export function createIngestRoutes(opts: IngestOptions = {}): RegisterAgentRoutes {
  const now = opts.now ?? (() => new Date());
  const rate = opts.batchesPerSecond ?? DEFAULT_BATCHES_PER_SECOND;
  const burst = opts.burst ?? DEFAULT_BURST;
  const maxObjects = opts.maxObjects ?? RELAY_LIMITS.maxObjectsPerCluster;
  const maxConcurrent = opts.maxConcurrentBatches ?? DEFAULT_MAX_CONCURRENT_BATCHES;
  const perCluster = opts.maxConcurrentBatchesPerCluster ?? DEFAULT_MAX_CONCURRENT_BATCHES_PER_CLUSTER;

  return (app: FastifyInstance, deps: AgentRoutesDeps) => {
    // Threads start with the first batch; they go with the server.
    const decoders = new IngestDecoders(opts.decoderThreads ?? DEFAULT_DECODER_THREADS);
    app.addHook('onClose', async () => decoders.close());
    const buckets = new Map<string, { tokens: number; at: number }>();
    let inFlight = 0;
    /** Batches per cluster from onRequest to the response's end (or the connection's): bodies being read count too. */
    const clusterInFlight = new Map<string, number>();
    /** Takes a token for `cluster`; returns 0 when allowed, else the ms until one is available. */
    const take = (cluster: string): number => {
      const t = performance.now();
      const b = buckets.get(cluster) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
      b.at = t;
      buckets.set(cluster, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - b.tokens) / rate) * 1000);
    };

    // Encapsulated: this body parser and error handler apply to these routes only, not to enroll/renew.
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: RELAY_LIMITS.maxCompressedBytes }, (_req, body, done) => done(null, body));

      scope.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
        if (err instanceof Refusal) return send(reply, err.status, err.body);
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
          return send(reply, 413, { code: 'too-large', message: `the request body is over ${RELAY_LIMITS.maxCompressedBytes} bytes compressed; send smaller batches` });
        }
        if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
          return send(reply, 400, { code: 'malformed', message: 'the request could not be read; send gzip-compressed JSON' });
        }
        deps.log.error({ event: 'ingest-error', cluster: (req as Authed).meshwardCluster ?? null, error: String(err.message).slice(0, 300) }, 'ingest failed');
        return send(reply, 503, { code: 'unavailable', message: 'the server could not store the batch now; retry later' });
      });

      // Before the body is read: who is it (and, for batches, is it within its rate)?
      scope.addHook('onRequest', async (req: Authed, reply) => {
        const who = await deps.identity.authenticate(req.raw.socket as TLSSocket, now());
        if ('code' in who) {
          deps.log.warn({ event: 'agent-refused', code: who.code, path: req.routeOptions.url ?? null }, 'agent request refused');
          closeAfterRefusal(req, reply);
          return send(reply, who.code === 'unauthenticated' || who.code === 'bad-token' ? 401 : 403, { code: who.code, message: who.message });
        }
        req.meshwardCluster = who.cluster;
        if (req.method === 'POST') {
          const cluster = who.cluster;
          const held = clusterInFlight.get(cluster) ?? 0;
          if (held >= perCluster) {
            closeAfterRefusal(req, reply);
            // 429, not 503: the agent waits Retry-After and resends the same batch without re-reading the cursor.
            reply.header('retry-after', '1');
            return send(reply, 429, { code: 'rate-limited', message: `cluster ${cluster} has ${held} batches in flight already, the most one cluster may; send one at a time` });
          }
          const waitMs = take(cluster);
          if (waitMs > 0) {
            closeAfterRefusal(req, reply);
            reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
            return send(reply, 429, { code: 'rate-limited', message: `cluster ${cluster} sends batches faster than ${rate}/s; slow down` });
          }
          clusterInFlight.set(cluster, held + 1);
          // 'close' comes once, whether the answer was sent or the connection dropped mid-body.
          reply.raw.once('close', () => {
            const n = (clusterInFlight.get(cluster) ?? 1) - 1;
            if (n > 0) clusterInFlight.set(cluster, n);
            else clusterInFlight.delete(cluster);
          });
        }
      });

      scope.get(AGENT_PATHS.cursor, async (req: Authed, reply) => {
        const cluster = req.meshwardCluster!;
        await touch(deps, cluster, now(), null, null);
        return send(reply, 200, await deps.store.cursor(cluster));
      });

      scope.post(AGENT_PATHS.batch, async (req: Authed, reply) => {
        const cluster = req.meshwardCluster!;
        const started = performance.now();
        if (inFlight >= maxConcurrent) {
          reply.header('retry-after', '1');
          return send(reply, 503, { code: 'unavailable', message: 'the server is storing as many batches as it takes at once; retry shortly' });
        }
        inFlight++;
        try {
          return await ingestBatch(req, reply, cluster, started);
        } finally {
          inFlight--;
        }
      });

      const ingestBatch = async (req: Authed, reply: FastifyReply, cluster: string, started: number) => {
        const batch = await readBatch(decoders, req);
        if (batch.cluster !== cluster) {
          deps.log.warn({ event: 'forbidden-cluster', cluster }, 'an agent tried to write another cluster');
          refuse(403, 'forbidden-cluster', `this certificate writes cluster ${cluster} only; the batch names another cluster`);
        }
        const at = now();
        const sent = Date.parse(batch.sentAt);
        // Skew is recorded, never used for ordering: an agent clock far off changes nothing else. Noted
        // as seen in the batch's own transaction (one commit, not two: each is a disk flush).
        const seen = { agentVersion: batch.agentVersion, clockSkewMs: Number.isFinite(sent) ? sent - at.getTime() : null };
        const outcome = await deps.store.applyBatch(cluster, batch, at, { maxObjects, seen });
        if (outcome.status === 'out-of-order') {
          return send(reply, 409, { code: 'out-of-order', message: `batch ${batch.seq} of epoch ${batch.epoch} does not follow what is stored; resume after the cursor or start a new epoch`, cursor: outcome.cursor });
        }
        if (outcome.status === 'too-many-objects') {
          // Its transaction rolled back, the note of the agent as seen with it.
          await touch(deps, cluster, at, seen.agentVersion, seen.clockSkewMs);
          return send(reply, 413, { code: 'too-large', message: `cluster ${cluster} would hold more than ${maxObjects} objects` });
        }
        if (outcome.status === 'stored') {
          const last = batch.type === 'snapshot' && batch.last === true;
          try {
            deps.listener.onStored(cluster, { epoch: batch.epoch, seq: batch.seq, type: batch.type, last, changes: batch.changes.length, keys: storedKeys(batch) });
          } catch (err) {
            deps.log.error({ event: 'listener-error', cluster, error: String((err as Error)?.message ?? err).slice(0, 300) }, 'ingest listener failed');
          }
          deps.log[last ? 'info' : 'debug']({ event: 'batch-stored', cluster, epoch: batch.epoch, seq: batch.seq, type: batch.type, last, changes: batch.changes.length, ms: Math.round(performance.now() - started) }, 'batch stored');
        }
        const ack: BatchAck = { epoch: outcome.cursor.epoch ?? batch.epoch, seq: outcome.cursor.seq };
        return send(reply, 200, ack);
      };
    });
  };
}

export const registerIngestRoutes: RegisterAgentRoutes = createIngestRoutes();

/** Every agent-port route: enroll and renew (identity.ts), cursor and batch (here). What server.ts registers. */
export const registerAgentRoutes: RegisterAgentRoutes = (app, deps) => {
  registerIdentityRoutes(app, deps);
  registerIngestRoutes(app, deps);
};

async function touch(deps: AgentRoutesDeps, cluster: string, at: Date, agentVersion: string | null, skew: number | null): Promise<void> {
  try {
    const current = agentVersion ?? (await deps.store.getCluster(cluster))?.agentVersion ?? 'unknown';
    await deps.store.touchCluster(cluster, at, current, skew);
  } catch (err) {
    // Last-seen bookkeeping must not fail the request; the batch itself is what matters.
    deps.log.warn({ event: 'touch-failed', cluster, error: String((err as Error)?.message ?? err).slice(0, 200) }, 'could not record the agent as seen');
  }
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

/** The body, decoded by a decoder thread (./batch-decode.ts): decompressed under the cap, parsed, validated, re-sanitized, serialized. */
function readBatch(decoders: IngestDecoders, req: FastifyRequest): Promise<StoreBatch> {
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) refuse(400, 'malformed', 'the batch body is empty; send gzip-compressed JSON');
  return decoders.decode(body, String(req.headers['content-encoding'] ?? ''));
}
