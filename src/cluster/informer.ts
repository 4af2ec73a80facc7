/**
 * `openClusterCache` (contract in cache-types.ts): one cluster, judged by the gate and connected exactly
 * as a live scan connects (read.ts's `selectTargets` and `connectAndDiscover`), then one informer per
 * served kind:
 *
 * - list (paged, bounded, retried as list.ts lists), every object through the live scan's conversion
 *   (`liveResource`: the one sanitizer), the difference with what the cache held applied as
 *   ADDED/MODIFIED/DELETED changes (a relist after 410 Gone keeps subscribers right);
 * - watch from the list's resourceVersion with bookmarks and a randomised `timeoutSeconds` (5 to 10
 *   minutes, as client-go's reflector), resumed from the last resourceVersion seen (event or bookmark)
 *   when the stream ends, drops or stalls; relist on 410 Gone (HTTP or an ERROR event);
 * - 429, 5xx, 403 and connection failures: the kind's `lastError`, retried with capped exponential
 *   backoff and jitter (Retry-After honoured, bounded).
 *
 * Secrets are only ever watched through the live scan's selectors (secrets.ts), one selected watch per
 * selector; an object several selectors hold stays until the last one lets it go.
 *
 * `synced`: a kind is synced once its first list is in. The cache is synced once every served kind is
 * synced *or* was refused (403) on its first attempt: a forbidden kind would otherwise keep a webhook
 * unready forever, while it stays visible in `status()` (synced false, lastError 403) and keeps being
 * retried. Kinds whose API group could not be discovered do not block it either (their lastError says why).
 */
import { setMaxListeners } from 'node:events';
import { quote } from '../kubeconfig/redact.js';
import type { Resource } from '../model/resource.js';
import { groupOf } from '../model/resource.js';
import type { CacheChange, CacheStatus, ClusterCache, KindStatus, OpenCacheOptions, OpenClusterCache } from './cache-types.js';
import { CacheStore, kindId, objectKey } from './cache.js';
import { TransportError, type Connection, type WatchEnd } from './client.js';
import { BARE_KIND_GROUPS, DiscoveryError, discover, splitKindKey, type ResolvedKind } from './discovery.js';
import type { ClientSpec } from './gate.js';
import { LiveSelectionError } from './kubeconfig-source.js';
import { abortableSleep, ApiError, BoundError, DEFAULT_TUNING, listKind, retryAfterMs, type ApiRequester, type Tuning } from './list.js';
import { liveResource } from './live-resource.js';
import { connectAndDiscover, selectTargets, weakened, type InClusterPaths, type OpenedCluster } from './read.js';
import { SECRET_SELECTORS } from './secrets.js';
import type { ClusterError } from './types.js';

export interface CacheTuning extends Tuning {
  /** Shortest watch `timeoutSeconds`; each watch asks for a random value in [this, 2 × this) (client-go: 5 min). */
  watchTimeoutSeconds: number;
  /** Longest silence on a watch (no byte, not even a bookmark) before it is dropped and resumed (ms). */
  watchStallMs: number;
  /** Largest watch event line (bytes). Objects are at most about 1.5 MiB; JSON escaping can double that. */
  maxEventBytes: number;
  /** Longest wait between retries of a failing kind or connection (ms). */
  maxBackoffMs: number;
  /**
   * How often kinds the cluster did not serve (a CRD not installed yet) or whose group could not be
   * discovered are looked for again (ms). Istio installed after the agent or webhook started is then
   * watched without a restart.
   */
  rediscoverMs: number;
}

export const DEFAULT_CACHE_TUNING: CacheTuning = {
  ...DEFAULT_TUNING,
  watchTimeoutSeconds: 300,
  // A real API server sends a bookmark about once a minute to watches that allow them.
  watchStallMs: 150_000,
  maxEventBytes: 4 * 1024 * 1024,
  maxBackoffMs: 30_000,
  rediscoverMs: 60_000,
};

