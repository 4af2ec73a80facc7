/** `Kind` for the core group, `group/Kind` otherwise: one id per served kind. */
export function kindId(group, kind) {
    return group ? `${group}/${kind}` : kind;
}
/** Unambiguous whatever the names hold (a hostile name may contain '/'). */
export function objectKey(namespace, name) {
    return `${namespace.length}:${namespace}/${name}`;
}
export class CacheStore {
    maxObjects;
    onListenerError;
    version = 0;
    /** Wall-clock ms of the last applied change or bookmark. */
    lastEventAt = null;
    kinds = new Map();
    count = 0;
    /** Copy-on-write: a listener that unsubscribes (or subscribes) during a change does not disturb the round. */
    listeners = [];
    nextId = 1;
    constructor(maxObjects, 
    /** Told when a subscriber throws (the other subscribers still get the change). */
    onListenerError) {
        this.maxObjects = maxObjects;
        this.onListenerError = onListenerError;
    }
    get size() {
        return this.count;
    }
    sizeOf(kid) {
        return this.kinds.get(kid)?.size ?? 0;
    }
    get(kid, namespace, name) {
        return this.kinds.get(kid)?.get(objectKey(namespace, name))?.resource;
    }
    *ofKind(kid) {
        const m = this.kinds.get(kid);
        if (m)
            for (const e of m.values())
                yield e.resource;
    }
    *all() {
        for (const m of this.kinds.values())
            for (const e of m.values())
                yield e.resource;
    }
    subscribe(listener) {
        this.listeners = [...this.listeners, listener];
        let active = true;
        return () => {
            if (!active)
                return;
            active = false;
            this.listeners = this.listeners.filter((l) => l !== listener);
        };
    }
    /** A bookmark: nothing changed, but the cache is known current. */
    touch() {
        this.lastEventAt = Date.now();
    }
    /**
     * Adds or replaces an object on behalf of `owner`. An object already held at the same
     * resourceVersion is not a change (a relist finding what the cache had). Past the object bound, a
     * new object is refused ('full').
     */
    upsert(owner, kid, r) {
        let m = this.kinds.get(kid);
        const key = objectKey(r.namespace, r.name);
        const cur = m?.get(key);
        if (cur) {
            cur.owners.add(owner);
            if (resourceVersionOf(cur.resource) === resourceVersionOf(r) && resourceVersionOf(r) !== '')
                return 'unchanged';
            r.id = cur.resource.id;
            const previous = cur.resource;
            cur.resource = r;
            this.applied({ type: 'MODIFIED', resource: r, previous });
            return 'MODIFIED';
        }
        if (this.count >= this.maxObjects)
            return 'full';
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
    remove(owner, kid, namespace, name, last) {
        const m = this.kinds.get(kid);
        const key = objectKey(namespace, name);
        const cur = m?.get(key);
        if (!m || !cur || !cur.owners.delete(owner))
            return false;
        if (cur.owners.size > 0)
            return false;
        m.delete(key);
        if (m.size === 0)
            this.kinds.delete(kid);
        this.count--;
        const resource = last ?? cur.resource;
        resource.id = cur.resource.id;
        this.applied({ type: 'DELETED', resource, previous: cur.resource });
        return true;
    }
    applied(change) {
        this.version++;
        this.lastEventAt = Date.now();
        for (const l of this.listeners) {
            try {
                l(change);
            }
            catch (err) {
                this.onListenerError(err);
            }
        }
    }
}
export function resourceVersionOf(r) {
    const md = r.obj.metadata;
    if (!md || typeof md !== 'object' || Array.isArray(md))
        return '';
    const rv = md.resourceVersion;
    return typeof rv === 'string' ? rv : '';
}
