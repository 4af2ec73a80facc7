/**
 * A ClusterCache over objects given to it rather than watched: `meshward webhook --objects FILE` (try
 * the webhook, or a policy, against a fixed set of manifests without a cluster), the tests and the
 * benchmark. Objects go in through the same liveResource() the informers use, so the webhook sees
 * exactly what it would see from a real cache. `apply` and `remove` stand in for watch events;
 * `markSynced` for the first list completing.
 */
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import type { CacheChange, CacheStatus, ClusterCache } from '../cluster/cache-types.js';
import { isClusterScoped, kindKey, type Resource } from '../model/resource.js';

function idOf(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

/** The kind key a caller may ask for (`Kind` for core, `group/Kind` otherwise). */
function keyOf(r: Resource): string {
  return kindKey(r.group, r.kind);
}

export class ObjectCache implements ClusterCache {
  readonly name: string;
  private _version = 0;
  private synced: boolean;
  private syncedAt: number | null = null;
  private lastEventAt: number | null = null;
  private readonly objects = new Map<string, Resource>();
  private readonly listeners = new Set<(change: CacheChange) => void>();
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closed = false;

  /**
   * `owned`: the caller hands `objects` over (made for this cache and held by nothing else), so they are
   * sanitized in place instead of cloned first: a benchmark's 20,000-object clusters cost a third less.
   */
  constructor(opts: { name?: string; synced?: boolean; objects?: Array<Record<string, unknown>>; owned?: boolean } = {}) {
    this.name = opts.name ?? 'test';
    this.synced = opts.synced ?? true;
    if (this.synced) this.syncedAt = Date.now();
    for (const o of opts.objects ?? []) this.apply(o, opts.owned ?? false);
  }

  get version(): number {
    return this._version;
  }

  /**
   * Adds or replaces an object (a manifest as kubectl would send it). Returns the Resource stored.
   * `owned`: `raw` is plain JSON data nothing else holds; it is sanitized in place, not cloned.
   */
  apply(raw: Record<string, unknown>, owned = false): Resource {
    const apiVersion = String(raw.apiVersion ?? 'v1');
    const kind = String(raw.kind ?? '');
    const r = liveResource(owned ? raw : structuredClone(raw), { apiVersion, kind, namespaced: !isClusterScoped(kind) }, this.name, owned);
    const id = idOf(keyOf(r), r.namespace, r.name);
    const previous = this.objects.get(id);
    this.objects.set(id, r);
    this.changed(previous ? { type: 'MODIFIED', resource: r, previous } : { type: 'ADDED', resource: r });
    return r;
  }

  /** Adds every document of a YAML stream. */
  applyYaml(text: string): void {
    for (const d of parseAllDocuments(text)) {
      const o = d.toJS() as Record<string, unknown> | null;
      if (o && typeof o === 'object') this.apply(o);
    }
  }

  remove(kind: string, namespace: string, name: string): boolean {
    const id = idOf(kind, namespace, name);
    const previous = this.objects.get(id);
    if (!previous) return false;
    this.objects.delete(id);
    this.changed({ type: 'DELETED', resource: previous, previous });
    return true;
  }

  /** Removes every object (each as a DELETED change). */
  clear(): void {
    for (const r of [...this.objects.values()]) this.remove(keyOf(r), r.namespace, r.name);
  }

  markSynced(): void {
    this.synced = true;
    this.syncedAt = Date.now();
    for (const w of this.syncWaiters) w.resolve();
    this.syncWaiters = [];
  }

  private changed(change: CacheChange): void {
    this._version++;
    this.lastEventAt = Date.now();
    for (const l of this.listeners) l(change);
  }

  status(): CacheStatus {
    return { cluster: this.name, synced: this.synced, syncedAt: this.syncedAt, lastEventAt: this.lastEventAt, size: this.objects.size, kinds: [] };
  }

  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('cache closed'));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  resources(): Iterable<Resource> {
    return this.objects.values();
  }

  *ofKind(kind: string): Iterable<Resource> {
    for (const r of this.objects.values()) if (keyOf(r) === kind) yield r;
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.objects.get(idOf(kind, namespace, name));
  }

  subscribe(listener: (change: CacheChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.syncWaiters) w.reject(new Error('cache closed before it synced'));
    this.syncWaiters = [];
    this.listeners.clear();
  }
}
