/**
 * A ClusterCache over objects given to it rather than watched: `meshward webhook --objects FILE` (try
 * the webhook, or a policy, against a fixed set of manifests without a cluster), the tests and the
 * benchmark. Objects go in through the same liveResource() the informers use, so the webhook sees
 * exactly what it would see from a real cache. `apply` and `remove` stand in for watch events;
 * `markSynced` for the first list completing.
 */
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { isClusterScoped, kindKey } from '../model/resource.js';
function idOf(kind, namespace, name) {
    return `${kind}\u0000${namespace}\u0000${name}`;
}
/** The kind key a caller may ask for (`Kind` for core, `group/Kind` otherwise). */
function keyOf(r) {
    return kindKey(r.group, r.kind);
}
export class ObjectCache {
    name;
    _version = 0;
    synced;
    syncedAt = null;
    lastEventAt = null;
    objects = new Map();
    listeners = new Set();
    syncWaiters = [];
    closed = false;
    constructor(opts = {}) {
        this.name = opts.name ?? 'test';
        this.synced = opts.synced ?? true;
        if (this.synced)
            this.syncedAt = Date.now();
        for (const o of opts.objects ?? [])
            this.apply(o);
    }
    get version() {
        return this._version;
    }
    /** Adds or replaces an object (a manifest as kubectl would send it). Returns the Resource stored. */
    apply(raw) {
        const apiVersion = String(raw.apiVersion ?? 'v1');
        const kind = String(raw.kind ?? '');
        const r = liveResource(structuredClone(raw), { apiVersion, kind, namespaced: !isClusterScoped(kind) }, this.name);
        const id = idOf(keyOf(r), r.namespace, r.name);
        const previous = this.objects.get(id);
        this.objects.set(id, r);
        this.changed(previous ? { type: 'MODIFIED', resource: r, previous } : { type: 'ADDED', resource: r });
        return r;
    }
    /** Adds every document of a YAML stream. */
    applyYaml(text) {
        for (const d of parseAllDocuments(text)) {
            const o = d.toJS();
            if (o && typeof o === 'object')
                this.apply(o);
        }
    }
    remove(kind, namespace, name) {
        const id = idOf(kind, namespace, name);
        const previous = this.objects.get(id);
        if (!previous)
            return false;
        this.objects.delete(id);
        this.changed({ type: 'DELETED', resource: previous, previous });
        return true;
    }
    /** Removes every object (each as a DELETED change). */
    clear() {
        for (const r of [...this.objects.values()])
            this.remove(keyOf(r), r.namespace, r.name);
    }
    markSynced() {
        this.synced = true;
        this.syncedAt = Date.now();
        for (const w of this.syncWaiters)
            w.resolve();
        this.syncWaiters = [];
    }
    changed(change) {
        this._version++;
        this.lastEventAt = Date.now();
        for (const l of this.listeners)
            l(change);
    }
    status() {
        return { cluster: this.name, synced: this.synced, syncedAt: this.syncedAt, lastEventAt: this.lastEventAt, size: this.objects.size, kinds: [] };
    }
    whenSynced() {
        if (this.synced)
            return Promise.resolve();
        if (this.closed)
            return Promise.reject(new Error('cache closed'));
        return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
    }
    resources() {
        return this.objects.values();
    }
    *ofKind(kind) {
        for (const r of this.objects.values())
            if (keyOf(r) === kind)
                yield r;
    }
    get(kind, namespace, name) {
        return this.objects.get(idOf(kind, namespace, name));
    }
    subscribe(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        for (const w of this.syncWaiters)
            w.reject(new Error('cache closed before it synced'));
        this.syncWaiters = [];
        this.listeners.clear();
    }
}
