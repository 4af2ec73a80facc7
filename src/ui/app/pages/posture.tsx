import { useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Status } from '../components/status.js';
import { runsLabel, visibleList, visibleText } from '../components/format.js';
import { useApi } from '../components/use-api.js';
import { ClusterPicker, useFirstCluster } from '../components/cluster-picker.js';
import { findingsUrl, uiUrl } from '../graph/links.js';

/** The rows of `/api/clusters/:cluster/posture` (as `meshward posture -f json`); every string came from an agent: shown made visible (visibleText). */
interface Source {
  level: string;
  policy: string | null;
}
interface PolicyRow {
  kind: string;
  action: string;
  namespace: string;
  name: string;
  via: string;
  enforcedBy: string;
  note: string | null;
}
export interface PostureRow {
  kind: string;
  namespace: string;
  name: string;
  dataplane: string;
  gateway: string | null;
  waypoint: { namespace: string; name: string; via: string; inInput: boolean } | null;
  mtls: { applies: boolean; mode: string; source: Source; ports: Array<{ port: number; mode: string; source: Source; declared: boolean }>; notes: string[] };
  defaultDeny: boolean;
  defaultDenyPolicy: string | null;
  policies: PolicyRow[];
  findings: string[];
  /** ReplicaSets, Jobs and Pods of the cluster this workload runs (their findings are in this row). */
  runs?: number;
}
export interface PostureView {
  cluster: string;
  mesh: { rootNamespace: string; meshConfig: string; mtls: { mode: string; source: Source }; defaultDeny: string | null; pathNormalization: string; findings: string[] };
  workloads: PostureRow[];
  summary: { workloads: number; namespaces: number; defaultDeny: number; strict: number; findings: number };
}

/** Where an mTLS mode comes from, as shown (the level and policy name made visible). */
function sourceText(s: Source): string {
  return visibleText(s.policy ? `${s.level}: ${s.policy}` : s.level === 'default' ? "Istio's default" : s.level);
}

/** mTLS mode with a word and a class, never colour alone. */
export function MtlsBadge({ mode, applies = true }: { mode: string; applies?: boolean }) {
  if (!applies) return <span class="mtls mtls-none">no mesh</span>;
  const m = mode.toLowerCase();
  return <span class={`mtls mtls-${m === 'strict' || m === 'permissive' || m === 'disable' ? m : 'none'}`}>{visibleText(mode)}</span>;
}

function FindingLinks({ cluster, ids }: { cluster: string; ids: string[] }) {
  if (!ids.length) return <span class="muted">none</span>;
  return (
    <>
      {ids.map((id, i) => (
        <>
          {i ? ', ' : ''}
          <a href={findingsUrl(cluster, { rule: id })}>{visibleText(id)}</a>
        </>
      ))}
    </>
  );
}

