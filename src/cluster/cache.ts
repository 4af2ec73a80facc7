/**
 * The cluster cache's store: the current objects of every watched kind, keyed by kind, namespace and
 * name (Maps only: every key comes from the cluster), a version bumped per applied change, and the
 * subscribers called synchronously, in subscription order, after each change.
 *
 * Several informers may feed one kind (Secrets: one label- or field-selected watch per selector, and the
 * selectors may overlap), so each object remembers which informers currently hold it: it leaves the
 * cache when the last of them lets it go.
 */
import type { Resource } from '../model/resource.js';
import type { CacheChange } from './cache-types.js';

/** `Kind` for the core group, `group/Kind` otherwise: one id per served kind. */
export function kindId(group: string, kind: string): string {
  return group ? `${group}/${kind}` : kind;
}

/** Unambiguous whatever the names hold (a hostile name may contain '/'). */
export function objectKey(namespace: string, name: string): string {
  return `${namespace.length}:${namespace}/${name}`;
}

interface Entry {
  resource: Resource;
  /** Informers that currently hold the object. */
  owners: Set<number>;
}

export type UpsertResult = 'ADDED' | 'MODIFIED' | 'unchanged' | 'full';

export class CacheStore {
  version = 0;
  /** Wall-clock ms of the last applied change or bookmark. */
  lastEventAt: number | null = null;
  private readonly kinds = new Map<string, Map<string, Entry>>();
  private count = 0;
  /** Copy-on-write: a listener that unsubscribes (or subscribes) during a change does not disturb the round. */
  private listeners: ReadonlyArray<(c: CacheChange) => void> = [];
  private nextId = 1;

  constructor(
    private readonly maxObjects: number,
    /** Told when a subscriber throws (the other subscribers still get the change). */
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  sizeOf(kid: string): number {
    return this.kinds.get(kid)?.size ?? 0;
  }

  get(kid: string, namespace: string, name: string): Resource | undefined {
    return this.kinds.get(kid)?.get(objectKey(namespace, name))?.resource;
  }

  *ofKind(kid: string): Generator<Resource> {
    const m = this.kinds.get(kid);
    if (m) for (const e of m.values()) yield e.resource;
  }

  *all(): Generator<Resource> {
    for (const m of this.kinds.values()) for (const e of m.values()) yield e.resource;
  }

  subscribe(listener: (c: CacheChange) => void): () => void {
    this.listeners = [...this.listeners, listener];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** A bookmark: nothing changed, but the cache is known current. */
  touch(): void {
    this.lastEventAt = Date.now();
  }

  /**
   * Adds or replaces an object on behalf of `owner`. An object already held at the same
   * resourceVersion is not a change (a relist finding what the cache had). Past the object bound, a
   * new object is refused ('full').
   */
  upsert(owner: number, kid: string, r: Resource): UpsertResult {
    let m = this.kinds.get(kid);
    const key = objectKey(r.namespace, r.name);
    const cur = m?.get(key);
    if (cur) {
      cur.owners.add(owner);
      if (resourceVersionOf(cur.resource) === resourceVersionOf(r) && resourceVersionOf(r) !== '') return 'unchanged';
      r.id = cur.resource.id;
      const previous = cur.resource;
      cur.resource = r;
      this.applied({ type: 'MODIFIED', resource: r, previous });
      return 'MODIFIED';
    }
    if (this.count >= this.maxObjects) return 'full';
    if (!m) {
      m = new Map();
      this.kinds.set(kid, m);
    }
    r.id = this.nextId++;
    m.set(key, { resource: r, owners: new Set([owner]) });
    this.count++;
    this.applied({ type: 'ADDED', resource: r });
    return 'ADDED';
  }

  /**
   * `owner` lets the object go; it leaves the cache when no other informer holds it. `last` is the
   * object's final state when the API sent one (a DELETED event), else the cached one is reported.
   */
  remove(owner: number, kid: string, namespace: string, name: string, last: Resource | null): boolean {
    const m = this.kinds.get(kid);
    const key = objectKey(namespace, name);
    const cur = m?.get(key);
    if (!m || !cur || !cur.owners.delete(owner)) return false;
    if (cur.owners.size > 0) return false;
    m.delete(key);
    if (m.size === 0) this.kinds.delete(kid);
    this.count--;
    const resource = last ?? cur.resource;
    resource.id = cur.resource.id;
    this.applied({ type: 'DELETED', resource, previous: cur.resource });
    return true;
  }

  private applied(change: CacheChange): void {
    this.version++;
    this.lastEventAt = Date.now();
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

export function resourceVersionOf(r: Resource): string {
  const md = r.obj.metadata;
  if (!md || typeof md !== 'object' || Array.isArray(md)) return '';
  const rv = (md as Record<string, unknown>).resourceVersion;
  return typeof rv === 'string' ? rv : '';
}