/** Knobs beyond the contract: bounds and test hooks. */
export interface CacheExtras {
  tuning?: Partial<CacheTuning>;
  inClusterPaths?: InClusterPaths;
  /** Waits between retries (resolves early when the signal aborts). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Skip notes per informer before they are thinned out (a hostile stream cannot flood the log). */
const MAX_SKIP_NOTES = 20;

export async function openClusterCache(opts: OpenCacheOptions & CacheExtras): Promise<ClusterCache> {
  const tuning: CacheTuning = { ...DEFAULT_CACHE_TUNING, ...opts.tuning };
  const targets = selectTargets({
    kubeconfig: opts.inCluster ? undefined : opts.kubeconfig,
    contexts: !opts.inCluster && opts.context !== undefined ? [opts.context] : [],
    allContexts: false,
    inCluster: opts.inCluster,
    clusterNames: opts.clusterNames,
    allowExec: opts.allowExec,
    allowInsecureKubeconfig: opts.allowInsecureKubeconfig,
    env: opts.env,
    homedir: opts.homedir,
    cwd: opts.cwd,
    inClusterPaths: opts.inClusterPaths,
  });
  const note = safeNote(opts.onNote);
  const t = targets[0];
  if (targets.length !== 1 || !t) throw new LiveSelectionError(`the cluster cache watches exactly one cluster; the selection gave ${targets.length}`);
  for (const n of t.notes) note(n);
  if (!t.spec) {
    throw new LiveSelectionError(`cluster ${quote(t.name)} refused: ${t.errors.map((e) => e.message).join('; ') || 'no usable credentials'}`);
  }
  const cache = new LiveCache(t.name, t.spec, opts, tuning, note);
  cache.start();
  return cache;
}

// The contract's signature, checked by the compiler.
const _contract: OpenClusterCache = openClusterCache;
void _contract;

function safeNote(onNote: ((n: string) => void) | undefined): (n: string) => void {
  return (n) => {
    try {
      onNote?.(n);
    } catch {
      // A logger that throws must not stop an informer.
    }
  };
}

/** The informers of one served resource (`Deployment` and `apps/Deployment` asked for are one). */
interface KindState {
  rk: ResolvedKind;
  kid: string;
  informers: Informer[];
  rv: string | null;
  relists: number;
}

/** The kind's last error: any of its informers' (Secrets have one per selector). */
function lastErrorOf(ks: KindState): ClusterError | null {
  for (const i of ks.informers) if (i.lastError) return i.lastError;
  return null;
}

interface Shared {
  clusterName: string;
  conn: Connection;
  api: ApiRequester;
  store: CacheStore;
  tuning: CacheTuning;
  requestTimeoutMs: number;
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  note: (n: string) => void;
  settledChanged: () => void;
}

class LiveCache implements ClusterCache {
  private readonly store: CacheStore;
  private readonly controller = new AbortController();
  private readonly asked: string[];
  private readonly keyState = new Map<string, KindState>();
  private readonly states: KindState[] = [];
  private readonly absent = new Map<string, string>();
  private readonly failed = new Map<string, ClusterError>();
  private discovered = false;
  /** Informer ids handed out so far (the cache store counts which informers hold an object). */
  private owners = 0;
  private connError: ClusterError | null = null;
  private conn: Connection | null = null;
  private startTask: Promise<void> = Promise.resolve();
  private readonly tasks: Promise<void>[] = [];
  private syncedAt: number | null = null;
  private closing: Promise<void> | null = null;
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (e: Error) => void;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    readonly name: string,
    private readonly spec: ClientSpec,
    private readonly opts: OpenCacheOptions & CacheExtras,
    private readonly tuning: CacheTuning,
    private readonly note: (n: string) => void,
  ) {
    this.store = new CacheStore(tuning.maxObjectsPerCluster, () => note('a cache subscriber threw on a change; the other subscribers still got it'));
    this.asked = [...new Set(opts.kinds)];
    this.sleep = opts.sleep ?? abortableSleep;
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // Nobody may be waiting when close() rejects it.
    this.synced.catch(() => {});
  }

