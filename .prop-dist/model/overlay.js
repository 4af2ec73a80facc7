import { kindKey } from './resource.js';
import { workloadOf } from './workloads.js';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/**
 * Kinds whose change reaches model-wide state the overlay shares with its base: the namespace list and
 * labels (tenancy, data-plane modes), the mesh config, the injectors, the cluster domain, the
 * gateway-API pods the model makes up.
 */
function modelWideReason(r, root) {
    if (r.group === '' && r.kind === 'Namespace')
        return 'Namespace objects change namespace-wide state';
    if (r.group === 'install.istio.io')
        return 'IstioOperator changes the mesh config';
    if (r.group === GATEWAY_API_GROUP && (r.kind === 'Gateway' || r.kind === 'GatewayClass'))
        return 'gateway-API Gateways and classes make up gateway pods';
    if (r.group === '' && r.kind === 'ConfigMap' && (r.namespace === root || r.name === 'istio' || r.name.startsWith('istio-')))
        return 'a ConfigMap that may hold the mesh or injector config';
    return null;
}
/**
 * `base` with `removed` (an object of base.resources, by reference) taken out and `added` put in at
 * the place its id gives it. The base's objects must have ids in their order (as MeshModel's dense
 * ids are); `added.id` is the removed object's id to replace it in place, or larger than every id. Refused, with the reason, when the change reaches
 * state the overlay does not recompute.
 */
export function overlayModel(base, removed, added) {
    const b = base;
    for (const r of [removed, added]) {
        if (!r)
            continue;
        const why = modelWideReason(r, base.rootNamespace);
        if (why)
            return { refused: why };
    }
    if (added && added.namespace && !b.byNamespace.has(added.namespace) && !b.namespaceInfo.has(added.namespace))
        return { refused: 'the object is the first in its namespace' };
    if (removed && removed.namespace && !b.namespaceInfo.get(removed.namespace)?.resource && (b.byNamespace.get(removed.namespace)?.length ?? 0) <= (added?.namespace === removed.namespace ? 0 : 1)) {
        return { refused: 'the object is the last in a namespace without a Namespace object' };
    }
    let addedWorkload = null;
    try {
        addedWorkload = added ? workloadOf(added) : null;
    }
    catch {
        return { refused: 'the object’s pod template could not be read' };
    }
    const removedWorkload = removed ? b.workloadFor(removed) ?? null : null;
    const touchesWorkloads = addedWorkload !== null || removedWorkload !== null;
    if (touchesWorkloads) {
        for (const r of [removed, added]) {
            if (r && base.ofKindInNamespace(GATEWAY_API_GROUP, 'Gateway', r.namespace).length)
                return { refused: 'gateway-API Gateways in the namespace may stand for its pods' };
        }
    }
    const o = Object.create(base);
    o.byKind = overlayMap(b.byKind);
    o.byNamespace = overlayMap(b.byNamespace);
    const kinds = new Set([removed, added].filter((r) => r !== null).map((r) => kindKey(r.group, r.kind)));
    for (const key of kinds)
        setOrDrop(o.byKind, key, edited(b.byKind.get(key), removed, added, insertById));
    const namespaces = new Set([removed?.namespace, added?.namespace].filter((ns) => !!ns));
    for (const ns of namespaces)
        setOrDrop(o.byNamespace, ns, edited(b.byNamespace.get(ns), removed?.namespace === ns ? removed : null, added?.namespace === ns ? added : null, insertById));
    let resources = null;
    Object.defineProperty(o, 'resources', { get: () => (resources ??= edited(b.resources, removed, added, insertById)) });
    if (touchesWorkloads)
        overlayWorkloads(b, o, removedWorkload, addedWorkload, removed, added);
    if (isHostOwner(removed) || isHostOwner(added)) {
        o.hostIndex = new HostIndexOverlay(base.hosts, removed, added ? ownedHosts(base, added) : []);
    }
    return { model: o };
}
/** Inserts `r` before the first object with a larger id (lists are in id order). */
function insertById(list, r) {
    let at = list.length;
    while (at > 0 && list[at - 1].id > r.id)
        at--;
    list.splice(at, 0, r);
}
function isMadeUpGatewayPod(w) {
    return w.resource.group === GATEWAY_API_GROUP && w.resource.kind === 'Gateway';
}
/** Where a workload of an object goes: in object order, before the gateway pods the model makes up (always last). */
function insertWorkload(list, w) {
    let at = list.length;
    while (at > 0 && (isMadeUpGatewayPod(list[at - 1]) || list[at - 1].resource.id > w.resource.id))
        at--;
    list.splice(at, 0, w);
}
/**
 * A copy of `list` with `removed` taken out and `added` put in. A replacement (same id, so the same
 * place in id order) goes where the removed object was; an addition goes where `place` puts it.
 */
