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
import type { TrafficFacts } from '../types.js';
import { DEFAULT_EDGE_LIMITS, EDGE_LABELS, EdgeAccumulator, QUERIED_METRICS, RESPONSE_CODE_LABEL, type EdgeField, type EdgeLimits } from './edges.js';

// The window's syntax lives apart so that checking --window does not load this module (./window.ts).
export { MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, parseWindow } from './window.js';

export interface PromQuery {
  metric: string;
  field: EdgeField;
  /** The PromQL sent to /api/v1/query. */
  query: string;
}

/** Every PromQL query meshward sends for a window (the tests run each one against a real Prometheus). */
export function promQueries(windowSeconds: number): PromQuery[] {
  const w = Math.round(windowSeconds);
  if (!Number.isSafeInteger(w) || w <= 0) throw new Error(`window must be a positive number of seconds, got ${windowSeconds}`);
  return QUERIED_METRICS.map(({ metric, field }) => {
    const by = field === 'requests' ? [...EDGE_LABELS, RESPONSE_CODE_LABEL] : EDGE_LABELS;
    return { metric, field, query: `sum by (${by.join(', ')}) (increase(${metric}[${w}s]))` };
  });
}

export interface PrometheusOptions {
  /** Base URL of the Prometheus HTTP API (`http://prometheus.istio-system:9090`, a path prefix allowed). */
  url: string;
  windowSeconds: number;
  /** Evaluation time (end of the window); default now. */
  end?: Date;
  /** Per query, covering the connection and the whole answer; default 30 s. */
  timeoutMs?: number;
  /** Most series kept per query (sent as `limit`, which Prometheus 3 honours, and cut here); default 50,000. */
  maxSeriesPerQuery?: number;
  /** Largest answer read per query; default 64 MiB. */
  maxResponseBytes?: number;
  limits?: Partial<EdgeLimits>;
}

export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_SERIES_PER_QUERY = 50_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A failure that ends the whole fetch (nothing else will answer either). */
class Unreachable extends Error {}
/** A failure of one query. */
class QueryFailed extends Error {}

interface Target {
  /** The base URL without userinfo, ending without `/`. */
  base: string;
  authorization?: string;
}

