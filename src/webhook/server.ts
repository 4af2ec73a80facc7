/**
 * The admission webhook's HTTPS server: `POST /validate` (AdmissionReview v1), `/healthz`, `/readyz`,
 * `/metrics`. One process, one event loop: a review is read (bounded), parsed, judged and answered
 * without leaving it; the decision itself is decideIntroduced's.
 *
 * Logs are JSON lines (pino) that say who asked what and what was answered, never what the object held:
 * reviews carry whole objects, Secrets' and env values among them.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterCache } from '../cluster/cache-types.js';
import type { RuleSettings } from '../config/settings.js';
import { DEFAULT_SYSTEM_NAMESPACES } from '../model/namespaces.js';
import { Tenancy, type TenantPolicyFile } from '../tenancy/policy.js';
import { admissionKinds } from './admission-kinds.js';
import { decideIntroduced, deciderFor, type Decision } from './decide.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { FilePoller, type PolicySource } from './reload.js';
import { MAX_REVIEW_BYTES, ReviewError, parseReview, reviewResponse } from './review.js';
import { WEBHOOK_PATHS, type AdmissionRequest, type DecisionState } from './types.js';
import { judge, kindId, type JudgeOptions, type Judgement } from './verdict.js';
import { DEFAULT_WARM_UP_DECISIONS, warmUp, warmUpReviews } from './warm-up.js';

/** Default time a decision may take before the review is allowed unchecked (webhooks time out at 10 s by default). */
export const DEFAULT_DECISION_BUDGET_MS = 2_000;
/** Outcomes whose review log line is written at debug when nothing was introduced (see the review log). */
const QUIET_OUTCOMES: ReadonlySet<Judgement['outcome']> = new Set(['allowed', 'exempt', 'off', 'unknown-kind']);
/** Longest a graceful shutdown waits for in-flight reviews before closing what is left. */
export const DEFAULT_DRAIN_MS = 25_000;

export interface WebhookServerOptions extends Omit<JudgeOptions, 'kinds' | 'budgetMs'> {
  cache: ClusterCache;
  /**
   * When the cache has changed since the decision's base was analysed: 'stale' (default) decides
   * against the last base plus the review and re-analyses in the background (reviews never wait; the
   * base trails the cache by the debounce plus one analysis, about a second at 20,000 objects);
   * 'wait' analyses first (exact; for tests and tools that change the cache and review at once).
   */
  staleness?: 'stale' | 'wait';
  tenants: PolicySource;
  settings: RuleSettings;
  tlsCertFile: string;
  tlsKeyFile: string;
  port: number;
  host?: string;
  logger: Logger;
  /** Default DEFAULT_DECISION_BUDGET_MS. */
  budgetMs?: number;
  /** How often the certificate files are checked for a change (ms). */
  reloadIntervalMs: number;
  /** The decision (default decideIntroduced); tests and the benchmark may wrap it. */
  decide?: (req: AdmissionRequest, state: DecisionState, tenantPolicy: TenantPolicyFile | null) => Decision;
  /** Milliseconds since an arrival time (default: a monotonic clock); tests move it. */
  clock?: () => number;
  /** Process-level metrics (event loop, memory); default on. */
  defaultMetrics?: boolean;
  /**
   * Decisions of its own before /readyz says ready (warm-up.ts): at most this many (default
   * DEFAULT_WARM_UP_DECISIONS); 0 is ready as soon as the cache has synced.
   */
  warmUpDecisions?: number;
  /** warm-up.ts WarmUpOptions.heavyMs (tests on a busy machine: Infinity). */
  warmUpHeavyMs?: number;
}

export interface WebhookServer {
  readonly port: number;
  readonly metrics: WebhookMetrics;
  /** Requests being answered now. */
  readonly inFlight: number;
  /** Deciding reviews of its own before /readyz says ready (warm-up.ts). */
  readonly warmingUp: boolean;
  /** Re-reads the certificate and key now (SIGHUP); a pair that does not load keeps the old one. */
  reloadTls(): Promise<void>;
  /** Stops accepting, finishes in-flight reviews (at most drainMs), then closes every connection. */
  close(drainMs?: number): Promise<void>;
}

