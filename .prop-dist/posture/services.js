import { setOwn } from '../model/own.js';
import { HostIndex, resolveHost } from '../model/hosts.js';
import { selectorMatches } from '../model/selectors.js';
import { EMPTY, arr, isObject, portNumber, push, specOf, str } from './util.js';
/**
 * Kubernetes Services by namespace/name and by cluster host name, each with the workloads its
 * selector picks. Wildcard hosts (`*.ns.svc.cluster.local`, `*`) resolve through the model's host
 * index, so a lookup never scans every Service.
 */
export class ServiceRegistry {
    model;
    all = [];
    byKey = new Map();
    byResource = new Map();
    byWorkload = null;
    hosts = null;
    byLabel = new Map();
    constructor(model) {
        this.model = model;
        for (const r of model.ofKind('', 'Service')) {
            const info = new Service(model, r);
            this.all.push(info);
            this.byKey.set(`${r.namespace}/${r.name}`, info);
            this.byResource.set(r, info);
        }
    }
    get(namespace, name) {
        return this.byKey.get(`${namespace}/${name}`);
    }
    of(r) {
        return this.byResource.get(r);
    }
    /** Services whose selector picks this workload (the reverse index is built on first use). */
    selecting(w) {
        if (!this.byWorkload) {
            this.byWorkload = new Map();
            for (const s of this.all)
                for (const x of s.workloads)
                    push(this.byWorkload, x, s);
        }
        return this.byWorkload.get(w) ?? EMPTY;
    }
    /** Services carrying a label that select this workload (for rare labels such as istio.io/use-waypoint). */
    selectingWithLabel(w, label) {
        let idx = this.byLabel.get(label);
        if (!idx) {
            idx = new Map();
            for (const s of this.all)
                if (s.resource.labels[label] !== undefined)
                    for (const x of s.workloads)
                        push(idx, x, s);
            this.byLabel.set(label, idx);
        }
        return idx.get(w) ?? EMPTY;
    }
    /**
     * Services a host names, as written in a config of namespace `fromNs` (a DestinationRule host,
     * say): short names are relative to `fromNs`, wildcards cover every Service under them.
     */
    resolve(host, fromNs) {
        const canonical = resolveHost(host, fromNs, this.model.clusterDomain, (ns) => this.model.namespace(ns).resource !== null || this.model.inNamespace(ns).length > 0);
        if (!canonical)
            return EMPTY;
        if (!this.hosts) {
            this.hosts = new HostIndex();
            for (const s of this.all)
                this.hosts.add({ host: s.fqdn, namespace: s.namespace, resource: s.resource, via: 'Service' });
        }
        const out = [];
        for (const owned of this.hosts.covered(canonical)) {
            const info = this.byResource.get(owned.resource);
            if (info)
                out.push(info);
        }
        return out;
    }
    /**
     * This registry for `model` (an overlay of this one's model) in which workload `removed` is gone and
     * `added` has come, both in `ns`: the Services of `ns` whose selector picks either get new infos
     * (their workloads are matched again in `model`); every other answer is this registry's. Returns
     * the registry and the workloads, other than the two, that such a Service picks (their postures
     * must read the new infos).
     */
    withWorkloadChange(model, ns, removed, added) {
        const replaced = new Map();
        const neighbours = new Set();
        const mine = [];
        for (const r of model.ofKindInNamespace('', 'Service', ns)) {
            const old = this.byResource.get(r);
            if (!old)
                continue;
            const sel = old.selector;
            if (!sel)
                continue;
            const picks = (w) => w !== null && selectorMatches(sel, w.podLabels);
            if (!picks(removed) && !picks(added))
                continue;
            const info = new Service(model, r);
            replaced.set(old, info);
            if (picks(added))
                mine.push(info);
            for (const w of info.workloads)
                if (w !== added)
                    neighbours.add(w);
            for (const w of old.workloads)
                if (w !== removed)
                    neighbours.add(w);
        }
        if (!replaced.size) {
            // Nothing picks either workload: only the added one's (empty) answers differ, and they are empty here too.
            return { registry: this, neighbours: [] };
        }
        const swap = (list) => (list.some((s) => replaced.has(s)) ? list.map((s) => replaced.get(s) ?? s) : list);
        const base = this;
        const o = Object.create(base);
        let all = null;
        Object.defineProperty(o, 'all', { get: () => (all ??= base.all.map((s) => replaced.get(s) ?? s)) });
        const swapped = new Map();
        const own = (w, label) => {
            if (w === added)
                return label === undefined ? mine : mine.filter((s) => s.resource.labels[label] !== undefined);
            if (w === removed)
                return EMPTY;
            return null;
        };
        Object.assign(o, {
            get: (namespace, name) => {
                const s = base.get(namespace, name);
                return s && (replaced.get(s) ?? s);
            },
            of: (r) => {
                const s = base.of(r);
                return s && (replaced.get(s) ?? s);
            },
            selecting: (w) => {
                const mineOrGone = own(w);
                if (mineOrGone)
                    return mineOrGone;
                let list = swapped.get(w);
                if (!list)
                    swapped.set(w, (list = swap(base.selecting(w))));
                return list;
            },
            selectingWithLabel: (w, label) => own(w, label) ?? swap(base.selectingWithLabel(w, label)),
            resolve: (host, fromNs) => swap(base.resolve(host, fromNs)),
        });
        return { registry: o, neighbours: [...neighbours] };
    }
}
/** A Service; its fields are read, and the workloads behind it matched, on first use. */
class Service {
    model;
    resource;
    namespace;
    name;
    matched = null;
    parsed = null;
    constructor(model, resource) {
        this.model = model;
        this.resource = resource;
        this.namespace = resource.namespace;
        this.name = resource.name;
    }
    get fqdn() {
        return `${this.name}.${this.namespace}.svc.${this.model.clusterDomain}`.toLowerCase();
    }
    get selector() {
        return this.parse().selector;
    }
    get ports() {
        return this.parse().ports;
    }
    get type() {
        return this.parse().type;
    }
    get workloads() {
        if (!this.matched) {
            const sel = this.selector;
            this.matched = sel ? this.model.selectWorkloads(this.namespace, sel) : EMPTY;
        }
        return this.matched;
    }
    parse() {
        if (this.parsed)
            return this.parsed;
        const spec = specOf(this.resource);
        const rawSel = spec?.selector;
        let selector = null;
        if (isObject(rawSel) && Object.keys(rawSel).length > 0) {
            selector = {};
            for (const [k, v] of Object.entries(rawSel))
                if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
                    setOwn(selector, k, String(v));
        }
        const ports = [];
        arr(spec?.ports).forEach((p, index) => {
            if (!isObject(p))
                return;
            const port = portNumber(p.port);
            if (port === null)
                return;
            const tp = p.targetPort;
            ports.push({ port, index, name: str(p.name) ?? null, targetPort: portNumber(tp) ?? str(tp) ?? null });
        });
        this.parsed = { selector, ports, type: str(spec?.type) ?? 'ClusterIP' };
        return this.parsed;
    }
}
