import { UNKNOWN, addTo, anchorFor, groupBy, peerKey, q, ranked, routedTo, tallyText, volume } from './common.js';
/**
 * Only the source's view (`reporter="source"`): egress is reported by the proxy that sent it; the
 * destination-side catch-alls (InboundPassthroughCluster, a BlackHoleCluster on an inbound listener)
 * are another matter.
 */
export function catchAllBySource(model, facts, cluster) {
    const groups = groupBy(facts.edges, (e) => (e.reporter === 'source' && routedTo(e, cluster) && volume(e) > 0 ? peerKey(e.source) : null));
    const out = [];
    for (const edges of groups.values()) {
        const total = { requests: 0, connections: 0 };
        const byHost = new Map();
        for (const e of edges) {
            addTo(total, e);
            const host = e.destinationService && e.destinationService !== cluster && e.destinationService !== UNKNOWN ? e.destinationService : '';
            let t = byHost.get(host);
            if (!t)
                byHost.set(host, (t = { requests: 0, connections: 0 }));
            addTo(t, e);
        }
        const hosts = ranked(byHost).map(([h, t]) => `${h ? q(h, 100) : 'an address the metrics do not name'} (${tallyText(t)})`);
        out.push({ anchor: anchorFor(model, edges[0].source), edges, total, hosts });
    }
    return out;
}
