/**
 * Requests with retries, and paginated lists.
 *
 * - 429 and 503 honour Retry-After (bounded), other 5xx back off exponentially, a connection dropped before the
 *   body ends is retried; timeouts and stalls are not (they already cost their whole budget).
 * - 401 recomputes the credentials once (an exec plugin's token may have expired) and retries.
 * - Lists page with `limit`/`continue`; an expired continue token (410) restarts that kind's list from
 *   scratch once; a list that never ends (more pages or objects than the bounds, or a repeated continue
 *   token) is cut with an error for that kind.
 */
import { TransportError } from './client.js';
import { DiscoveryError } from './discovery.js';
import { quote } from '../kubeconfig/redact.js';
export const DEFAULT_TUNING = {
    pageLimit: 500,
    maxRetries: 4,
    retryBaseMs: 200,
    maxRetryAfterMs: 10_000,
    maxResponseBytes: 64 * 1024 * 1024,
    maxObjectsPerCluster: 1_000_000,
    maxPagesPerKind: 20_000,
    kindConcurrency: 4,
};
/** An HTTP answer other than success, with the server's own reason (never a body of objects). */
export class ApiError extends Error {
    status;
    reason;
    constructor(status, reason, message) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.name = 'ApiError';
    }
}
/** A list cut by a bound (size, count, pages). */
export class BoundError extends Error {
    constructor(message) {
        super(message);
        this.name = 'BoundError';
    }
}
export function makeRequester(conn, opts) {
    const sleep = opts.sleep ?? abortableSleep;
    const limits = {
        timeoutMs: opts.requestTimeoutMs,
        stallMs: opts.tuning.stallMs ?? opts.requestTimeoutMs,
        maxBytes: opts.tuning.maxResponseBytes,
        signal: opts.signal,
    };
    return {
        async getJson(p, what) {
            let refreshed = false;
            for (let attempt = 0;; attempt++) {
                let res;
                try {
                    res = await conn.get(p, limits);
                }
                catch (err) {
                    if (err instanceof TransportError && err.kind === 'dropped' && attempt < opts.tuning.maxRetries) {
                        await sleep(backoff(opts.tuning, attempt), opts.signal);
                        continue;
                    }
                    throw err;
                }
                if (res.status >= 200 && res.status < 300) {
                    try {
                        return JSON.parse(res.body.toString('utf8'));
                    }
                    catch {
                        if (what === 'discovery')
                            throw new DiscoveryError(res.status, `discovery (${p}): the server answered with something that is not JSON`);
                        throw new ApiError(res.status, 'BadResponse', 'the server answered with something that is not JSON');
                    }
                }
                if (res.status === 401 && !refreshed) {
                    refreshed = true;
                    await conn.refreshAuth(opts.signal);
                    continue;
                }
                if ((res.status === 429 || res.status >= 500) && attempt < opts.tuning.maxRetries) {
                    // 429 (priority and fairness) and 503 (an unavailable aggregated API) may say when to come back.
                    const ra = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers['retry-after'], opts.tuning.maxRetryAfterMs) : null;
                    await sleep(ra ?? backoff(opts.tuning, attempt), opts.signal);
                    if (opts.signal.aborted)
                        throw new TransportError('aborted', 'cancelled (cluster timeout)');
                    continue;
                }
                const status = statusOf(res.body);
                const msg = describeStatus(res.status, status, attempt);
                if (what === 'discovery')
                    throw new DiscoveryError(res.status, `discovery (${p}): ${msg}`);
                throw new ApiError(res.status, status.reason, msg);
            }
        },
    };
}
function backoff(t, attempt) {
    const base = t.retryBaseMs * 2 ** attempt;
    return Math.round(base / 2 + Math.random() * (base / 2));
}
/** Retry-After in seconds (or an HTTP date), bounded; null when absent or unreadable. */
export function retryAfterMs(v, max) {
    const s = Array.isArray(v) ? v[0] : v;
    if (!s)
        return null;
    let ms;
    if (/^\d+$/.test(s.trim()))
        ms = Number(s.trim()) * 1000;
    else {
        const at = Date.parse(s);
        if (!Number.isFinite(at))
            return null;
        ms = at - Date.now();
    }
    return Math.max(0, Math.min(ms, max));
}
/** Waits `ms`, or less when `signal` aborts (never rejects). */
export function abortableSleep(ms, signal) {
    return new Promise((resolve) => {
        if (signal.aborted)
            return resolve();
        const t = setTimeout(done, ms);
        function done() {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
        }
        signal.addEventListener('abort', done, { once: true });
    });
}
function statusOf(body) {
    if (body.length > 64 * 1024)
        return { reason: '', message: '' };
    try {
        const s = JSON.parse(body.toString('utf8'));
        return {
            reason: typeof s?.reason === 'string' ? s.reason.slice(0, 100) : '',
            message: typeof s?.message === 'string' ? s.message : '',
        };
    }
    catch {
        return { reason: '', message: '' };
    }
}
function describeStatus(code, s, attempt) {
    const server = s.message ? `: ${quote(s.message, 300)}` : '';
    const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : '';
    switch (code) {
        case 401:
            return `401 Unauthorized${server}${tries}: the credentials were not accepted; refresh them (log in again) and retry`;
        case 403:
            return `403 Forbidden${server}: grant list on it (meshward rbac prints the role)`;
        case 429:
            return `429 Too Many Requests${server}${tries}: the API server kept throttling; retry later or lower --cluster-concurrency`;
        default:
            return `HTTP ${code}${server}${tries}`;
    }
}
/**
 * Lists every object of one kind across all namespaces, page by page. `budget.remaining` is the
 * cluster's object bound, shared by all kinds; it is decremented as objects arrive.
 */
