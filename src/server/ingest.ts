/**
 * The agent port's data routes: GET /v1/cursor and POST /v1/batch (enroll and renew are identity.ts's
 * routes; server.ts registers both sets on the one agent listener).
 *
 * Everything an agent sends is hostile, even with a valid certificate:
 * - every request is authenticated by its client certificate (AgentIdentityService.authenticate,
 *   which asks the store, so a revocation takes effect at once) before its body is read;
 * - a batch writes only the certificate's cluster: `batch.cluster` must equal it (403 otherwise, never
 *   "corrected");
 * - per cluster, a token bucket limits batches (429 with Retry-After): one flooding agent cannot take
 *   the store from the others;
 * - sizes are bounded before parsing: the compressed body by fastify's body limit, the decompressed
 *   one by zlib's output cap (a gzip bomb stops there, having allocated no more);
 * - the shape is validated strictly (names without control characters, kinds and versions as the API
 *   writes them, bounded strings and counts); keys like `__proto__` are plain data (JSON.parse makes
 *   them own properties and the sanitizer copies them as such);
 * - every object is sanitized again (src/cluster/sanitize.ts) with its kind and apiVersion as the wire
 *   declares them, so a Secret cannot slip its data past the sanitizer under another kind;
 * - the batch is acknowledged only after Store.applyBatch resolved (committed), then the listener hears of it.
 * Nothing of a body is ever logged.
 */
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sanitizeOwnedObject } from '../cluster/sanitize.js';
import { AGENT_PATHS, isClusterName, RELAY_LIMITS, RELAY_PROTOCOL_VERSION, type Batch, type BatchAck, type Change, type ObjectKey, type RelayError, type WireKindStatus, type WireObject } from '../relay/protocol.js';
import type { AgentRoutesDeps, RegisterAgentRoutes } from './types.js';
import { rememberObjectJson, wireObjectKey } from '../store/common.js';
import { registerIdentityRoutes } from './identity.js';

const gunzip = promisify(gunzipCb) as (buf: InputType, opts: ZlibOptions) => Promise<Buffer>;

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
  now?: () => Date;
}

export const DEFAULT_BATCHES_PER_SECOND = 20;
export const DEFAULT_BURST = 40;
export const DEFAULT_MAX_CONCURRENT_BATCHES = 8;

/** Control characters have no place in a Kubernetes name, kind or version; in a log or a terminal they do harm. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND_KEY = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z][A-Za-z0-9]{0,62}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
/** Most keys of one delta handed to the analysis; more, and it reloads the cluster instead. */
const MAX_LISTED_KEYS = 2000;
const MAX_NAME = 253;

/**
 * The keys of a stored batch handed to the analysis: a delta's changed objects, so the analysis
 * re-reads only those; none for a snapshot or a delta too big to list (the analysis reloads the cluster).
 */
export function storedKeys(batch: Pick<Batch, 'type' | 'changes'>): ObjectKey[] | undefined {
  return batch.type === 'delta' && batch.changes.length <= MAX_LISTED_KEYS ? batch.changes.map((c) => (c.op === 'upsert' ? wireObjectKey(c.object) : c.key)) : undefined;
}
const MAX_NAMESPACE = 63;
const MAX_SHORT = 300;
const MAX_KINDS = 1_000;
/** A Secret's derived facts, serialized: certificates and kubeconfig summaries, never megabytes. */
const MAX_SECRET_FACTS_BYTES = 512 * 1024;

type Authed = FastifyRequest & { meshwardCluster?: string };

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: RelayError,
  ) {
    super(body.message);
  }
}

function refuse(status: number, code: RelayError['code'], message: string): never {
  throw new Refusal(status, { code, message });
}