  get version(): number {
    return this.store.version;
  }

  start(): void {
    this.startTask = this.connectAndWatch().catch((err) => {
      // Not expected (every failure is retried); said, never thrown into the void.
      if (!this.controller.signal.aborted) this.note(`cluster cache ${quote(this.name)} stopped: unexpected failure (${(err as Error)?.name ?? 'error'})`);
    });
  }

  private async connectAndWatch(): Promise<void> {
    const signal = this.controller.signal;
    let opened: OpenedCluster | null = null;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        opened = await connectAndDiscover(this.spec, this.asked, { tuning: this.tuning, requestTimeoutMs: this.opts.requestTimeoutMs, signal, sleep: this.sleep });
        break;
      } catch (err) {
        if (signal.aborted) return;
        this.connError = connectionError(err);
        const wait = backoff(this.tuning, attempt);
        this.note(`cluster ${quote(this.name)}: ${this.connError.message}; retrying in ${wait} ms`);
        await this.sleep(wait, signal);
      }
    }
    if (!opened) return;
    if (signal.aborted) {
      opened.conn.close();
      return;
    }
    this.conn = opened.conn;
    this.connError = null;
    for (const n of opened.absentNotes) this.note(n);
    for (const a of opened.absent) this.absent.set(a.key, a.reason);
    for (const f of opened.failed) {
      this.failed.set(f.kind, f);
      this.note(`${f.kind} not watched: ${f.message}`);
    }
    const shared: Shared = {
      clusterName: this.name,
      conn: opened.conn,
      api: opened.api,
      store: this.store,
      tuning: this.tuning,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      signal,
      sleep: this.sleep,
      note: this.note,
      settledChanged: () => this.checkSynced(),
    };
    this.watchResolved(opened.allResolved, shared);
    this.discovered = true;
    this.checkSynced();
    this.tasks.push(this.rediscoverLoop(shared));
  }

  /**
   * Starts informers for newly resolved kinds: one per served resource (`Deployment` and
   * `apps/Deployment` asked for are one resource), several for Secrets (one per selector).
   */
  private watchResolved(resolved: readonly ResolvedKind[], shared: Shared): ResolvedKind[] {
    const byResource = new Map<string, KindState>(this.states.map((ks) => [`${ks.rk.group}/${ks.rk.resource}`, ks]));
    const started: KindState[] = [];
    const added: ResolvedKind[] = [];
    for (const rk of resolved) {
      const id = `${rk.group}/${rk.resource}`;
      let ks = byResource.get(id);
      if (!ks) {
        ks = { rk, kid: kindId(rk.group, rk.kind), informers: [], rv: null, relists: 0 };
        byResource.set(id, ks);
        this.states.push(ks);
        started.push(ks);
      }
      if (!this.keyState.has(rk.key)) {
        this.keyState.set(rk.key, ks);
        this.absent.delete(rk.key);
        this.failed.delete(rk.key);
        added.push(rk);
      }
    }
    for (const ks of started) {
      const selectors = ks.rk.group === '' && ks.rk.kind === 'Secret' ? SECRET_SELECTORS.map((s) => ({ query: s.query, why: s.why })) : [{ query: '', why: '' }];
      for (const sel of selectors) ks.informers.push(new Informer(++this.owners, ks, sel.query, sel.why, shared));
    }
    // Each informer waits on the one signal (a watch or list request, or a backoff): that many listeners is expected.
    setMaxListeners(10 + 4 * this.owners, shared.signal);
    for (const ks of started) for (const inf of ks.informers) this.tasks.push(inf.run());
    return added;
  }

  /** Looks again, now and then, for the kinds the cluster did not serve or could not be asked about. */
  private async rediscoverLoop(shared: Shared): Promise<void> {
    const signal = shared.signal;
    while (!signal.aborted) {
      await this.sleep(this.tuning.rediscoverMs, signal);
      if (signal.aborted) return;
      const missing = this.asked.filter((k) => !this.keyState.has(k));
      if (!missing.length) continue;
      let found;
      try {
        found = await discover(shared.api, missing);
      } catch {
        // The cluster is unreachable for now: the informers say so; the next round tries again.
        continue;
      }
      if (signal.aborted) return;
      for (const f of found.failed) this.failed.set(f.key, { kind: f.key, status: f.status, message: `${f.message}; ${weakened(f.key)}` });
      const added = this.watchResolved(found.resolved, shared);
      if (added.length) this.note(`${added.map((rk) => rk.key).join(', ')} now served (installed after the cache opened): watching`);
    }
  }

  private checkSynced(): void {
    if (this.syncedAt !== null || !this.discovered || this.controller.signal.aborted) return;
    if (!this.states.every((ks) => ks.informers.every((i) => i.settled))) return;
    this.syncedAt = Date.now();
    this.resolveSynced();
  }

  status(): CacheStatus {
    const kinds: KindStatus[] = this.asked.map((key) => {
      const ks = this.keyState.get(key);
      if (ks) {
        return {
          kind: key,
          served: true,
          synced: ks.informers.length > 0 && ks.informers.every((i) => i.listed),
          objects: this.store.sizeOf(ks.kid),
          resourceVersion: ks.rv,
          relists: ks.relists,
          lastError: lastErrorOf(ks),
        };
      }
      const reason = this.absent.get(key);
      if (reason !== undefined) return { kind: key, served: false, synced: false, objects: 0, resourceVersion: null, relists: 0, lastError: null };
      // Not discovered yet (served is assumed until discovery says otherwise), or its group could not be discovered.
      return { kind: key, served: true, synced: false, objects: 0, resourceVersion: null, relists: 0, lastError: this.failed.get(key) ?? this.connError };
    });
    return { cluster: this.name, synced: this.syncedAt !== null, syncedAt: this.syncedAt, lastEventAt: this.store.lastEventAt, size: this.store.size, kinds };
  }

  whenSynced(): Promise<void> {
    return this.synced;
  }

  resources(): Iterable<Resource> {
    return this.store.all();
  }

  ofKind(kind: string): Iterable<Resource> {
    return this.store.ofKind(this.kidOf(kind));
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.store.get(this.kidOf(kind), namespace, name);
  }

  /** `Kind` or `group/Kind`, as asked for or not, to the store's id of the kind. */
  private kidOf(kind: string): string {
    const ks = this.keyState.get(kind);
    if (ks) return ks.kid;
    const { group, kind: k } = splitKindKey(kind);
    if (group !== null) return kindId(group, k);
    if (this.states.some((s) => s.kid === k)) return k;
    if (Object.hasOwn(BARE_KIND_GROUPS, k)) return kindId(BARE_KIND_GROUPS[k]!, k);
    return k;
  }

  subscribe(listener: (change: CacheChange) => void): () => void {
    return this.store.subscribe(listener);
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.controller.abort();
    if (this.syncedAt === null) this.rejectSynced(new Error(`the cache of cluster ${quote(this.name)} was closed before its first sync`));
    this.closing = (async () => {
      await this.startTask;
      await Promise.allSettled(this.tasks);
      this.conn?.close();
    })();
    return this.closing;
  }
}

