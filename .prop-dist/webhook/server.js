/**
 * The admission webhook's HTTPS server: `POST /validate` (AdmissionReview v1), `/healthz`, `/readyz`,
 * `/metrics`. One process, one event loop: a review is read (bounded), parsed, judged and answered
 * without leaving it; the decision itself is decideIntroduced's.
 *
 * Logs are JSON lines (pino) that say who asked what and what was answered, never what the object held:
 * reviews carry whole objects, Secrets' and env values among them.
 */
import https from 'node:https';
import { promises as fs } from 'node:fs';
import { DEFAULT_SYSTEM_NAMESPACES } from '../model/namespaces.js';
import { Tenancy } from '../tenancy/policy.js';
import { admissionKinds } from './admission-kinds.js';
import { decideIntroduced, deciderFor } from './decide.js';
import { createMetrics } from './metrics.js';
import { FilePoller } from './reload.js';
import { MAX_REVIEW_BYTES, ReviewError, parseReview, reviewResponse } from './review.js';
import { WEBHOOK_PATHS } from './types.js';
import { judge, kindId } from './verdict.js';
/** Default time a decision may take before the review is allowed unchecked (webhooks time out at 10 s by default). */
export const DEFAULT_DECISION_BUDGET_MS = 2_000;
/** Longest a graceful shutdown waits for in-flight reviews before closing what is left. */
export const DEFAULT_DRAIN_MS = 25_000;
function send(res, status, body, type = 'text/plain; charset=utf-8') {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
}
/** Reads a request body up to `max` bytes; rejects with a 413 ReviewError past it. */
function readBody(req, max) {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max)
        return Promise.reject(new ReviewError(413, `request body of ${declared} bytes is over the ${max}-byte limit for an AdmissionReview`));
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        let done = false;
        req.on('data', (c) => {
            if (done)
                return;
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
            if (!done)
                resolve(Buffer.concat(chunks, size));
            done = true;
        });
        req.on('error', (err) => {
            if (!done)
                reject(err);
            done = true;
        });
    });
}
/** The platform subjects of a tenant policy, as the generated admission policies exempt them. */
function platformUserCheck(policy, systemNamespaces) {
    const tenancy = new Tenancy(policy, { isSystemNamespace: (ns) => systemNamespaces.has(ns), namespaceLabels: () => ({}) });
    return (u) => {
        const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(u.username);
        // A service account is judged as one (`user:system:...` would make every service account a system identity).
        if (sa)
            return tenancy.isPlatformSubject(`serviceaccount:${sa[1]}:${sa[2]}`);
        if (u.username && tenancy.isPlatformSubject(`user:${u.username}`))
            return true;
        return u.groups.some((g) => tenancy.isPlatformSubject(`group:${g}`));
    };
}
/** The stack frames of an error, without its message (a message may quote the object that broke the rule). */
function framesOf(message) {
    return message
        .split('\n')
        .filter((l) => /^\s+at /.test(l))
        .slice(0, 8)
        .map((l) => l.trim());
}
export async function startWebhookServer(opts) {
    const log = opts.logger;
    const clock = opts.clock ?? (() => performance.now());
    const metrics = createMetrics(() => opts.cache, { defaultMetrics: opts.defaultMetrics });
    const kinds = new Set(admissionKinds().map((k) => `${k.group}/${k.kind}`));
    const judgeOpts = { mode: opts.mode, denyOn: opts.denyOn, unsynced: opts.unsynced, exempt: opts.exempt, kinds, budgetMs: opts.budgetMs ?? DEFAULT_DECISION_BUDGET_MS };
    const systemNamespaces = new Set([...(opts.settings.systemNamespaces.length ? opts.settings.systemNamespaces : DEFAULT_SYSTEM_NAMESPACES), ...opts.exempt]);
    let platformFor = null;
    const isPlatformUser = (u) => {
        const policy = opts.tenants.current;
        if (!platformFor || platformFor.policy !== policy)
            platformFor = { policy, check: platformUserCheck(policy, systemNamespaces) };
        return platformFor.check(u);
    };
    // One `resources` function for the server's life: the decision keeps its analysed base per function
    // (decide.ts), so a new one per review would analyse the whole cache again for every review.
    const cacheResources = () => opts.cache.resources();
    const decisionState = () => ({ version: opts.cache.version, resources: cacheResources, synced: opts.cache.status().synced });
    const decideOptions = (tenantPolicy) => ({ tenantPolicy, settings: opts.settings, cluster: opts.cache.name });
    const decide = opts.decide ??
        ((req, state, tenantPolicy) => decideIntroduced(req, state, decideOptions(tenantPolicy), { staleness: opts.staleness }));
    if (!opts.decide) {
        // Analyse the cache once it is synced, so the first review does not pay for it.
        opts.cache.whenSynced().then(() => {
            const state = decisionState();
            deciderFor(state, decideOptions(opts.tenants.current), { staleness: opts.staleness }).rebuild(state);
        }, () => undefined);
    }
    let draining = false;
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
        }
        catch (err) {
            metrics.reloads.inc({ what: 'tls', result: 'refused' });
            log.error({ event: 'tls-reload-refused', cert: opts.tlsCertFile, key: opts.tlsKeyFile, reason: err.code ?? err.message?.slice(0, 200) }, 'new TLS certificate or key did not load; still serving the previous one');
        }
    };
    const tlsPoller = new FilePoller([opts.tlsCertFile, opts.tlsKeyFile], reloadTls);
    await tlsPoller.start(opts.reloadIntervalMs);
    const validate = async (req, res, arrived) => {
        let review;
        try {
            review = parseReview(await readBody(req, MAX_REVIEW_BYTES));
        }
        catch (err) {
            if (!(err instanceof ReviewError))
                throw err;
            metrics.badReviews.inc({ status: String(err.status) });
            log.warn({ event: 'bad-review', status: err.status, reason: err.message, remote: req.socket.remoteAddress }, 'review refused');
            if (err.status === 413)
                res.setHeader('connection', 'close');
            send(res, err.status, err.message + '\n');
            return;
        }
        // Decisions run on this one thread and cannot be interrupted. Yielding once before deciding lets
        // every review that arrived in the same turn of the event loop be stamped first, so when one
        // decision runs long the reviews queued behind it see their wait and are answered within the budget
        // instead of each taking a full decision in turn.
        await new Promise((resolve) => setImmediate(resolve));
        const state = decisionState();
        const tenantPolicy = opts.tenants.current;
        const j = judge(review, judgeOpts, {
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
        for (const rule of j.denyingRules)
            metrics.denials.inc({ rule });
        for (const f of j.failures)
            metrics.ruleFailures.inc({ rule: f.ruleId });
        if (j.outcome === 'over-budget')
            metrics.overBudget.inc();
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
        };
        if (j.failures.length) {
            for (const f of j.failures)
                log.error({ event: 'rule-failed', uid: review.uid, rule: f.ruleId, frames: framesOf(f.message) }, 'a rule threw; the review was allowed with a warning');
        }
        if (j.outcome === 'over-budget')
            log.warn(entry, 'decision over budget; allowed unchecked');
        else
            log.info(entry, 'review');
    };
    server.on('request', (req, res) => {
        const arrived = clock();
        inFlight++;
        res.on('close', () => {
            inFlight--;
            if (draining && inFlight === 0)
                server.closeIdleConnections();
        });
        // During a drain, answers say the connection ends, so keep-alive clients reconnect elsewhere.
        if (draining)
            res.setHeader('connection', 'close');
        const path = (req.url ?? '').split('?')[0];
        const refuse = (status, message, headers = {}) => {
            metrics.badReviews.inc({ status: String(status) });
            for (const [k, v] of Object.entries(headers))
                res.setHeader(k, v);
            send(res, status, message + '\n');
        };
        if (path === WEBHOOK_PATHS.validate) {
            if (req.method !== 'POST')
                return refuse(405, `${WEBHOOK_PATHS.validate} takes POST with an AdmissionReview`, { allow: 'POST' });
            validate(req, res, arrived).catch((err) => {
                log.error({ event: 'internal-error', error: err?.name, frames: framesOf(String(err?.stack ?? '')) }, 'review failed');
                if (!res.headersSent)
                    send(res, 500, 'internal error; the webhook log has the details\n');
                else
                    res.destroy();
            });
            return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            if (path === WEBHOOK_PATHS.healthz || path === WEBHOOK_PATHS.readyz || path === WEBHOOK_PATHS.metrics)
                return refuse(405, `${path} takes GET`, { allow: 'GET, HEAD' });
            return refuse(404, `no such path; the webhook serves POST ${WEBHOOK_PATHS.validate}`);
        }
        if (path === WEBHOOK_PATHS.healthz)
            return send(res, 200, 'ok\n');
        if (path === WEBHOOK_PATHS.readyz) {
            const status = opts.cache.status();
            if (draining)
                return send(res, 503, 'shutting down\n');
            if (!status.synced)
                return send(res, 503, `not synced: the cluster cache has not completed its first list (${status.size} objects so far)\n`);
            return send(res, 200, `ready: ${status.size} objects cached\n`);
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
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        // Without a host, Node listens on :: where the kernel has IPv6 (both families) and on 0.0.0.0 where it has not.
        const listening = () => {
            server.off('error', reject);
            resolve();
        };
        if (opts.host)
            server.listen(opts.port, opts.host, listening);
        else
            server.listen(opts.port, listening);
    });
    const port = server.address().port;
    let closing = null;
    const close = (drainMs = DEFAULT_DRAIN_MS) => {
        if (closing)
            return closing;
        draining = true;
        tlsPoller.stop();
        closing = new Promise((resolve) => {
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
        reloadTls,
        close,
    };
}