function NamespaceTable({ rows }: { rows: PostureRow[] }) {
  const byNs = new Map<string, { total: number; denied: number; strict: number; policies: Set<string> }>();
  for (const r of rows) {
    let n = byNs.get(r.namespace);
    if (!n) byNs.set(r.namespace, (n = { total: 0, denied: 0, strict: 0, policies: new Set() }));
    n.total++;
    if (r.defaultDeny) n.denied++;
    if (r.defaultDenyPolicy) n.policies.add(r.defaultDenyPolicy);
    if (r.mtls.applies && r.mtls.mode === 'STRICT' && r.mtls.ports.every((p) => p.mode === 'STRICT')) n.strict++;
  }
  return (
    <table class="posture-ns">
      <caption>Default deny by namespace</caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Workloads</th>
          <th scope="col">Default deny</th>
          <th scope="col">Deny policy</th>
          <th scope="col">STRICT mTLS</th>
        </tr>
      </thead>
      <tbody>
        {[...byNs.entries()].map(([ns, n]) => (
          <tr>
            <th scope="row">{visibleText(ns)}</th>
            <td>{n.total}</td>
            <td>{n.denied === n.total ? 'yes' : n.denied === 0 ? 'no' : `partly (${n.denied} of ${n.total})`}</td>
            <td>{n.policies.size ? visibleList([...n.policies]) : <span class="muted">none</span>}</td>
            <td>
              {n.strict} of {n.total}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WorkloadTable({ cluster, rows }: { cluster: string; rows: PostureRow[] }) {
  return (
    <table class="posture-workloads">
      <caption>Workloads: effective mTLS per port and the policies that apply</caption>
      <thead>
        <tr>
          <th scope="col">Workload</th>
          <th scope="col">Dataplane</th>
          <th scope="col">mTLS (where it comes from)</th>
          <th scope="col">Ports</th>
          <th scope="col">Authorization (enforced by)</th>
          <th scope="col">Findings</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr data-workload={`${r.namespace}/${r.name}`}>
            <th scope="row">
              <span class="muted">{visibleText(r.kind)}</span> {visibleText(r.namespace)}/{visibleText(r.name)}
              {runsLabel(r.runs) ? <div class="muted">{runsLabel(r.runs)}</div> : null}
            </th>
            <td>
              {visibleText(r.dataplane)}
              {r.waypoint ? (
                <div class="muted">
                  waypoint {visibleText(r.waypoint.namespace)}/{visibleText(r.waypoint.name)} (via {visibleText(r.waypoint.via)}
                  {r.waypoint.inInput ? '' : ', not in input'})
                </div>
              ) : null}
            </td>
            <td>
              <MtlsBadge mode={r.mtls.mode} applies={r.mtls.applies} /> <span class="muted">{sourceText(r.mtls.source)}</span>
              {r.mtls.notes.map((n) => (
                <div class="muted">{visibleText(n)}</div>
              ))}
            </td>
            <td>
              {r.mtls.ports.length ? (
                <ul class="plain">
                  {r.mtls.ports.map((p) => (
                    <li>
                      {visibleText(p.port)}: <MtlsBadge mode={p.mode} applies={r.mtls.applies} /> <span class="muted">{sourceText(p.source)}{p.declared ? '' : ', port not declared'}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <span class="muted">none declared</span>
              )}
            </td>
            <td>
              {r.defaultDeny ? <div>default deny ({visibleText(r.defaultDenyPolicy)})</div> : <div class="muted">no default deny</div>}
              {r.policies.length ? (
                <ul class="plain">
                  {r.policies.map((p) => (
                    <li>
                      {visibleText(p.action)} {visibleText(p.namespace)}/{visibleText(p.name)} <span class="muted">via {visibleText(p.via)}, enforced by {visibleText(p.enforcedBy)}</span>
                      {p.note ? <div class="muted">{visibleText(p.note)}</div> : null}
                    </li>
                  ))}
                </ul>
              ) : null}
            </td>
            <td>
              <FindingLinks cluster={cluster} ids={r.findings} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** /ui/posture?cluster=&namespace=: effective mTLS per workload and port, policies and who enforces them, default deny. */
export function PosturePage() {
  const { query, route } = useLocation();
  const first = useFirstCluster();
  const cluster = query.cluster || '';
  const namespace = query.namespace || '';
  useEffect(() => {
    if (!cluster && first) route(uiUrl('/ui/posture', { cluster: first }), true);
  }, [cluster, first]);
  const posture = useApi<PostureView>(cluster ? `/api/clusters/${encodeURIComponent(cluster)}/posture` : null);
  return (
    <>
      <h1>Posture</h1>
      <div class="filters">
        <ClusterPicker reset={['namespace']} />
        {posture.state === 'ok' ? (
          <label>
            Namespace{' '}
            <select value={namespace} onChange={(e) => route(uiUrl('/ui/posture', { cluster, namespace: (e.target as HTMLSelectElement).value }))}>
              <option value="">(all)</option>
              {[...new Set(posture.data.workloads.map((w) => w.namespace))].sort().map((ns) => (
                <option value={ns}>{visibleText(ns)}</option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {cluster ? (
        <Status result={posture}>
          {(v) => {
            const rows = namespace ? v.workloads.filter((w) => w.namespace === namespace) : v.workloads;
            return (
              <>
                <section aria-label="Mesh">
                  <p>
                    Mesh-wide mTLS <MtlsBadge mode={v.mesh.mtls.mode} /> <span class="muted">({sourceText(v.mesh.mtls.source)})</span>; mesh-wide default deny:{' '}
                    {v.mesh.defaultDeny ? visibleText(v.mesh.defaultDeny) : 'none'}; root namespace {visibleText(v.mesh.rootNamespace)}; path normalization {visibleText(v.mesh.pathNormalization)}.{' '}
                    {v.summary.strict} of {v.summary.workloads} workloads STRICT on every port, {v.summary.defaultDeny} under default deny.
                  </p>
                  {v.mesh.findings.length ? (
                    <p>
                      Mesh-level findings: <FindingLinks cluster={cluster} ids={v.mesh.findings} />
                    </p>
                  ) : null}
                </section>
                <NamespaceTable rows={rows} />
                <WorkloadTable cluster={cluster} rows={rows} />
              </>
            );
          }}
        </Status>
      ) : (
        <p class="muted">Pick a cluster.</p>
      )}
    </>
  );
}
