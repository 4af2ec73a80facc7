import { exportScope } from './visibility.js';
import { claimVictims } from './victims.js';
import { isObject } from '../model/workloads.js';
/** Who owns which hosts and who claims what: the map `meshward tenants` prints. */
export function tenantMap(model) {
    const tenancy = model.tenancy;
    const byName = new Map();
    const entry = (ns) => {
        const t = tenancy.tenantOf(ns);
        let e = byName.get(t.name);
        if (!e) {
            const policyEntry = tenancy.policy?.tenants.find((p) => p.name === t.name);
            byName.set(t.name, (e = { name: t.name, platform: t.platform, namespaces: [], owns: [], allowedHosts: policyEntry?.hosts ?? [], gateways: policyEntry?.gateways ?? [], claims: [] }));
        }
        return e;
    };
    for (const ns of model.namespaces())
        entry(ns.name).namespaces.push(ns.name);
    for (const o of model.hosts.all)
        if (o.via === 'Service')
            entry(o.namespace).owns.push(o.host);
    const addClaims = (group, kind, hostsOf, attachmentOf, exportKind) => {
        for (const r of model.ofKind(group, kind)) {
            const spec = isObject(r.obj?.spec) ? r.obj.spec : {};
            const scope = exportKind ? exportScope(model, exportKind, r.namespace, spec.exportTo) : null;
            for (const host of hostsOf(spec)) {
                const bare = host.includes('/') && kind === 'Gateway' && group === 'networking.istio.io' ? host.slice(host.indexOf('/') + 1) : host;
                const resolved = model.resolveHost(bare, r.namespace);
                const victims = tenancy.isPlatform(r.namespace) ? null : claimVictims(model, r.namespace, resolved);
                // An Istio Gateway server host names what the gateway accepts (the `ns/` prefix limits who may
                // bind it); it takes no Service's traffic, so only other tenants' external allowances conflict.
                const gatewayHost = kind === 'Gateway' && group === 'networking.istio.io';
                const conflicts = !victims
                    ? []
                    : gatewayHost
                        ? victims.tenants
                        : [...new Set([...victims.services, ...victims.entries].map((o) => tenancy.tenantOf(o.namespace).name).concat(victims.tenants, victims.namespaces.map((n) => tenancy.tenantOf(n).name)))];
                entry(r.namespace).claims.push({
                    kind,
                    namespace: r.namespace,
                    name: r.name,
                    host,
                    resolved,
                    attachment: attachmentOf(spec),
                    exportTo: scope ? (scope.all ? '*' : [...scope.namespaces].join(',') || '~') : '-',
                    conflictsWith: conflicts.sort(),
                });
            }
        }
    };
    const strs = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : typeof v === 'string' ? [v] : []);
    addClaims('networking.istio.io', 'VirtualService', (s) => strs(s.hosts), (s) => (strs(s.gateways).length ? strs(s.gateways) : ['mesh']), 'VirtualService');
    addClaims('networking.istio.io', 'ServiceEntry', (s) => strs(s.hosts), () => ['mesh'], 'ServiceEntry');
    addClaims('networking.istio.io', 'DestinationRule', (s) => strs(s.host), () => ['mesh'], 'DestinationRule');
    addClaims('networking.istio.io', 'Gateway', (s) => (Array.isArray(s.servers) ? s.servers.flatMap((sv) => strs(sv?.hosts)) : []), () => ['gateway']);
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'TLSRoute']) {
        addClaims('gateway.networking.k8s.io', kind, (s) => strs(s.hostnames), (s) => (Array.isArray(s.parentRefs) ? s.parentRefs.map((p) => `${p?.namespace ?? ''}${p?.namespace ? '/' : ''}${p?.name ?? '?'}`) : []));
    }
    const out = [...byName.values()];
    for (const e of out) {
        e.namespaces.sort();
        e.owns.sort();
    }
    return out.sort((a, b) => Number(b.platform) - Number(a.platform) || (a.name < b.name ? -1 : 1));
}