type WatchOutcome = { kind: 'ended'; progressed: boolean; ms: number } | { kind: 'gone' };

/** One list-then-watch loop: a resource, or one selector of it (Secrets). */
class Informer {
  /** Last resourceVersion seen (list, event or bookmark). */
  rv: string | null = null;
  /** Objects this informer holds: key → namespace and name. */
  private readonly owned = new Map<string, { namespace: string; name: string }>();
  /** First list done (or nothing to list: the server refused the selector). */
  listed = false;
  /** The last failure, cleared by the next list, event or bookmark. */
  lastError: ClusterError | null = null;
  /** Refused (403) on its first attempt: does not block the cache's sync, keeps retrying. */
  private forbiddenFirst = false;
  private skipped = 0;
  private readonly base: string;
  private readonly label: string;

  constructor(
    private readonly owner: number,
    private readonly ks: KindState,
    private readonly selector: string,
    private readonly why: string,
    private readonly s: Shared,
  ) {
    const rk = ks.rk;
    this.base = rk.group ? `/apis/${encodeURIComponent(rk.group)}/${encodeURIComponent(rk.version)}/${rk.resource}` : `/api/v1/${rk.resource}`;
    this.label = selector ? `${rk.key} (${decodeURIComponent(selector)})` : rk.key;
  }

