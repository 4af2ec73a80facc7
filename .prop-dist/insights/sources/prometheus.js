/**
 * Traffic facts from a Prometheus (or compatible) HTTP API: one instant query per Istio metric,
 * `sum by (<edge labels>) (increase(<metric>[<window>]))`, turned into the same TrafficEdge values as
 * a metrics file (./edges.ts does both).
 *
 * What can go wrong is a note, never an exception: Prometheus down, slow (timeout), an error answer,
 * a redirect (never followed: the URL given is the one queried, so a metric store cannot send us to
 * another host), an answer over the size bound, more series than the limit (cut, with a note). The
 * queries are built from constants and the window only: nothing a label says is ever fetched.
 *
 * The URL may carry credentials (`https://user:pass@prom:9090`): they go to the server as a Basic
 * Authorization header and appear in every note only through redactUrl() (src/engine/redact.ts).
 */
import { redactUrl } from '../../engine/redact.js';
import { terminalSafe } from '../../engine/text.js';
import { buildTrafficFacts } from '../facts.js';
import { DEFAULT_EDGE_LIMITS, EDGE_LABELS, EdgeAccumulator, QUERIED_METRICS, RESPONSE_CODE_LABEL } from './edges.js';
/** The shortest and longest `--window` accepted. */
export const MIN_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 30 * 24 * 3600;
const DURATION_UNITS = new Map([
    ['s', 1],
    ['m', 60],
    ['h', 3600],
    ['d', 86400],
    ['w', 7 * 86400],
]);
/**
 * A `--window` value in seconds: Prometheus-style durations (`90s`, `15m`, `1h`, `1h30m`, `7d`), from
 * 1m to 30d. Throws an Error that says what is wrong and what is accepted.
 */
export function parseWindow(text) {
    const s = String(text).trim();
    const re = /([0-9]{1,7})([smhdw])/gy;
    let total = 0;
    let matched = 0;
    let m;
    while ((m = re.exec(s)) !== null) {
        total += Number(m[1]) * DURATION_UNITS.get(m[2]);
        matched = re.lastIndex;
    }
    if (s === '' || matched !== s.length) {
        throw new Error(`--window ${JSON.stringify(terminalSafe(s.slice(0, 40)))} is not a duration: write it like 90s, 15m, 1h, 1h30m or 7d`);
    }
    if (total < MIN_WINDOW_SECONDS || total > MAX_WINDOW_SECONDS) {
        throw new Error(`--window ${s} is out of range: give between 1m and 30d`);
    }
    return total;
}
/** Every PromQL query meshward sends for a window (the tests run each one against a real Prometheus). */
export function promQueries(windowSeconds) {
    const w = Math.round(windowSeconds);
    if (!Number.isSafeInteger(w) || w <= 0)
        throw new Error(`window must be a positive number of seconds, got ${windowSeconds}`);
    return QUERIED_METRICS.map(({ metric, field }) => {
        const by = field === 'requests' ? [...EDGE_LABELS, RESPONSE_CODE_LABEL] : EDGE_LABELS;
        return { metric, field, query: `sum by (${by.join(', ')}) (increase(${metric}[${w}s]))` };
    });
}
export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_SERIES_PER_QUERY = 50_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** A failure that ends the whole fetch (nothing else will answer either). */
class Unreachable extends Error {
}
/** A failure of one query. */
class QueryFailed extends Error {
}
function target(raw, shown) {
    let u;
    try {
        u = new URL(raw);
    }
    catch {
        throw new Unreachable(`--prometheus ${shown} is not a URL: give one like http://prometheus.istio-system:9090`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
        throw new Unreachable(`--prometheus ${shown}: only http and https URLs are queried`);
    let authorization;
    if (u.username || u.password) {
        const user = decodeURIComponentSafe(u.username);
        const pass = decodeURIComponentSafe(u.password);
        authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
        u.username = '';
        u.password = '';
    }
    u.hash = '';
    // Query parameters in the URL (a proxy's tenant, say) are kept and ours are added to them.
    const base = u.toString().replace(/\/+(\?|$)/, '$1');
    return { base, authorization };
}
function decodeURIComponentSafe(s) {
    try {
        return decodeURIComponent(s);
    }
    catch {
        return s;
    }
}
/** A network error's code (ECONNREFUSED...) or its cause's short message: never the URL it may quote. */
function errorCode(e) {
    const cause = e?.cause;
    const code = cause && typeof cause.code === 'string' ? cause.code : e?.code;
    if (typeof code === 'string')
        return code.slice(0, 60);
    if (cause && typeof cause.message === 'string' && !/[:/@]/.test(cause.message))
        return cause.message.slice(0, 60);
    return e?.name ?? 'error';
}
/** Reads a body up to `max` bytes; more is an error (the stream is cancelled, not drained). */
async function readBounded(res, max) {
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > max) {
        await res.body?.cancel().catch(() => { });
        throw new QueryFailed(`the answer is ${declared} bytes, over the limit of ${max}`);
    }
    if (!res.body)
        return '';
    const reader = res.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done)
            break;
        size += value.byteLength;
        if (size > max) {
            await reader.cancel().catch(() => { });
            throw new QueryFailed(`the answer is over the limit of ${max} bytes`);
        }
        chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
}
/** A server's error text, bounded and escaped (it may quote our query, or anything). */
function serverText(v) {
    return terminalSafe(typeof v === 'string' ? v.slice(0, 200) : '');
}
function parseVector(body) {
    let doc;
    try {
        doc = JSON.parse(body);
    }
    catch {
        throw new QueryFailed('the answer is not JSON (is this the Prometheus HTTP API?)');
    }
    const o = doc;
    if (o === null || typeof o !== 'object')
        throw new QueryFailed('the answer is not a Prometheus API object');
    if (o.status !== 'success')
        throw new QueryFailed(`Prometheus answered ${serverText(o.errorType) || 'an error'}: ${serverText(o.error)}`);
    if (o.data === null || typeof o.data !== 'object' || o.data.resultType !== 'vector' || !Array.isArray(o.data.result)) {
        throw new QueryFailed('the answer is not an instant vector');
    }
    const warnings = Array.isArray(o.warnings) ? o.warnings.slice(0, 5).map(serverText) : [];
    const samples = [];
    let malformed = 0;
    for (const r of o.data.result) {
        const rec = r;
        if (rec === null || typeof rec !== 'object' || rec.metric === null || typeof rec.metric !== 'object' || !Array.isArray(rec.value)) {
            malformed++;
            continue;
        }
        const labels = new Map();
        // JSON.parse makes `__proto__` an own key like any other; entries() reads it as data.
        for (const [k, v] of Object.entries(rec.metric))
            if (typeof v === 'string')
                labels.set(k, v);
        const raw = rec.value[1];
        const value = typeof raw === 'string' ? Number(raw) : NaN;
        samples.push({ labels, value });
    }
    if (malformed > 0)
        warnings.push(`${malformed} result(s) without labels and value skipped`);
    return { samples, warnings };
}
/**
 * Queries a Prometheus for the window and returns traffic facts; every problem is a note. `fetchImpl`
 * is the fetch to use (tests and the bench pass the global one; the default is globalThis.fetch).
 */
