import { computePosture } from '../../posture/index.js';
import { UNKNOWN, anchorFor, groupBy, peerKey, volume } from './common.js';
/**
 * Edges the destination's own proxy reported (`reporter="destination"`): the one view of a request
 * that says what the receiving side accepted, and counted once (the source's proxy reports the same
 * request again). Grouped per destination workload; edges into `unknown` and without traffic left out.
 */
export function inboundByDestination(model, facts) {
    // Four rules read the same grouping: made once per facts and model.
    let perModel = inboundCache.get(facts);
    if (!perModel)
        inboundCache.set(facts, (perModel = new WeakMap()));
    let inbound = perModel.get(model);
    if (!inbound)
        perModel.set(model, (inbound = groupInbound(model, facts)));
    return inbound;
}
const inboundCache = new WeakMap();
function groupInbound(model, facts) {
    const groups = groupBy(facts.edges, (e) => (e.reporter === 'destination' && e.destination.workload !== UNKNOWN && volume(e) > 0 ? peerKey(e.destination) : null));
    return [...groups.values()].map((edges) => ({ anchor: anchorFor(model, edges[0].destination), edges }));
}
const LEVEL_TEXT = { default: "Istio's default", mesh: 'mesh-wide', namespace: 'namespace-wide', workload: 'workload', port: 'port-level' };
/**
 * The effective mode for traffic into `anchor` on `port`: the workload's (port-level when the edge
 * names a port the policy overrides) when the input holds the workload; else the namespace-wide or
 * mesh-wide one (workload-level policies cannot be known for a workload not in the input). Null when
 * PeerAuthentication does not govern the workload (a gateway, or a workload outside the mesh).
 */
export function effectiveMtls(model, anchor, namespace, port) {
    const posture = computePosture(model);
    if (anchor.workload) {
        const wp = posture.of(anchor.workload);
        if (!wp || !wp.mtls.applies || wp.gateway)
            return null;
        const portMode = port !== undefined ? wp.mtls.ports.find((p) => p.port === port) : undefined;
        const { mode, origin } = portMode ?? wp.mtls;
        return { mode, resource: origin.resource, path: origin.path, text: originText(origin) };
    }
    const ns = namespacePolicies(model).get(namespace);
    if (ns && ns.mode)
        return { mode: ns.mode, resource: ns.resource, path: ['spec', 'mtls', 'mode'], text: `PeerAuthentication ${ns.resource.namespace}/${ns.resource.name} (namespace-wide)` };
    const mesh = posture.meshMtls;
    return { mode: mesh.mode, resource: mesh.origin.resource, path: mesh.origin.path, text: originText(mesh.origin) };
}
const nsPolicies = new WeakMap();
/** Namespace → its namespace-wide PeerAuthentication with a mode (the one Istio uses), built once per model. */
function namespacePolicies(model) {
    let m = nsPolicies.get(model);
    if (!m) {
        nsPolicies.set(model, (m = new Map()));
        for (const p of computePosture(model).peerAuthentications)
            if (p.scope === 'namespace' && p.mode !== null)
                m.set(p.resource.namespace, p);
    }
    return m;
}
function originText(o) {
    if (!o.resource)
        return "Istio's default (no PeerAuthentication applies)";
    return `PeerAuthentication ${o.resource.namespace}/${o.resource.name} (${LEVEL_TEXT[o.level]}${o.level === 'port' ? ` ${o.path[2]}` : ''})`;
}