export async function listKind(api, rk, tuning, budget, onPage, 
/** Selector query parameters (`labelSelector=...`), already encoded. */
selector = '', 
/**
 * Applied to each object as its page arrives (the sanitizer): the parsed page is then garbage at
 * once, instead of every page of the kind surviving until the list ends (which moves tens of
 * megabytes of raw objects into the old generation for the collector to mark and compact).
 */
each) {
    const base = rk.group ? `/apis/${encodeURIComponent(rk.group)}/${encodeURIComponent(rk.version)}/${rk.resource}` : `/api/v1/${rk.resource}`;
    let relisted = false;
    for (;;) {
        const items = [];
        const start = budget.remaining;
        let token = '';
        let pages = 0;
        let resourceVersion = '';
        const seenTokens = new Set();
        try {
            for (;;) {
                if (++pages > tuning.maxPagesPerKind)
                    throw new BoundError(`the list did not end after ${tuning.maxPagesPerKind} pages (continue tokens without end); cut`);
                const q = `?${selector ? `${selector}&` : ''}limit=${tuning.pageLimit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
                const page = (await api.getJson(base + q, 'list'));
                const arr = page && Array.isArray(page.items) ? page.items : null;
                if (!arr)
                    throw new ApiError(200, 'BadResponse', 'the server answered a list without an items array');
                for (const it of arr) {
                    if (!it || typeof it !== 'object' || Array.isArray(it))
                        continue;
                    if (--budget.remaining < 0)
                        throw new BoundError(`the cluster holds more than ${tuning.maxObjectsPerCluster} objects (the per-cluster bound); cut`);
                    items.push(each ? each(it) : it);
                }
                onPage?.(items.length);
                // Every page of one list reports the snapshot's resourceVersion; the first one is kept.
                if (!resourceVersion && typeof page.metadata?.resourceVersion === 'string' && page.metadata.resourceVersion.length <= 64)
                    resourceVersion = page.metadata.resourceVersion;
                const next = typeof page.metadata?.continue === 'string' ? page.metadata.continue : '';
                if (!next)
                    return { items, pages, relisted, resourceVersion };
                if (next.length > 16 * 1024)
                    throw new BoundError('the server sent a continue token over 16 KiB; cut');
                if (seenTokens.has(next))
                    throw new BoundError('the server sent the same continue token twice (a list that never ends); cut');
                seenTokens.add(next);
                token = next;
            }
        }
        catch (err) {
            // 410 Gone on a continue token: the snapshot expired mid-list. Start over once, from scratch.
            if (err instanceof ApiError && err.status === 410 && token && !relisted) {
                relisted = true;
                budget.remaining = start;
                continue;
            }
            if (budget.remaining < 0)
                budget.remaining = 0;
            throw err;
        }
    }
}