  get settled(): boolean {
    return this.listed || this.forbiddenFirst;
  }

  async run(): Promise<void> {
    const { signal, tuning } = this.s;
    let needList = true;
    let attempt = 0;
    let refreshed = false;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.list();
          needList = false;
          attempt = 0;
        }
        const out = await this.watchOnce();
        if (out.kind === 'gone') {
          needList = true;
          this.ks.relists++;
          this.s.note(`${this.label}: the watch's resourceVersion is too old (410 Gone); relisting`);
          continue;
        }
        refreshed = false;
        if (out.progressed) attempt = 0;
        else if (out.ms < 1000) {
          // A server that ends every watch at once must not be asked again in a tight loop.
          await this.s.sleep(backoff(tuning, attempt++), signal);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.status === 410) {
          needList = true;
          if (this.listed) this.ks.relists++;
          this.s.note(`${this.label}: 410 Gone; relisting`);
          continue;
        }
        if (err instanceof ApiError && err.status === 401 && !refreshed) {
          refreshed = true;
          try {
            await this.s.conn.refreshAuth(signal);
          } catch {
            // The retry below reports the failure.
          }
          continue;
        }
        if (err instanceof ApiError && err.status === 400 && this.selector && needList) {
          // A server that cannot select on this field: those Secrets are missed, said once; nothing to watch.
          this.s.note(`Secrets selected by ${decodeURIComponent(this.selector)} not watched: the server refused the selector (400); ${this.why} miss them`);
          this.listed = true;
          this.s.settledChanged();
          return;
        }
        this.lastError = kindError(this.ks.rk.key, err);
        if (err instanceof ApiError && err.status === 403 && !this.listed && !this.forbiddenFirst) {
          this.forbiddenFirst = true;
          this.s.settledChanged();
        }
        const wait = (err instanceof WatchApiError ? err.retryAfterMs : null) ?? backoff(tuning, attempt++);
        const resume = !needList && err instanceof TransportError ? '; resuming the watch' : '';
        this.s.note(`${this.label}: ${this.lastError.message}${resume}; retrying in ${wait} ms`);
        await this.s.sleep(wait, signal);
      }
    }
  }

  private async list(): Promise<void> {
    const { store, tuning } = this.s;
    const rk = this.ks.rk;
    const budget = { remaining: Math.max(0, tuning.maxObjectsPerCluster - (store.size - this.owned.size)) };
    const { items, resourceVersion } = await listKind(this.s.api, rk, tuning, budget, undefined, this.selector);
    const seen = new Set<string>();
    let full = 0;
    for (let i = 0; i < items.length; i++) {
      const raw = items[i]!;
      items[i] = undefined as never; // released as it is converted
      if (!hasName(raw)) {
        this.skip('a listed object without metadata.name');
        continue;
      }
      const r = liveResource(raw, rk, this.s.clusterName);
      const key = objectKey(r.namespace, r.name);
      if (seen.has(key)) continue;
      seen.add(key);
      if (store.upsert(this.owner, this.ks.kid, r) === 'full') {
        full++;
        continue;
      }
      this.owned.set(key, { namespace: r.namespace, name: r.name });
    }
    items.length = 0;
    // What the cache held and the new list lacks was deleted while nobody watched.
    for (const [key, id] of [...this.owned]) {
      if (seen.has(key)) continue;
      this.owned.delete(key);
      store.remove(this.owner, this.ks.kid, id.namespace, id.name, null);
    }
    if (full) this.s.note(`${this.label}: ${full} objects not cached: the cache holds ${tuning.maxObjectsPerCluster} objects at most`);
    this.rv = resourceVersion || null;
    if (this.rv) this.ks.rv = this.rv;
    this.lastError = null;
    if (!this.listed) {
      this.listed = true;
      this.s.settledChanged();
    }
  }

  private async watchOnce(): Promise<WatchOutcome> {
    const { tuning, conn, signal } = this.s;
    const min = Math.max(1, Math.floor(tuning.watchTimeoutSeconds));
    const timeoutSeconds = min + Math.floor(Math.random() * min);
    const q = `?${this.selector ? `${this.selector}&` : ''}watch=1&allowWatchBookmarks=true${this.rv ? `&resourceVersion=${encodeURIComponent(this.rv)}` : ''}&timeoutSeconds=${timeoutSeconds}`;
    let progressed = false;
    let errorEvent: { code: number; reason: string; message: string } | null = null;
    const started = performance.now();
    const end: WatchEnd = await conn.watch(
      this.base + q,
      {
        stallMs: tuning.watchStallMs,
        maxLineBytes: tuning.maxEventBytes,
        maxErrorBytes: 64 * 1024,
        signal,
        onOversized: (bytes) => this.skip(`an event line of ${bytes} bytes (over the bound of ${tuning.maxEventBytes})`),
      },
      (line) => {
        const r = this.onLine(line);
        if (r === 'progress') progressed = true;
        else if (typeof r === 'object') {
          errorEvent = r;
          return false;
        }
        return true;
      },
    );
    if (end.status < 200 || end.status >= 300) {
      const st = statusOf(end.body);
      throw watchError(end.status, st, end.headers['retry-after'], tuning);
    }
    const ev = errorEvent as { code: number; reason: string; message: string } | null;
    if (ev) {
      if (ev.code === 410) return { kind: 'gone' };
      throw watchError(ev.code, ev, undefined, tuning);
    }
    return { kind: 'ended', progressed, ms: performance.now() - started };
  }

  /** One event line: 'progress' (applied or bookmark), 'skipped', or the Status of an ERROR event. */
  private onLine(line: string): 'progress' | 'skipped' | { code: number; reason: string; message: string } {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      return this.skip('a line that is not JSON');
    }
    if (!isObject(ev)) return this.skip('an event that is not a JSON object');
    const type = ev.type;
    const obj = ev.object;
    if (type === 'ERROR') {
      const o = isObject(obj) ? obj : {};
      return {
        code: typeof o.code === 'number' ? o.code : 500,
        reason: typeof o.reason === 'string' ? o.reason.slice(0, 100) : '',
        message: typeof o.message === 'string' ? o.message : '',
      };
    }
    if (!isObject(obj)) return this.skip('an event without an object');
    const rv = resourceVersionIn(obj);
    if (type === 'BOOKMARK') {
      if (!rv) return this.skip('a bookmark without a resourceVersion');
      this.advance(rv);
      this.s.store.touch();
      return 'progress';
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return this.skip(`an event of type ${quote(String(type), 40)}`);
    const rk = this.ks.rk;
    if (obj.kind !== undefined && obj.kind !== rk.kind) return this.skip(`an object of kind ${quote(String(obj.kind), 60)} on the watch of ${rk.kind}`);
    if (obj.apiVersion !== undefined && (typeof obj.apiVersion !== 'string' || groupOf(obj.apiVersion) !== rk.group)) {
      return this.skip(`an object of apiVersion ${quote(String(obj.apiVersion), 60)} on the watch of ${rk.apiVersion}`);
    }
    if (!hasName(obj)) return this.skip('an object without metadata.name');
    const r = liveResource(obj, rk, this.s.clusterName);
    const key = objectKey(r.namespace, r.name);
    if (type === 'DELETED') {
      if (this.owned.delete(key)) this.s.store.remove(this.owner, this.ks.kid, r.namespace, r.name, r);
    } else if (this.s.store.upsert(this.owner, this.ks.kid, r) === 'full') {
      this.skip(`an object over the cache's bound of ${this.s.tuning.maxObjectsPerCluster} objects`);
    } else this.owned.set(key, { namespace: r.namespace, name: r.name });
    if (rv) this.advance(rv);
    return 'progress';
  }

  private advance(rv: string): void {
    this.rv = rv;
    this.ks.rv = rv;
    this.lastError = null;
  }

  private skip(what: string): 'skipped' {
    this.skipped++;
    if (this.skipped <= MAX_SKIP_NOTES || this.skipped % 1000 === 0) {
      this.s.note(`${this.label}: skipped ${what} (${this.skipped} skipped so far); the watch goes on`);
    }
    return 'skipped';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasName(o: Record<string, unknown>): boolean {
  const md = o.metadata;
  return isObject(md) && typeof md.name === 'string' && md.name !== '';
}

function resourceVersionIn(o: Record<string, unknown>): string {
  const md = o.metadata;
  const rv = isObject(md) ? md.resourceVersion : undefined;
  return typeof rv === 'string' && rv.length <= 64 ? rv : '';
}

/** A refused watch, with the server's reason; `retryAfterMs` from Retry-After (429, 503). */
class WatchApiError extends ApiError {
  constructor(
    status: number,
    reason: string,
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(status, reason, message);
  }
}

function watchError(code: number, st: { reason: string; message: string }, retryAfter: string | string[] | undefined, tuning: CacheTuning): WatchApiError {
  const server = st.message ? `: ${quote(st.message, 300)}` : '';
  let msg: string;
  if (code === 403) msg = `watch: 403 Forbidden${server}: grant watch on it (meshward rbac prints the role)`;
  else if (code === 401) msg = `watch: 401 Unauthorized${server}: the credentials were not accepted; refresh them`;
  else if (code === 429) msg = `watch: 429 Too Many Requests${server}`;
  else msg = `watch: HTTP ${code}${server}`;
  const ra = code === 429 || code === 503 ? retryAfterMs(retryAfter, tuning.maxRetryAfterMs) : null;
  return new WatchApiError(code, st.reason, msg, ra);
}

function statusOf(body: Buffer): { reason: string; message: string } {
  try {
    const s = JSON.parse(body.toString('utf8'));
    return {
      reason: typeof s?.reason === 'string' ? s.reason.slice(0, 100) : '',
      message: typeof s?.message === 'string' ? s.message : '',
    };
  } catch {
    return { reason: '', message: '' };
  }
}

function kindError(key: string, err: unknown): ClusterError {
  if (err instanceof ApiError) return { kind: key, status: err.status, message: err.message };
  if (err instanceof BoundError || err instanceof TransportError) return { kind: key, status: null, message: err.message };
  return { kind: key, status: null, message: `unexpected failure (${(err as Error)?.name ?? 'error'})` };
}

function connectionError(err: unknown): ClusterError {
  if (err instanceof DiscoveryError) return { kind: 'discovery', status: err.status, message: err.message };
  if (err instanceof ApiError) return { kind: 'connection', status: err.status, message: err.message };
  if (err instanceof TransportError) return { kind: 'connection', status: null, message: err.message };
  return { kind: 'connection', status: null, message: `unexpected failure (${(err as Error)?.name ?? 'error'})` };
}

/** Exponential from retryBaseMs, capped at maxBackoffMs, with jitter (half to all of it). */
function backoff(t: CacheTuning, attempt: number): number {
  const base = Math.min(t.maxBackoffMs, t.retryBaseMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