function target(raw: string, shown: string): Target {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Unreachable(`--prometheus ${shown} is not a URL: give one like http://prometheus.istio-system:9090`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Unreachable(`--prometheus ${shown}: only http and https URLs are queried`);
  let authorization: string | undefined;
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

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A network error's code (ECONNREFUSED...) or its cause's short message: never the URL it may quote. */
function errorCode(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = cause && typeof cause.code === 'string' ? cause.code : (e as { code?: unknown })?.code;
  if (typeof code === 'string') return code.slice(0, 60);
  if (cause && typeof cause.message === 'string' && !/[:/@]/.test(cause.message)) return cause.message.slice(0, 60);
  return (e as Error)?.name ?? 'error';
}

/** Reads a body up to `max` bytes; more is an error (the stream is cancelled, not drained). */
async function readBounded(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new QueryFailed(`the answer is ${declared} bytes, over the limit of ${max}`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new QueryFailed(`the answer is over the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A server's error text, bounded and escaped (it may quote our query, or anything). */
function serverText(v: unknown): string {
  return terminalSafe(typeof v === 'string' ? v.slice(0, 200) : '');
}

interface VectorSample {
  labels: Map<string, string>;
  value: number;
}

function parseVector(body: string): { samples: VectorSample[]; warnings: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new QueryFailed('the answer is not JSON (is this the Prometheus HTTP API?)');
  }
  const o = doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown; errorType?: unknown; warnings?: unknown };
  if (o === null || typeof o !== 'object') throw new QueryFailed('the answer is not a Prometheus API object');
  if (o.status !== 'success') throw new QueryFailed(`Prometheus answered ${serverText(o.errorType) || 'an error'}: ${serverText(o.error)}`);
  if (o.data === null || typeof o.data !== 'object' || o.data.resultType !== 'vector' || !Array.isArray(o.data.result)) {
    throw new QueryFailed('the answer is not an instant vector');
  }
  const warnings = Array.isArray(o.warnings) ? o.warnings.slice(0, 5).map(serverText) : [];
  const samples: VectorSample[] = [];
  let malformed = 0;
  for (const r of o.data.result as unknown[]) {
    const rec = r as { metric?: unknown; value?: unknown };
    if (rec === null || typeof rec !== 'object' || rec.metric === null || typeof rec.metric !== 'object' || !Array.isArray(rec.value)) {
      malformed++;
      continue;
    }
    const labels = new Map<string, string>();
    // JSON.parse makes `__proto__` an own key like any other; entries() reads it as data.
    for (const [k, v] of Object.entries(rec.metric as Record<string, unknown>)) if (typeof v === 'string') labels.set(k, v);
    const raw = rec.value[1];
    const value = typeof raw === 'string' ? Number(raw) : NaN;
    samples.push({ labels, value });
  }
  if (malformed > 0) warnings.push(`${malformed} result(s) without labels and value skipped`);
  return { samples, warnings };
}

/**
 * Queries a Prometheus for the window and returns traffic facts; every problem is a note. `fetchImpl`
 * is the fetch to use (tests and the bench pass the global one; the default is globalThis.fetch).
 */
export async function loadPrometheus(options: PrometheusOptions): Promise<TrafficFacts> {
  const shown = redactUrl(options.url);
  const end = options.end ?? new Date();
  const source = { kind: 'prometheus' as const, name: shown, windowSeconds: options.windowSeconds, end: end.toISOString() };
  const notes: string[] = [];
  const acc = new EdgeAccumulator({ ...DEFAULT_EDGE_LIMITS, ...options.limits });
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
  const maxSeries = options.maxSeriesPerQuery ?? DEFAULT_MAX_SERIES_PER_QUERY;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let t: Target;
  let queries: PromQuery[];
  try {
    t = target(options.url, shown);
    queries = promQueries(options.windowSeconds);
  } catch (e) {
    return buildTrafficFacts(source, [], [`${(e as Error).message}; no traffic facts from it`]);
  }
  const time = (end.getTime() / 1000).toFixed(3);
  for (const q of queries) {
    try {
      const samples = await runQuery(t, q.query, time, { timeoutMs, maxSeries, maxBytes, shown, notes, metric: q.metric });
      for (const s of samples) acc.add(q.field, s.labels, s.value);
    } catch (e) {
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

async function runQuery(
  t: Target,
  query: string,
  time: string,
  o: { timeoutMs: number; maxSeries: number; maxBytes: number; shown: string; notes: string[]; metric: string },
): Promise<VectorSample[]> {
  const url = new URL(`${t.base.replace(/\?.*$/, '')}/api/v1/query`);
  for (const [k, v] of new URL(t.base).searchParams) url.searchParams.append(k, v);
  url.searchParams.set('query', query);
  url.searchParams.set('time', time);
  url.searchParams.set('limit', String(o.maxSeries + 1));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (t.authorization) headers.authorization = t.authorization;
  const signal = AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'manual', signal });
  } catch (e) {
    if (signal.aborted) throw new Unreachable(`Prometheus ${o.shown} did not answer within ${o.timeoutMs} ms`);
    throw new Unreachable(`Prometheus ${o.shown} cannot be reached (${terminalSafe(errorCode(e))})`);
  }
  let body: string;
  try {
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      const location = res.headers.get('location');
      throw new Unreachable(
        `Prometheus ${o.shown} answered with a redirect (HTTP ${res.status}${location ? ` to ${redactUrl(location)}` : ''}); redirects are not followed: give the final URL to --prometheus`,
      );
    }
    body = await readBounded(res, o.maxBytes);
  } catch (e) {
    if (e instanceof Unreachable || e instanceof QueryFailed) throw e;
    if (signal.aborted) throw new Unreachable(`Prometheus ${o.shown} did not finish its answer within ${o.timeoutMs} ms`);
    throw new QueryFailed(`the answer could not be read (${terminalSafe(errorCode(e))})`);
  }
  if (res.status === 401 || res.status === 403) throw new Unreachable(`Prometheus ${o.shown} refused the query (HTTP ${res.status}): check the credentials in the URL`);
  if (res.status !== 200 && !(res.status >= 400 && res.status < 500 && body.trimStart().startsWith('{'))) {
    throw new QueryFailed(`HTTP ${res.status}`);
  }
  const { samples, warnings } = parseVector(body);
  for (const w of warnings) o.notes.push(`Prometheus ${o.shown}: ${o.metric}: ${w}`);
  if (samples.length > o.maxSeries) {
    o.notes.push(`Prometheus ${o.shown}: ${o.metric}: ${samples.length - o.maxSeries}${samples.length === o.maxSeries + 1 ? ' or more' : ''} series over the limit of ${o.maxSeries} ignored (narrow the window or raise the limit)`);
    samples.length = o.maxSeries;
  }
  return samples;
}
