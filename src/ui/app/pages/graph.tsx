import { useLocation } from 'preact-iso';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Status } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { ClusterPicker, useFirstCluster } from '../components/cluster-picker.js';
import { GraphCanvas, Legend, nodeById, useLayout } from '../graph/graph-view.js';
import { findingsUrl, uiUrl } from '../graph/links.js';
import type { ServiceGraph } from '../graph/types.js';
import { visibleList, visibleText } from '../components/format.js';

function Details({ graph, id }: { graph: ServiceGraph; id: string }) {
  const n = nodeById(graph, id);
  if (!n) return null;
  // Shown, so made visible (visibleText); the ids stay as sent (they are keys).
  const names = new Map(graph.nodes.map((x) => [x.id, visibleText(`${x.resourceKind} ${x.namespace}/${x.name}`)]));
  const out = graph.edges.filter((e) => e.from === id);
  const into = graph.edges.filter((e) => e.to === id);
  const edgeLine = (e: (typeof out)[number], other: string) => (
    <li>
      {visibleText(e.kind)} {names.get(other) ?? visibleText(other)}: <span class={`mtls mtls-${e.mtls === 'n/a' ? 'none' : e.mtls === 'disabled' ? 'disable' : e.mtls}`}>{visibleText(e.mtls)}</span>
      {e.note ? <span class="muted"> ({visibleText(e.note)})</span> : null}
      {e.traffic ? <span class="muted"> {e.traffic.requestRate.toFixed(2)} req/s{e.traffic.plaintextSeen ? ', plaintext seen' : ''}</span> : null}
    </li>
  );
  return (
    <aside class="graph-details" aria-label="Selected node">
      <h2>
        {visibleText(n.resourceKind)} {visibleText(n.namespace)}/{visibleText(n.name)}
      </h2>
      {n.hijacked ? <p class="error">Hijacked: another tenant's configuration takes traffic for this host.</p> : null}
      {n.hijacks ? <p class="error">Takes a host that belongs to another tenant.</p> : null}
      {n.mtls ? <p>Workload mTLS: {visibleText(n.mtls)}</p> : null}
      {n.hosts.length ? <p>Hosts: {visibleList(n.hosts)}</p> : null}
      <h3>Edges</h3>
      <ul class="plain">
        {out.map((e) => edgeLine(e, e.to))}
        {into.map((e) => edgeLine(e, e.from))}
      </ul>
      <h3>Findings</h3>
      {n.findings.length ? (
        <ul class="plain">
          {n.findings.map((r) => (
            <li>
              <a href={findingsUrl(graph.cluster, { rule: r, namespace: n.namespace || undefined })}>{visibleText(r)}</a>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No open findings about this object.</p>
      )}
    </aside>
  );
}

function GraphBody({ graph }: { graph: ServiceGraph }) {
  const layout = useLayout(graph);
  const [selected, setSelected] = useState<string | null>(null);
  if (!layout) return <p class="muted" role="status">Laying out {graph.nodes.length} nodes…</p>;
  if (!layout.ok) return <p class="error" role="alert">The layout failed: {visibleText(layout.error)}</p>;
  return (
    <div class="graph-page">
      <GraphCanvas
        graph={graph}
        layout={layout}
        selected={selected}
        onSelect={setSelected}
        onDrawn={() => {
          performance.mark('meshward:graph-drawn');
          document.body.dataset.graphDrawn = String(graph.nodes.length);
        }}
      />
      {selected ? <Details graph={graph} id={selected} /> : <p class="muted graph-details">Select a node (click, or Tab and Enter) to see its edges and findings.</p>}
    </div>
  );
}

/** /ui/graph?cluster=&namespace=: the service graph, edges by mTLS state, hijacked hosts marked. Names, hosts and notes shown made visible (visibleText). */
export function GraphPage() {
  const { query, route } = useLocation();
  const first = useFirstCluster();
  const cluster = query.cluster || '';
  const namespace = query.namespace || '';
  useEffect(() => {
    if (!cluster && first) route(uiUrl('/ui/graph', { cluster: first }), true);
  }, [cluster, first]);
  const data = useApi<ServiceGraph>(cluster ? `/api/clusters/${encodeURIComponent(cluster)}/graph` : null, { namespace });
  useEffect(() => {
    if (data.state === 'ok') performance.mark('meshward:graph-data');
  }, [data.state === 'ok' ? data.data : null]);
  const namespaces = useMemo(() => (data.state === 'ok' ? [...new Set(data.data.nodes.map((n) => n.namespace).filter(Boolean))].sort() : []), [data.state === 'ok' ? data.data : null]);
  return (
    <>
      <h1>Service graph</h1>
      <div class="filters">
        <ClusterPicker reset={['namespace']} />
        <label>
          Namespace{' '}
          <select value={namespace} onChange={(e) => route(uiUrl('/ui/graph', { cluster, namespace: (e.target as HTMLSelectElement).value }))}>
            <option value="">(all)</option>
            {(namespace && !namespaces.includes(namespace) ? [namespace, ...namespaces] : namespaces).map((ns) => (
              <option value={ns}>{visibleText(ns)}</option>
            ))}
          </select>
        </label>
      </div>
      <Legend />
      {cluster ? (
        <Status result={data}>
          {(g) => (
            <>
              {g.notes.map((n) => (
                <p class="muted">{visibleText(n)}</p>
              ))}
              <GraphBody graph={g} />
            </>
          )}
        </Status>
      ) : (
        <p class="muted">Pick a cluster.</p>
      )}
    </>
  );
}