/** What /readyz answers: 200 once the cache has synced and the decision has warmed up; 503 before, and while shutting down. */
export function readiness(s: { synced: boolean; size: number; draining: boolean; warming: boolean }): [number, string] {
  if (s.draining) return [503, 'shutting down\n'];
  if (!s.synced) return [503, `not synced: the cluster cache has not completed its first list (${s.size} objects so far)\n`];
  if (s.warming) return [503, `warming up: deciding reviews of its own before taking the API server's (${s.size} objects cached)\n`];
  return [200, `ready: ${s.size} objects cached\n`];
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** Reads a request body up to `max` bytes; rejects with a 413 ReviewError past it. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new ReviewError(413, `request body of ${declared} bytes is over the ${max}-byte limit for an AdmissionReview`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        chunks.length = 0;
        reject(new ReviewError(413, `request body is over the ${max}-byte limit for an AdmissionReview`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
      done = true;
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

/** The platform subjects of a tenant policy, as the generated admission policies exempt them. */
function platformUserCheck(policy: TenantPolicyFile | null, systemNamespaces: ReadonlySet<string>): (u: AdmissionRequest['userInfo']) => boolean {
  const tenancy = new Tenancy(policy, { isSystemNamespace: (ns) => systemNamespaces.has(ns), namespaceLabels: () => ({}) });
  return (u) => {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(u.username);
    // A service account is judged as one (`user:system:...` would make every service account a system identity).
    if (sa) return tenancy.isPlatformSubject(`serviceaccount:${sa[1]}:${sa[2]}`);
    if (u.username && tenancy.isPlatformSubject(`user:${u.username}`)) return true;
    return u.groups.some((g) => tenancy.isPlatformSubject(`group:${g}`));
  };
}

/** The stack frames of an error, without its message (a message may quote the object that broke the rule). */
function framesOf(message: string): string[] {
  return message
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 8)
    .map((l) => l.trim());
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const log = opts.logger;
  const clock = opts.clock ?? (() => performance.now());
  const metrics = createMetrics(() => opts.cache, { defaultMetrics: opts.defaultMetrics });
  const kinds = new Set(admissionKinds().map((k) => `${k.group}/${k.kind}`));
  const judgeOpts: JudgeOptions = { mode: opts.mode, denyOn: opts.denyOn, unsynced: opts.unsynced, overBudget: opts.overBudget ?? 'deny', exempt: opts.exempt, kinds, budgetMs: opts.budgetMs ?? DEFAULT_DECISION_BUDGET_MS };
  const systemNamespaces = new Set([...(opts.settings.systemNamespaces.length ? opts.settings.systemNamespaces : DEFAULT_SYSTEM_NAMESPACES), ...opts.exempt]);
  let platformFor: { policy: TenantPolicyFile | null; check: (u: AdmissionRequest['userInfo']) => boolean } | null = null;
  const isPlatformUser = (u: AdmissionRequest['userInfo']) => {
    const policy = opts.tenants.current;
    if (!platformFor || platformFor.policy !== policy) platformFor = { policy, check: platformUserCheck(policy, systemNamespaces) };
    return platformFor.check(u);
  };
  // One `resources` function for the server's life: the decision keeps its analysed base per function
  // (decide.ts), so a new one per review would analyse the whole cache again for every review.
  const cacheResources = () => opts.cache.resources();
  const decisionState = (): DecisionState => ({ version: opts.cache.version, resources: cacheResources, synced: opts.cache.status().synced });
  const decideOptions = (tenantPolicy: TenantPolicyFile | null) => ({ tenantPolicy, settings: opts.settings, cluster: opts.cache.name });
  const decide =
    opts.decide ??
    ((req: AdmissionRequest, state: DecisionState, tenantPolicy: TenantPolicyFile | null) => decideIntroduced(req, state, decideOptions(tenantPolicy), { staleness: opts.staleness }));
  let draining = false;
  // Ready once the cache has synced and the decision has warmed up on reviews of its own (warm-up.ts):
  // the API server sends reviews only to a ready pod, and the first second of an unwarmed decision
  // was most of a run's slow reviews.
  const warmUpDecisions = opts.warmUpDecisions ?? DEFAULT_WARM_UP_DECISIONS;
  let warming = !opts.decide && warmUpDecisions > 0;
  if (!opts.decide) {
    // Analyse the cache once it is synced, so the first review does not pay for it.
    opts.cache.whenSynced().then(
      async () => {
        const state = decisionState();
        const decider = deciderFor(state, decideOptions(opts.tenants.current), { staleness: opts.staleness });
        decider.rebuild(state);
        if (!warming) return;
        const reviews = warmUpReviews(state.resources(), kinds, decider.rootNamespace ?? '', warmUpDecisions);
        const done = await warmUp(decider, state, reviews, { stopped: () => draining, heavyMs: opts.warmUpHeavyMs });
        warming = false;
        log.info({ event: 'warmed-up', ...done }, 'decision warmed up on reviews of its own; ready');
      },
      () => undefined,
    ).catch((err) => {
      // A failed warm-up must not keep the webhook unready: reviews are decided as they come.
      warming = false;
      log.error({ event: 'warm-up-failed', error: (err as Error)?.name, frames: framesOf(String((err as Error)?.stack ?? '')) }, 'warm-up failed; ready without it');
    });
  }
  let inFlight = 0;

  const loadTls = async () => ({ cert: await fs.readFile(opts.tlsCertFile), key: await fs.readFile(opts.tlsKeyFile) });
  const server = https.createServer({ ...(await loadTls()) });
  // Slow or silent clients are cut off well inside the API server's own timeout.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 60_000;

  const reloadTls = async () => {
    try {
      const pair = await loadTls();
      // setSecureContext throws on a key that does not match or a PEM that does not parse: the old pair stays.
      server.setSecureContext(pair);
      metrics.reloads.inc({ what: 'tls', result: 'loaded' });
      log.info({ event: 'tls-reloaded', cert: opts.tlsCertFile }, 'TLS certificate reloaded');
    } catch (err) {
      metrics.reloads.inc({ what: 'tls', result: 'refused' });
      log.error({ event: 'tls-reload-refused', cert: opts.tlsCertFile, key: opts.tlsKeyFile, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message?.slice(0, 200) }, 'new TLS certificate or key did not load; still serving the previous one');
    }
  };
  const tlsPoller = new FilePoller([opts.tlsCertFile, opts.tlsKeyFile], reloadTls);
  await tlsPoller.start(opts.reloadIntervalMs);

  const validate = async (req: IncomingMessage, res: ServerResponse, arrived: number) => {
    let review: AdmissionRequest;
    try {
      review = parseReview(await readBody(req, MAX_REVIEW_BYTES));
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      metrics.badReviews.inc({ status: String(err.status) });
      log.warn({ event: 'bad-review', status: err.status, reason: err.message, remote: req.socket.remoteAddress }, 'review refused');
      if (err.status === 413) res.setHeader('connection', 'close');
      send(res, err.status, err.message + '\n');
      return;
    }
    // Decisions run on this one thread and cannot be interrupted. Yielding once before deciding lets
    // every review that arrived in the same turn of the event loop be stamped first, so when one
    // decision runs long the reviews queued behind it see their wait and are answered within the budget
    // instead of each taking a full decision in turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const state = decisionState();
    const tenantPolicy = opts.tenants.current;
    const j: Judgement = judge(review, judgeOpts, {
      state,
      namespaceLabels: (ns) => opts.cache.get('Namespace', '', ns)?.labels ?? null,
      isPlatformUser,
      decide: (r, s) => decide(r, s, tenantPolicy),
      elapsedMs: () => clock() - arrived,
    });
    const body = JSON.stringify(reviewResponse(review.uid, j.verdict));
    send(res, 200, body, 'application/json');
    const seconds = (clock() - arrived) / 1000;
    const kind = kinds.has(kindId(review)) ? kindId(review) : 'other';
    metrics.requestDuration.observe({ kind, operation: review.operation, verdict: j.outcome }, seconds);
    for (const rule of j.denyingRules) metrics.denials.inc({ rule });
    for (const f of j.failures) metrics.ruleFailures.inc({ rule: f.ruleId });
    if (j.outcome === 'over-budget' || j.late) metrics.overBudget.inc();
    // A review with nothing to say (allowed clean, exempt, off, a kind no rule reads) is logged at debug:
    // at 1,000 reviews a second a line each is a log pipeline's load and a twelfth of the webhook's CPU,
    // the API server's audit log already records every answer, and /metrics counts them. Refusals,
    // warnings, failures and budget events stay at info and above.
    const quiet = QUIET_OUTCOMES.has(j.outcome) && !j.verdict.introduced.length && !j.late;
    if (quiet && !log.isLevelEnabled('debug')) return;
    const entry = {
      event: 'review',
      uid: review.uid,
      kind: kindId(review),
      namespace: review.namespace,
      name: review.name,
      operation: review.operation,
      dryRun: review.dryRun,
      user: review.userInfo.username,
      mode: j.mode,
      verdict: j.outcome,
      allowed: j.verdict.allowed,
      rules: [...new Set(j.verdict.introduced.map((f) => f.ruleId))],
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(j.late ? { late: true } : {}),
    };
    if (j.failures.length) {
      for (const f of j.failures) log.error({ event: 'rule-failed', uid: review.uid, rule: f.ruleId, frames: framesOf(f.message) }, 'a rule threw; the review was allowed with a warning');
    }
    if (j.outcome === 'over-budget') log.warn(entry, j.verdict.allowed ? 'waited past the decision budget; allowed unchecked' : 'waited past the decision budget; refused unchecked (--over-budget deny)');
    else if (j.late) log.warn(entry, 'decision finished past its budget; answered as decided');
    else if (quiet) log.debug(entry, 'review');
    else log.info(entry, 'review');
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const arrived = clock();
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (draining && inFlight === 0) server.closeIdleConnections();
    });
    // During a drain, answers say the connection ends, so keep-alive clients reconnect elsewhere.
    if (draining) res.setHeader('connection', 'close');
    const path = (req.url ?? '').split('?')[0];
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      metrics.badReviews.inc({ status: String(status) });
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      send(res, status, message + '\n');
    };
    if (path === WEBHOOK_PATHS.validate) {
      if (req.method !== 'POST') return refuse(405, `${WEBHOOK_PATHS.validate} takes POST with an AdmissionReview`, { allow: 'POST' });
      validate(req, res, arrived).catch((err) => {
        log.error({ event: 'internal-error', error: (err as Error)?.name, frames: framesOf(String((err as Error)?.stack ?? '')) }, 'review failed');
        if (!res.headersSent) send(res, 500, 'internal error; the webhook log has the details\n');
        else res.destroy();
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (path === WEBHOOK_PATHS.healthz || path === WEBHOOK_PATHS.readyz || path === WEBHOOK_PATHS.metrics) return refuse(405, `${path} takes GET`, { allow: 'GET, HEAD' });
      return refuse(404, `no such path; the webhook serves POST ${WEBHOOK_PATHS.validate}`);
    }
    if (path === WEBHOOK_PATHS.healthz) return send(res, 200, 'ok\n');
    if (path === WEBHOOK_PATHS.readyz) {
      const [status, text] = readiness({ ...opts.cache.status(), draining, warming });
      return send(res, status, text);
    }
    if (path === WEBHOOK_PATHS.metrics) {
      metrics.registry
        .metrics()
        .then((text) => send(res, 200, text, metrics.registry.contentType))
        .catch(() => send(res, 500, 'metrics failed\n'));
      return;
    }
    refuse(404, `no such path; the webhook serves POST ${WEBHOOK_PATHS.validate}`);
  });
  server.on('tlsClientError', () => {
    // A scanner or a client that does not trust the certificate: nothing to answer, nothing worth a log line each.
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Without a host, Node listens on :: where the kernel has IPv6 (both families) and on 0.0.0.0 where it has not.
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (opts.host) server.listen(opts.port, opts.host, listening);
    else server.listen(opts.port, listening);
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = (drainMs = DEFAULT_DRAIN_MS) => {
    if (closing) return closing;
    draining = true;
    tlsPoller.stop();
    closing = new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), drainMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Idle keep-alive connections would hold close() open; busy ones are closed once their answer is written.
      server.closeIdleConnections();
    });
    return closing;
  };

  return {
    port,
    metrics,
    get inFlight() {
      return inFlight;
    },
    get warmingUp() {
      return warming;
    },
    reloadTls,
    close,
  };
}
