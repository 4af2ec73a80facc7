import { useLocation } from 'preact-iso';
import { Status } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { ClusterPicker } from '../components/cluster-picker.js';
import { visibleList, visibleText } from '../components/format.js';

interface RadiusEdge {
  from: string;
  to: string;
  summary: string;
  capabilities: string[];
  path: Array<Record<string, unknown>>;
  otherPaths: number;
}
interface Radius {
  computedAt: string | null;
  nodes: Array<{ cluster: string }>;
  edges: RadiusEdge[];
  trust: unknown[];
  unresolved: unknown[];
  /** Clusters the fleet pass left out (their stored Secret facts or RBAC could not be read), with why. */
  unusable?: Array<{ cluster: string; reason: string }>;
}

/** Clusters reached from `start`, hop by hop (breadth first), each with the edge that reached it. */
export function hops(radius: Radius, start: string): Array<Array<{ cluster: string; via: RadiusEdge }>> {
  const out: Array<Array<{ cluster: string; via: RadiusEdge }>> = [];
  const seen = new Set([start]);
  let frontier = [start];
  while (frontier.length) {
    const next: Array<{ cluster: string; via: RadiusEdge }> = [];
    for (const c of frontier) for (const e of radius.edges) if (e.from === c && !seen.has(e.to)) (seen.add(e.to), next.push({ cluster: e.to, via: e }));
    if (!next.length) break;
    out.push(next);
    frontier = next.map((n) => n.cluster);
  }
  return out;
}

/** A path step as text: its string and number fields (agent data: rendered as text only, made visible). */
function stepText(step: Record<string, unknown>): string {
  return Object.entries(step)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => `${visibleText(k)}: ${visibleText(v)}`)
    .join(', ');
}

/**
 * The clusters the fleet pass could not use: without this, a cluster missing from the paths below looks
 * like a cluster that holds no credential. Names and reasons come from agents' data: text only, with
 * control and bidi characters made visible. Nothing when every cluster was used.
 */
function LeftOut({ unusable }: { unusable: NonNullable<Radius['unusable']> }) {
  if (!unusable.length) return null;
  return (
    <section class="notice radius-unusable" aria-labelledby="radius-unusable-title">
      <h2 id="radius-unusable-title">Left out of this analysis</h2>
      <p>
        The stored Secret facts or RBAC of {unusable.length === 1 ? 'this cluster' : `these ${unusable.length} clusters`} could not be read: their credentials and CA material are not in the paths
        below (they may still be reached through other clusters' credentials). Each cluster's next snapshot from its agent replaces what was stored.
      </p>
      <ul class="plain" aria-label="Clusters left out">
        {unusable.map((u) => (
          <li>
            <strong class="radius-unusable-cluster">{visibleText(u.cluster)}</strong>: <span class="radius-unusable-reason">{visibleText(u.reason)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** /ui/blast-radius?cluster=: pick a cluster and see which fall with it, hop by hop, with evidence. Cluster names, summaries and path steps are agents' data: shown made visible (visibleText). */
export function BlastRadiusPage() {
  const { query } = useLocation();
  const cluster = query.cluster || '';
  const data = useApi<Radius>('/api/blast-radius');
  return (
    <>
      <h1>Blast radius</h1>
      <Status result={data}>
        {(r) => {
          const reached = cluster ? hops(r, cluster) : [];
          const fallen = new Set(reached.flat().map((h) => h.cluster));
          return (
            <>
              <p class="muted">
                {r.computedAt ? `From the fleet analysis of ${visibleText(r.computedAt)}.` : 'No fleet analysis yet.'} {r.edges.length} credential paths between {r.nodes.length} clusters.
              </p>
              <LeftOut unusable={r.unusable ?? []} />
              <div class="filters">
                <ClusterPicker label="If this cluster falls" clusters={r.nodes.map((n) => n.cluster)} />
              </div>
              <ul class="radius-clusters" aria-label="Clusters">
                {r.nodes.map((n) => (
                  <li class={n.cluster === cluster ? 'radius-start' : fallen.has(n.cluster) ? 'radius-fallen' : 'radius-safe'} data-cluster={n.cluster}>
                    {visibleText(n.cluster)} <span class="muted">{n.cluster === cluster ? '(falls first)' : fallen.has(n.cluster) ? '(falls)' : cluster ? '(not reached)' : ''}</span>
                  </li>
                ))}
              </ul>
              {cluster ? (
                reached.length ? (
                  <ol class="radius-hops" aria-label="Hops">
                    {reached.map((hop, i) => (
                      <li>
                        <h2>Hop {i + 1}</h2>
                        <ul class="plain">
                          {hop.map((h) => (
                            <li class="radius-edge" tabIndex={0} aria-describedby={`ev-${i}-${h.cluster}`} data-to={h.cluster}>
                              {visibleText(h.via.from)} → {visibleText(h.cluster)}: {visibleText(h.via.summary)}
                              {h.via.capabilities.length ? <span class="muted"> ({visibleList(h.via.capabilities)})</span> : null}
                              <div class="radius-evidence" role="tooltip" id={`ev-${i}-${h.cluster}`}>
                                {h.via.path.map((s) => (
                                  <div>{stepText(s)}</div>
                                ))}
                                {h.via.otherPaths ? <div class="muted">and {h.via.otherPaths} other paths</div> : null}
                              </div>
                            </li>
                          ))}
                        </ul>
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p>No other cluster falls with {visibleText(cluster)}: no credential for another cluster was found in it.</p>
                )
              ) : null}
            </>
          );
        }}
      </Status>
    </>
  );
}