/** cursor and batch routes, with their own bounds; `registerIngestRoutes` is them with the defaults. */
export function createIngestRoutes(opts: IngestOptions = {}): RegisterAgentRoutes {
  const now = opts.now ?? (() => new Date());
  const rate = opts.batchesPerSecond ?? DEFAULT_BATCHES_PER_SECOND;
  const burst = opts.burst ?? DEFAULT_BURST;
  const maxObjects = opts.maxObjects ?? RELAY_LIMITS.maxObjectsPerCluster;
  const maxConcurrent = opts.maxConcurrentBatches ?? DEFAULT_MAX_CONCURRENT_BATCHES;

  return (app: FastifyInstance, deps: AgentRoutesDeps) => {
    const buckets = new Map<string, { tokens: number; at: number }>();
    let inFlight = 0;
    /** Takes a token for `cluster`; returns 0 when allowed, else the ms until one is available. */
    const take = (cluster: string): number => {
      const t = Date.now();
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
          return send(reply, who.code === 'unauthenticated' || who.code === 'bad-token' ? 401 : 403, { code: who.code, message: who.message });
        }
        req.meshwardCluster = who.cluster;
        if (req.method === 'POST') {
          const waitMs = take(who.cluster);
          if (waitMs > 0) {
            reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
            return send(reply, 429, { code: 'rate-limited', message: `cluster ${who.cluster} sends batches faster than ${rate}/s; slow down` });
          }
        }
      });

      scope.get(AGENT_PATHS.cursor, async (req: Authed, reply) => {
        const cluster = req.meshwardCluster!;
        await touch(deps, cluster, now(), null, null);
        return send(reply, 200, await deps.store.cursor(cluster));
      });

      scope.post(AGENT_PATHS.batch, async (req: Authed, reply) => {
        const cluster = req.meshwardCluster!;
        const started = Date.now();
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
        const batch = await readBatch(req);
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
          deps.log[last ? 'info' : 'debug']({ event: 'batch-stored', cluster, epoch: batch.epoch, seq: batch.seq, type: batch.type, last, changes: batch.changes.length, ms: Date.now() - started }, 'batch stored');
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

/** The body, decompressed under the cap, parsed, validated and re-sanitized. */
async function readBatch(req: FastifyRequest): Promise<Batch> {
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) refuse(400, 'malformed', 'the batch body is empty; send gzip-compressed JSON');
  const enc = String(req.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (enc !== 'gzip') refuse(400, 'malformed', 'a batch is sent with Content-Encoding: gzip');
  let raw: Buffer;
  try {
    raw = await gunzip(body, { maxOutputLength: RELAY_LIMITS.maxDecompressedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      refuse(413, 'too-large', `the batch is over ${RELAY_LIMITS.maxDecompressedBytes} bytes decompressed; send smaller batches`);
    }
    refuse(400, 'malformed', 'the batch body is not valid gzip');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    refuse(400, 'malformed', 'the batch body is not JSON');
  }
  return validateBatch(parsed);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortString(v: unknown, max: number = MAX_SHORT): v is string {
  return typeof v === 'string' && v.length <= max && !CONTROL.test(v);
}

function name(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v);
}

/** A strictly checked copy of the batch: unknown fields dropped, every object sanitized again. */
export function validateBatch(v: unknown): Batch {
  if (!isObj(v)) refuse(400, 'malformed', 'a batch is a JSON object');
  if (v.v !== RELAY_PROTOCOL_VERSION) refuse(400, 'unsupported-version', `this server speaks relay protocol version ${RELAY_PROTOCOL_VERSION}; run an agent of the server's version`);
  if (!isClusterName(v.cluster)) refuse(400, 'malformed', '`cluster` is not a cluster name (a DNS label)');
  if (!shortString(v.agentVersion, 100)) refuse(400, 'malformed', '`agentVersion` is not a short string');
  if (typeof v.epoch !== 'string' || !EPOCH.test(v.epoch)) refuse(400, 'malformed', '`epoch` is not 1 to 64 letters, digits, - or _');
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) refuse(400, 'malformed', '`seq` is not a positive whole number');
  if (v.type !== 'snapshot' && v.type !== 'delta') refuse(400, 'malformed', '`type` is neither snapshot nor delta');
  if (v.last !== undefined && typeof v.last !== 'boolean') refuse(400, 'malformed', '`last` is not a boolean');
  if (v.last === true && v.type !== 'snapshot') refuse(400, 'malformed', '`last` belongs to snapshot parts only');
  if (!shortString(v.sentAt, 64)) refuse(400, 'malformed', '`sentAt` is not an ISO 8601 time');
  if (!Array.isArray(v.changes)) refuse(400, 'malformed', '`changes` is not a list');
  if (v.changes.length > RELAY_LIMITS.maxChangesPerBatch) refuse(413, 'too-large', `a batch holds at most ${RELAY_LIMITS.maxChangesPerBatch} changes, this one ${v.changes.length}`);
  const changes: Change[] = v.changes.map((c, i) => validateChange(c, i));
  const batch: Batch = { v: RELAY_PROTOCOL_VERSION, cluster: v.cluster, agentVersion: v.agentVersion, epoch: v.epoch, seq: v.seq, type: v.type, sentAt: v.sentAt, changes };
  if (v.type === 'snapshot') batch.last = v.last === true;
  if (v.kinds !== undefined) batch.kinds = validateKinds(v.kinds);
  return batch;
}

function validateChange(c: unknown, i: number): Change {
  const at = `changes[${i}]`;
  if (!isObj(c)) refuse(400, 'malformed', `${at} is not an object`);
  if (c.op === 'delete') {
    const k = c.key;
    if (!isObj(k) || typeof k.kind !== 'string' || !KIND_KEY.test(k.kind) || !name(k.name, MAX_NAME) || typeof k.namespace !== 'string' || k.namespace.length > MAX_NAMESPACE || CONTROL.test(k.namespace)) {
      refuse(400, 'malformed', `${at}.key is not {kind, namespace, name} as the API writes them`);
    }
    return { op: 'delete', key: { kind: k.kind, namespace: k.namespace, name: k.name } };
  }
  if (c.op !== 'upsert') refuse(400, 'malformed', `${at}.op is neither upsert nor delete`);
  return { op: 'upsert', object: validateObject(c.object, `${at}.object`) };
}

function validateObject(w: unknown, at: string): WireObject {
  if (!isObj(w)) refuse(400, 'malformed', `${at} is not an object`);
  if (typeof w.apiVersion !== 'string' || !API_VERSION.test(w.apiVersion)) refuse(400, 'malformed', `${at}.apiVersion is not an API version`);
  if (typeof w.kind !== 'string' || !KIND.test(w.kind)) refuse(400, 'malformed', `${at}.kind is not a kind`);
  if (typeof w.namespaced !== 'boolean') refuse(400, 'malformed', `${at}.namespaced is not a boolean`);
  if (!isObj(w.obj)) refuse(400, 'malformed', `${at}.obj is not an object`);
  // The wire's kind decides how the object is sanitized (a Secret sent as "kind: Foo" in obj is still a Secret).
  // Sanitized in place: `w.obj` is JSON.parse's output of this request's body, which nothing else holds.
  const input = { ...w.obj, apiVersion: w.apiVersion, kind: w.kind };
  const { obj, secretFacts } = sanitizeOwnedObject(input);
  const md = obj.metadata;
  if (!isObj(md) || !name(md.name, MAX_NAME)) refuse(400, 'malformed', `${at}.obj.metadata.name is not a name`);
  if (w.namespaced) {
    if (!name(md.namespace, MAX_NAMESPACE)) refuse(400, 'malformed', `${at}.obj.metadata.namespace is not a namespace (the kind is namespaced)`);
  } else if (md.namespace !== undefined && md.namespace !== '') refuse(400, 'malformed', `${at}.obj.metadata.namespace is set on a cluster-scoped kind`);
  const text = JSON.stringify(obj);
  if (Buffer.byteLength(text) > RELAY_LIMITS.maxObjectBytes) refuse(413, 'too-large', `${at} is over ${RELAY_LIMITS.maxObjectBytes} bytes`);
  const out: WireObject = { apiVersion: w.apiVersion, kind: w.kind, namespaced: w.namespaced, obj };
  // Serialized once: the store writes this text rather than serializing the object again (foldChanges).
  rememberObjectJson(obj, text);
  if (w.apiVersion === 'v1' && w.kind === 'Secret') {
    // The agent derived the facts from the data it alone saw; they carry no value. Bounded, and only on Secrets.
    if (isObj(w.secretFacts) && Buffer.byteLength(JSON.stringify(w.secretFacts)) <= MAX_SECRET_FACTS_BYTES) out.secretFacts = w.secretFacts as unknown as WireObject['secretFacts'];
    else if (secretFacts) out.secretFacts = secretFacts;
  }
  return out;
}

function validateKinds(v: unknown): WireKindStatus[] {
  if (!Array.isArray(v) || v.length > MAX_KINDS) refuse(400, 'malformed', `\`kinds\` is not a list of at most ${MAX_KINDS}`);
  return v.map((k, i) => {
    if (!isObj(k) || typeof k.kind !== 'string' || !KIND_KEY.test(k.kind) || typeof k.served !== 'boolean' || typeof k.synced !== 'boolean' || typeof k.objects !== 'number' || !Number.isSafeInteger(k.objects) || k.objects < 0 || (k.error !== null && !shortString(k.error))) {
      refuse(400, 'malformed', `kinds[${i}] is not {kind, served, synced, objects, error}`);
    }
    return { kind: k.kind, served: k.served, synced: k.synced, objects: k.objects, error: k.error as string | null };
  });
}
