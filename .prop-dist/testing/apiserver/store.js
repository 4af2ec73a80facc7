/**
 * One cluster's state: its API resources (built-in plus those its CustomResourceDefinitions define),
 * its objects, a global resourceVersion counter and a bounded window of change events for watches.
 * Several clusters may serve one ObjectSet by reference (benchmarks: 100 clusters, one copy), and
 * then share its writes too.
 */
import { randomUUID } from 'node:crypto';
import { BUILT_IN_RESOURCES, VIRTUAL_RESOURCES, crdObjects, resourceFromCrd } from './kinds.js';
export class StoreError extends Error {
    code;
    reason;
    details;
    constructor(code, reason, message, details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }
}
/** `group/plural` (core: `/plural`). */
export function resourceKey(group, plural) {
    return `${group}/${plural}`;
}
/** How the real server names a resource in messages: `pods`, `virtualservices.networking.istio.io`. */
export function qualified(r) {
    return r.group ? `${r.name}.${r.group}` : r.name;
}
class Bucket {
    byKey = new Map();
    sorted = null;
    keys() {
        if (!this.sorted)
            this.sorted = [...this.byKey.keys()].sort();
        return this.sorted;
    }
    set(s) {
        if (!this.byKey.has(s.key))
            this.sorted = null;
        this.byKey.set(s.key, s);
    }
    delete(key) {
        if (this.byKey.delete(key))
            this.sorted = null;
    }
}
export class ObjectSet {
    rv = 1;
    /** Events at or below this resourceVersion are forgotten: older watches and continue tokens get 410. */
    compactedRv = 1;
    /** Why some input objects were not stored (no such kind, no name...). */
    notes = [];
    buckets = new Map();
    resources = new Map();
    /** `group/Kind` → resource, to place input objects. */
    byKind = new Map();
    events = [];
    listeners = new Set();
    retain;
    /** Bumped by every change to an RBAC object or CRD, so callers can cache derived answers. */
    generation = 0;
    constructor(objects = [], opts = {}) {
        this.retain = Math.max(1, opts.retainEvents ?? 10_000);
        for (const r of BUILT_IN_RESOURCES)
            this.addResource(r);
        const pending = [...crdObjects(opts.crds ?? ['istio'])];
        for (const o of objects)
            pending.push(o);
        // CRDs first, as a real cluster has them installed before their objects can be created.
        for (const o of pending)
            if (isCrd(o))
                this.load(o);
        for (const o of pending)
            if (!isCrd(o))
                this.load(o);
        this.compactedRv = this.rv;
    }
    load(o) {
        try {
            this.create(o, null, { quiet: true });
        }
        catch (e) {
            this.notes.push(e.message);
        }
    }
    addResource(r) {
        const key = resourceKey(r.group, r.name);
        this.resources.set(key, r);
        this.byKind.set(`${r.group}/${r.kind}`, r);
        if (!this.buckets.has(key) && !VIRTUAL_RESOURCES.has(key))
            this.buckets.set(key, new Bucket());
    }
    /** Every served resource. */
    apiResources() {
        return [...this.resources.values()];
    }
    resource(group, plural) {
        return this.resources.get(resourceKey(group, plural));
    }
    resourceForKind(group, kind) {
        return this.byKind.get(`${group}/${kind}`);
    }
    onChange(l) {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
    }
    /** Forgets every retained event: watches from an older resourceVersion and older continue tokens now get 410. */
    compact() {
        this.events.length = 0;
        this.compactedRv = this.rv;
    }
    /** Events after `rv` for one resource, oldest first; null when `rv` is older than the window. */
    eventsSince(rv, resource) {
        if (rv < this.compactedRv)
            return null;
        const out = [];
        for (const e of this.events)
            if (e.rv > rv && e.resource === resource)
                out.push(e);
        return out;
    }
    get(r, namespace, name) {
        return this.buckets.get(resourceKey(r.group, r.name))?.byKey.get(r.namespaced ? `${namespace}/${name}` : name);
    }
    /** Objects of a resource in key order, from the first key at or after `prefix + start` (the continue token's start). */
    *iterate(r, namespace, start) {
        const bucket = this.buckets.get(resourceKey(r.group, r.name));
        if (!bucket)
            return;
        const keys = bucket.keys();
        const prefix = r.namespaced && namespace ? `${namespace}/` : '';
        const from = prefix + (start ?? '');
        let lo = 0, hi = keys.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (keys[mid] < from)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (let i = lo; i < keys.length; i++) {
            const k = keys[i];
            if (prefix && !k.startsWith(prefix))
                return;
            const s = bucket.byKey.get(k);
            if (s)
                yield s;
        }
    }
    /** Objects held, CRDs included. */
    size() {
        let n = 0;
        for (const b of this.buckets.values())
            n += b.byKey.size;
        return n;
    }
    count(r) {
        return this.buckets.get(resourceKey(r.group, r.name))?.byKey.size ?? 0;
    }
    clusterRoleBindings() {
        return this.objectsOf('rbac.authorization.k8s.io', 'clusterrolebindings', '');
    }
    roleBindings(namespace) {
        return this.objectsOf('rbac.authorization.k8s.io', 'rolebindings', namespace);
    }
    clusterRole(name) {
        return this.buckets.get('rbac.authorization.k8s.io/clusterroles')?.byKey.get(name)?.obj;
    }
    role(namespace, name) {
        return this.buckets.get('rbac.authorization.k8s.io/roles')?.byKey.get(`${namespace}/${name}`)?.obj;
    }
    *objectsOf(group, plural, namespace) {
        const r = this.resource(group, plural);
        if (r)
            for (const s of this.iterate(r, namespace, null))
                yield s.obj;
    }
    /** Places an input object: by its own apiVersion and kind, or under `into` (a create through the API). */
    create(input, into, opts = {}) {
        const o = checkObject(input);
        const group = groupOf(o.apiVersion);
        const r = into?.resource ?? this.resourceForKind(group, o.kind);
        if (!r)
            throw new StoreError(404, 'NotFound', `no resource serves kind ${JSON.stringify(o.kind)} in API group ${JSON.stringify(group)} (install its CustomResourceDefinition first)`);
        if (into && (o.kind !== r.kind || group !== r.group))
            throw new StoreError(400, 'BadRequest', `the API version in the data (${o.apiVersion}) does not match the expected API version (${r.group ? r.group + '/' : ''}${r.versions[0]}) or kind ${o.kind} does not match ${r.kind}`);
        const md = o.metadata;
        const name = md.name;
        let namespace = '';
        if (r.namespaced) {
            const own = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : '';
            if (into && into.namespace && own && own !== into.namespace)
                throw new StoreError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
            namespace = into?.namespace || own || 'default';
        }
        if (VIRTUAL_RESOURCES.has(resourceKey(r.group, r.name)))
            throw new StoreError(405, 'MethodNotAllowed', `${qualified(r)} are not stored`);
        const bucket = this.buckets.get(resourceKey(r.group, r.name));
        const key = r.namespaced ? `${namespace}/${name}` : name;
        if (bucket.byKey.has(key))
            throw new StoreError(409, 'AlreadyExists', `${qualified(r)} ${JSON.stringify(name)} already exists`, { name, group: r.group, kind: r.name });
        let crd = null;
        if (r.group === 'apiextensions.k8s.io' && r.name === 'customresourcedefinitions') {
            const made = resourceFromCrd(o);
            if (typeof made === 'string')
                throw new StoreError(422, 'Invalid', `CustomResourceDefinition.apiextensions.k8s.io ${JSON.stringify(name)} is invalid: ${made}`);
            crd = made;
        }
        const rv = ++this.rv;
        const metadata = { ...md, name, resourceVersion: String(rv) };
        if (r.namespaced)
            metadata.namespace = namespace;
        else
            delete metadata.namespace;
        if (typeof metadata.uid !== 'string')
            metadata.uid = randomUUID();
        if (typeof metadata.creationTimestamp !== 'string')
            metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const stored = { key, namespace, name, obj: { ...o, apiVersion: r.group ? `${r.group}/${apiVersionOf(o.apiVersion, r)}` : 'v1', kind: r.kind, metadata } };
        bucket.set(stored);
        if (crd)
            this.addResource(crd);
        this.changed('ADDED', rv, r, stored, null, opts.quiet === true);
        return stored;
    }
    update(r, namespace, name, input) {
        const o = checkObject(input);
        const prev = this.get(r, namespace, name);
        if (!prev)
            throw notFound(r, name);
        if (o.metadata.name !== name)
            throw new StoreError(400, 'BadRequest', `the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
        const wantRv = o.metadata.resourceVersion;
        if (wantRv !== undefined && wantRv !== prev.obj.metadata.resourceVersion) {
            throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} ${JSON.stringify(name)}: the object has been modified; please apply your changes to the latest version and try again`, { name, group: r.group, kind: r.name });
        }
        const rv = ++this.rv;
        const metadata = { ...o.metadata, resourceVersion: String(rv), uid: prev.obj.metadata.uid, creationTimestamp: prev.obj.metadata.creationTimestamp };
        if (r.namespaced)
            metadata.namespace = namespace;
        const stored = { key: prev.key, namespace, name, obj: { ...o, apiVersion: prev.obj.apiVersion, kind: r.kind, metadata } };
        this.buckets.get(resourceKey(r.group, r.name)).set(stored);
        this.changed('MODIFIED', rv, r, stored, prev, false);
        return stored;
    }
    delete(r, namespace, name) {
        const prev = this.get(r, namespace, name);
        if (!prev)
            throw notFound(r, name);
        this.buckets.get(resourceKey(r.group, r.name)).delete(prev.key);
        const rv = ++this.rv;
        const gone = { ...prev, obj: { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rv) } }, json: undefined };
        if (r.group === 'apiextensions.k8s.io' && r.name === 'customresourcedefinitions') {
            const made = resourceFromCrd(prev.obj);
            if (typeof made !== 'string') {
                const key = resourceKey(made.group, made.name);
                this.resources.delete(key);
                this.byKind.delete(`${made.group}/${made.kind}`);
                this.buckets.delete(key);
            }
        }
        this.changed('DELETED', rv, r, gone, prev, false);
        return gone;
    }
    changed(type, rv, r, current, previous, quiet) {
        if (r.group === 'rbac.authorization.k8s.io' || r.group === 'apiextensions.k8s.io')
            this.generation++;
        if (quiet)
            return;
        const e = { type, rv, resource: resourceKey(r.group, r.name), current, previous };
        this.events.push(e);
        if (this.events.length > this.retain) {
            const dropped = this.events.splice(0, this.events.length - this.retain);
            this.compactedRv = dropped[dropped.length - 1].rv;
        }
        for (const l of this.listeners)
            l(e);
    }
}
function isCrd(o) {
    return !!o && typeof o === 'object' && o.kind === 'CustomResourceDefinition' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('apiextensions.k8s.io/');
}
function groupOf(apiVersion) {
    const i = apiVersion.indexOf('/');
    return i < 0 ? '' : apiVersion.slice(0, i);
}
/** The version an object is stored at: its own when served, else the preferred one. */
function apiVersionOf(apiVersion, r) {
    const v = apiVersion.slice(apiVersion.indexOf('/') + 1);
    return r.versions.includes(v) ? v : r.versions[0];
}
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
function checkObject(input) {
    if (!input || typeof input !== 'object' || Array.isArray(input))
        throw new StoreError(400, 'BadRequest', 'the object is not a JSON object');
    const o = input;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string')
        throw new StoreError(400, 'BadRequest', 'Object \'Kind\' or \'apiVersion\' is missing');
    if (!o.metadata || typeof o.metadata !== 'object' || Array.isArray(o.metadata))
        throw new StoreError(422, 'Invalid', `${o.kind} is invalid: metadata: Required value`);
    const name = o.metadata.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
        throw new StoreError(422, 'Invalid', `${o.kind} is invalid: metadata.name: Invalid value: ${typeof name === 'string' ? JSON.stringify(name.slice(0, 253)) : 'missing'}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    }
    return o;
}
export function notFound(r, name) {
    return new StoreError(404, 'NotFound', `${qualified(r)} ${JSON.stringify(name)} not found`, { name, group: r.group, kind: r.name });
}