export async function loadPrometheus(options) {
    const shown = redactUrl(options.url);
    const end = options.end ?? new Date();
    const source = { kind: 'prometheus', name: shown, windowSeconds: options.windowSeconds, end: end.toISOString() };
    const notes = [];
    const acc = new EdgeAccumulator({ ...DEFAULT_EDGE_LIMITS, ...options.limits });
    const timeoutMs = options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
    const maxSeries = options.maxSeriesPerQuery ?? DEFAULT_MAX_SERIES_PER_QUERY;
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let t;
    let queries;
    try {
        t = target(options.url, shown);
        queries = promQueries(options.windowSeconds);
    }
    catch (e) {
        return buildTrafficFacts(source, [], [`${e.message}; no traffic facts from it`]);
    }
    const time = (end.getTime() / 1000).toFixed(3);
    for (const q of queries) {
        try {
            const samples = await runQuery(t, q.query, time, { timeoutMs, maxSeries, maxBytes, shown, notes, metric: q.metric });
            for (const s of samples)
                acc.add(q.field, s.labels, s.value);
        }
        catch (e) {
            if (e instanceof Unreachable) {
                notes.push(`${e.message}; no traffic facts from it`);
                return buildTrafficFacts(source, [], notes);
            }
            if (e instanceof QueryFailed) {
                notes.push(`Prometheus ${shown}: the query for ${q.metric} failed: ${e.message}; its figures are missing`);
                continue;
            }
            throw e;
        }
    }
    notes.push(...acc.notes(`Prometheus ${shown}`));
    return buildTrafficFacts(source, acc.result(), notes);
}
async function runQuery(t, query, time, o) {
    const url = new URL(`${t.base.replace(/\?.*$/, '')}/api/v1/query`);
    for (const [k, v] of new URL(t.base).searchParams)
        url.searchParams.append(k, v);
    url.searchParams.set('query', query);
    url.searchParams.set('time', time);
    url.searchParams.set('limit', String(o.maxSeries + 1));
    const headers = { accept: 'application/json' };
    if (t.authorization)
        headers.authorization = t.authorization;
    const signal = AbortSignal.timeout(o.timeoutMs);
    let res;
    try {
        res = await fetch(url, { headers, redirect: 'manual', signal });
    }
    catch (e) {
        if (signal.aborted)
            throw new Unreachable(`Prometheus ${o.shown} did not answer within ${o.timeoutMs} ms`);
        throw new Unreachable(`Prometheus ${o.shown} cannot be reached (${terminalSafe(errorCode(e))})`);
    }
    let body;
    try {
        if (res.status >= 300 && res.status < 400) {
            await res.body?.cancel().catch(() => { });
            const location = res.headers.get('location');
            throw new Unreachable(`Prometheus ${o.shown} answered with a redirect (HTTP ${res.status}${location ? ` to ${redactUrl(location)}` : ''}); redirects are not followed: give the final URL to --prometheus`);
        }
        body = await readBounded(res, o.maxBytes);
    }
    catch (e) {
        if (e instanceof Unreachable || e instanceof QueryFailed)
            throw e;
        if (signal.aborted)
            throw new Unreachable(`Prometheus ${o.shown} did not finish its answer within ${o.timeoutMs} ms`);
        throw new QueryFailed(`the answer could not be read (${terminalSafe(errorCode(e))})`);
    }
    if (res.status === 401 || res.status === 403)
        throw new Unreachable(`Prometheus ${o.shown} refused the query (HTTP ${res.status}): check the credentials in the URL`);
    if (res.status !== 200 && !(res.status >= 400 && res.status < 500 && body.trimStart().startsWith('{'))) {
        throw new QueryFailed(`HTTP ${res.status}`);
    }
    const { samples, warnings } = parseVector(body);
    for (const w of warnings)
        o.notes.push(`Prometheus ${o.shown}: ${o.metric}: ${w}`);
    if (samples.length > o.maxSeries) {
        o.notes.push(`Prometheus ${o.shown}: ${o.metric}: ${samples.length - o.maxSeries}${samples.length === o.maxSeries + 1 ? ' or more' : ''} series over the limit of ${o.maxSeries} ignored (narrow the window or raise the limit)`);
        samples.length = o.maxSeries;
    }
    return samples;
}