function edited(list, removed, added, place) {
    const out = list ? list.slice() : [];
    const at = removed ? out.indexOf(removed) : -1;
    if (at >= 0 && added && idOf(added) === idOf(removed)) {
        out[at] = added;
        return out;
    }
    if (at >= 0)
        out.splice(at, 1);
    if (added)
        place(out, added);
    return out;
}
function idOf(x) {
    return x.id ?? x.resource.id;
}
/**
 * A Map read through to `base` except for the keys set or deleted on it: an overlay changes one or two
 * keys of maps with hundreds (namespaces) or thousands (the posture's), and copying them would cost
 * more than the rest of a review. Only get/has/set/delete: overlays read these maps by key only; a map
 * something iterates is rebuilt whole instead.
 */
export function overlayMap(base) {
    const own = new Map();
    const view = {
        get: (k) => {
            const v = own.get(k);
            return v === GONE ? undefined : v !== undefined ? v : base.get(k);
        },
        has: (k) => (own.has(k) ? own.get(k) !== GONE : base.has(k)),
        set: (k, v) => {
            own.set(k, v);
            return view;
        },
        delete: (k) => {
            const had = view.has(k);
            own.set(k, GONE);
            return had;
        },
    };
    return view;
}
const GONE = Symbol('deleted');
function setOrDrop(m, k, v) {
    if (v.length)
        m.set(k, v);
    else
        m.delete(k);
}
function overlayWorkloads(b, o, gone, added, removedRes, addedRes) {
    // The whole list is copied only if a rule asks for it (focused rules never do).
    let workloads = null;
    Object.defineProperty(o, 'workloads', { get: () => (workloads ??= edited(b.workloads, gone, added, insertWorkload)) });
    o.workloadsByNs = overlayMap(b.workloadsByNs);
    o.podLabelIndex = overlayMap(b.podLabelIndex);
    for (const ns of new Set([gone?.namespace, added?.namespace])) {
        if (ns === undefined)
            continue;
        const inNs = edited(b.workloadsByNs.get(ns), gone?.namespace === ns ? gone : null, added?.namespace === ns ? added : null, insertWorkload);
        setOrDrop(o.workloadsByNs, ns, inNs);
        const idx = new Map();
        for (const w of inNs) {
            for (const [k, v] of Object.entries(w.podLabels)) {
                const key = `${k}=${v}`;
                const l = idx.get(key);
                if (l)
                    l.push(w);
                else
                    idx.set(key, [w]);
            }
        }
        if (inNs.length || b.podLabelIndex.has(ns))
            o.podLabelIndex.set(ns, idx);
    }
    o.workloadFor = (r) => {
        if (r === addedRes)
            return added ?? undefined;
        if (r === removedRes)
            return undefined;
        return b.workloadFor(r);
    };
}
function isHostOwner(r) {
    return r !== null && ((r.group === '' && r.kind === 'Service') || (r.group === 'networking.istio.io' && r.kind === 'ServiceEntry'));
}
/** The host-index entries an object makes, as MeshModel.hosts makes them. */
function ownedHosts(model, r) {
    if (r.kind === 'Service') {
        return indexable([{ host: `${r.name}.${r.namespace}.svc.${model.clusterDomain}`.toLowerCase(), namespace: r.namespace, resource: r, via: 'Service' }]);
    }
    const hosts = r.obj?.spec?.hosts;
    if (!Array.isArray(hosts))
        return [];
    const out = [];
    for (const h of hosts)
        if (typeof h === 'string')
            out.push({ host: model.resolveHost(h, r.namespace), namespace: r.namespace, resource: r, via: 'ServiceEntry' });
    return indexable(out);
}
/** What HostIndex.add keeps. */
function indexable(list) {
    return list.filter((o) => o.host.length <= 253 && !o.host.startsWith('*'));
}
/**
 * The host index with one owner's entries taken out and another's added, in the order a fresh index
 * lists them: Services before ServiceEntries, each in object (id) order.
 */
class HostIndexOverlay {
    base;
    removed;
    added;
    allCache = null;
    constructor(base, removed, added) {
        this.base = base;
        this.removed = removed;
        this.added = added;
    }
    get domain() {
        return this.base.domain;
    }
    get all() {
        return (this.allCache ??= this.merge(this.base.all, this.added));
    }
    ownersOf(host) {
        return this.merge(this.base.ownersOf(host), this.added.filter((o) => o.host === host));
    }
    impliedOwner(host) {
        return this.base.impliedOwner(host);
    }
    covered(pattern) {
        if (pattern === '*')
            return this.all;
        if (pattern.startsWith('*.')) {
            const suffix = pattern.slice(1);
            return this.merge(this.base.covered(pattern), this.added.filter((o) => o.host.endsWith(suffix)));
        }
        return this.ownersOf(pattern);
    }
    merge(list, extra) {
        const kept = this.removed ? list.filter((o) => o.resource !== this.removed) : [...list];
        if (!extra.length)
            return kept;
        const rank = (o) => (o.via === 'Service' ? 0 : 1);
        const after = (o) => rank(o) > rank(extra[0]) || (rank(o) === rank(extra[0]) && o.resource.id > extra[0].resource.id);
        let at = kept.findIndex(after);
        if (at < 0)
            at = kept.length;
        kept.splice(at, 0, ...extra);
        return kept;
    }
}
