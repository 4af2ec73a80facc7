import { isObject } from '../../model/workloads.js';
import { tlsBlocks } from '../authz/common.js';
import { quoteValue, terminalSafe } from '../../engine/text.js';
export const ISTIO_GW = 'networking.istio.io/Gateway';
export const SE = 'networking.istio.io/ServiceEntry';
export const DR = 'networking.istio.io/DestinationRule';
export const AP = 'security.istio.io/AuthorizationPolicy';
/** Istio's east-west port for AUTO_PASSTHROUGH (the `tls` port of the eastwest gateway chart). */
export const EAST_WEST_PORT = 15443;
/** Bounds on what one object contributes: a hostile manifest with a million hosts must not cost a million checks. */
const MAX_LIST = 1000;
/** An untrusted value for a message: JSON-quoted, bounded, and with line separators and bidi controls made visible. */
export function shown(v) {
    return terminalSafe(quoteValue(v, 80));
}
/** Every host of every AUTO_PASSTHROUGH server of every Istio Gateway. */
export function passthroughHosts(model) {
    const out = [];
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
        const servers = g.obj?.spec?.servers;
        if (!Array.isArray(servers))
            continue;
        servers.slice(0, MAX_LIST).forEach((s, i) => {
            if (!isObject(s) || !isObject(s.tls) || typeof s.tls.mode !== 'string' || s.tls.mode.toUpperCase() !== 'AUTO_PASSTHROUGH')
                return;
            if (!Array.isArray(s.hosts))
                return;
            const port = isObject(s.port) && typeof s.port.number === 'number' ? s.port.number : null;
            s.hosts.slice(0, MAX_LIST).forEach((h, j) => {
                if (typeof h !== 'string' || !h)
                    return;
                const host = (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h).toLowerCase();
                out.push({ gateway: g, server: i, port, index: j, raw: h, host, path: ['spec', 'servers', i, 'hosts', j] });
            });
        });
    }
    return out;
}
/** The host in an Istio outbound SNI (`outbound_.8080_._.card-api.payments.svc.cluster.local`), or null. */
export function sniHost(sni) {
    if (typeof sni !== 'string')
        return null;
    const m = /^outbound_\.[0-9]{1,5}_\.[^_]*_\.(.+)$/.exec(sni);
    return m ? m[1].toLowerCase() : null;
}
/** DestinationRules' `outbound_` SNIs: the exporter hosts each one names, per DestinationRule. */
export function sniReferences(model) {
    const out = new Map();
    for (const dr of model.ofKind('networking.istio.io', 'DestinationRule')) {
        for (const b of tlsBlocks(dr).slice(0, MAX_LIST)) {
            const host = sniHost(b.tls.sni);
            if (!host)
                continue;
            const list = out.get(host) ?? [];
            list.push({ dr, path: [...b.path, 'sni'] });
            out.set(host, list);
        }
    }
    return out;
}
/** The east-west ports to look for: Istio's 15443 and every gateway port the plan names. */
export function eastWestPorts(plan) {
    const ports = new Set([EAST_WEST_PORT]);
    for (const m of plan?.plan.meshes ?? [])
        ports.add(m.eastWestGateway.port);
    return ports;
}
/**
 * ServiceEntries that import a peer mesh's service: MESH_INTERNAL, with endpoints whose ports go to an
 * east-west port (the gateway that passes the mTLS stream through to the peer's workload).
 */
export function peerImports(model, plan) {
    const ports = eastWestPorts(plan);
    const out = [];
    for (const se of model.ofKind('networking.istio.io', 'ServiceEntry')) {
        const spec = se.obj?.spec;
        if (!isObject(spec) || typeof spec.location !== 'string' || spec.location.toUpperCase() !== 'MESH_INTERNAL' || !Array.isArray(spec.endpoints))
            continue;
        const endpoints = [];
        spec.endpoints.slice(0, MAX_LIST).forEach((ep, i) => {
            if (!isObject(ep) || typeof ep.address !== 'string' || !isObject(ep.ports))
                return;
            for (const [name, p] of Object.entries(ep.ports).slice(0, MAX_LIST)) {
                if (typeof p === 'number' && ports.has(p)) {
                    endpoints.push({ address: ep.address, port: p, path: ['spec', 'endpoints', i, 'address'] });
                    void name;
                    break;
                }
            }
        });
        if (!endpoints.length)
            continue;
        const hosts = Array.isArray(spec.hosts) ? spec.hosts.slice(0, MAX_LIST).filter((h) => typeof h === 'string').map((h) => model.resolveHost(h, se.namespace)) : [];
        out.push({ se, hosts, endpoints });
    }
    return out;
}
/** Does a gateway host pattern (`*.ns.svc.cluster.local` or exact) cover `host`? */
export function covers(pattern, host) {
    if (pattern === '*')
        return true;
    if (pattern.startsWith('*.'))
        return host.endsWith(pattern.slice(1));
    return pattern === host;
}
