/**
 * What INS003 (PassthroughCluster) and INS004 (BlackHoleCluster) share: the source-reported edges
 * that went to one of Envoy's catch-all clusters, grouped per source workload, with the hosts tried.
 */
import type { MeshModel } from '../../model/model.js';
import type { TrafficEdge, TrafficFacts } from '../../insights/types.js';
import { BLACKHOLE, PASSTHROUGH, UNKNOWN, addTo, anchorFor, groupBy, peerKey, q, ranked, routedTo, tallyText, volume, type Anchor, type Tally } from './common.js';

export interface CatchAll {
  anchor: Anchor;
  edges: TrafficEdge[];
  total: Tally;
  /** `"api.example.com" (12 requests)`, worst first; the host is what the caller asked for (Host header or address). */
  hosts: string[];
}

/**
 * Only the source's view (`reporter="source"`): egress is reported by the proxy that sent it; the
 * destination-side catch-alls (InboundPassthroughCluster, a BlackHoleCluster on an inbound listener)
 * are another matter.
 */
export function catchAllBySource(model: MeshModel, facts: TrafficFacts, cluster: typeof PASSTHROUGH | typeof BLACKHOLE): CatchAll[] {
  const groups = groupBy(facts.edges, (e) => (e.reporter === 'source' && routedTo(e, cluster) && volume(e) > 0 ? peerKey(e.source) : null));
  const out: CatchAll[] = [];
  for (const edges of groups.values()) {
    const total: Tally = { requests: 0, connections: 0 };
    const byHost = new Map<string, Tally>();
    for (const e of edges) {
      addTo(total, e);
      const host = e.destinationService && e.destinationService !== cluster && e.destinationService !== UNKNOWN ? e.destinationService : '';
      let t = byHost.get(host);
      if (!t) byHost.set(host, (t = { requests: 0, connections: 0 }));
      addTo(t, e);
    }
    const hosts = ranked(byHost).map(([h, t]) => `${h ? q(h, 100) : 'an address the metrics do not name'} (${tallyText(t)})`);
    out.push({ anchor: anchorFor(model, edges[0].source), edges, total, hosts });
  }
  return out;
}
