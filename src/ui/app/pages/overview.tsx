import { ClusterPicker, uiUrl, useQueryParam } from '../components/cluster-picker.js';
import { ago, duration, dateTime, resourceLabel, visibleText } from '../components/format.js';
import { SEVERITIES, SeverityBadge } from '../components/severity.js';
import { Status } from '../components/status.js';
import { TrendChart } from '../components/trend-chart.js';
import { useApi } from '../components/use-api.js';
import type { Cluster, FindingsPage, TrendPoint } from '../types.js';

function findingHref(cluster: string, fingerprint: string): string {
  return `/ui/findings/${encodeURIComponent(cluster)}/${encodeURIComponent(fingerprint)}`;
}

/**
 * How old the cluster's traffic facts are. Stale (no report for three intervals) is said in words,
 * not by colour alone: INS findings and "seen in traffic" then describe the past.
 */
function TelemetryAge({ t }: { t: Cluster['telemetry'] }) {
  if (!t) return <span class="muted">none</span>;
  const title = `${t.edges} traffic edges from the ${t.source === 'server' ? "server's query" : "agent's report"} at ${dateTime(t.receivedAt)}; stale after ${duration(t.staleAfterSeconds)} without a report`;
  return (
    <span class={t.stale ? 'telemetry status-stale' : 'telemetry'} title={title}>
      {ago(t.ageSeconds)}
      {t.stale ? ' (stale)' : ''}
    </span>
  );
}

function Clusters({ clusters }: { clusters: Cluster[] }) {
  if (clusters.length === 0) return <p class="muted">No cluster is registered yet: connect an agent (docs/agent.md).</p>;
  return (
    <table>
      <caption class="sr-only">Clusters and their agents</caption>
      <thead>
        <tr>
          <th scope="col">Cluster</th>
          <th scope="col">Status</th>
          <th scope="col">Agent</th>
          <th scope="col">Last seen</th>
          <th scope="col">Lag</th>
          <th scope="col">Backlog</th>
          <th scope="col">Last ingest</th>
          <th scope="col">Telemetry</th>
          {SEVERITIES.map((s) => (
            <th scope="col">{s}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {clusters.map((c) => (
          <tr>
            <th scope="row">
              <a href={uiUrl('/ui/findings', { cluster: c.name })}>{visibleText(c.name)}</a>
            </th>
            <td>
              <span class={`status status-${c.status}`}>{c.revokedAt ? `revoked ${dateTime(c.revokedAt)}` : visibleText(c.status)}</span>
            </td>
            <td>{c.agentVersion ? visibleText(c.agentVersion) : '—'}</td>
            <td>{ago(c.lastSeenAgeSeconds)}</td>
            <td>{duration(c.lagSeconds)}</td>
            <td>{c.analysisBacklog}</td>
            <td>{dateTime(c.lastIngestAt)}</td>
            <td>
              <TelemetryAge t={c.telemetry} />
            </td>
            {SEVERITIES.map((s) => (
              <td class="num">{Object.hasOwn(c.openFindings, s) ? c.openFindings[s] : 0}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Totals({ clusters, only }: { clusters: Cluster[]; only: string }) {
  const shown = only ? clusters.filter((c) => c.name === only) : clusters;
  return (
    <ul class="totals" aria-label="Open findings by severity">
      {SEVERITIES.map((s) => {
        const n = shown.reduce((sum, c) => sum + (Object.hasOwn(c.openFindings, s) ? c.openFindings[s]! : 0), 0);
        return (
          <li>
            <a href={uiUrl('/ui/findings', { cluster: only, severity: s })} class={`total sev-${s}`}>
              <span class="n">{n}</span> <span>{s}</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

function TopRules({ cluster }: { cluster: string }) {
  // The first page of open findings, worst first, is enough to rank the rules that matter most.
  const page = useApi<FindingsPage>('/api/findings', { cluster, limit: 1000 });
  return (
    <Status result={page}>
      {(p) => {
        const counts = new Map<string, { n: number; title: string; severity: string }>();
        for (const f of p.items) {
          const e = counts.get(f.ruleId) ?? { n: 0, title: f.title, severity: f.severity };
          e.n++;
          counts.set(f.ruleId, e);
        }
        const top = [...counts].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0])).slice(0, 10);
        if (top.length === 0) return <p class="muted">No open findings.</p>;
        return (
          <ol class="top-rules">
            {top.map(([id, e]) => (
              <li>
                <a href={uiUrl('/ui/findings', { cluster, rule: id })}>{visibleText(id)}</a> <SeverityBadge severity={e.severity} /> {visibleText(e.title)} <span class="muted">({e.n})</span>
              </li>
            ))}
          </ol>
        );
      }}
    </Status>
  );
}

function NewestCritical({ cluster }: { cluster: string }) {
  const page = useApi<FindingsPage>('/api/findings', { cluster, severity: 'critical', limit: 200 });
  return (
    <Status result={page}>
      {(p) => {
        const newest = [...p.items].sort((a, b) => b.firstSeenAt.localeCompare(a.firstSeenAt)).slice(0, 10);
        if (newest.length === 0) return <p class="muted">No open critical findings.</p>;
        return (
          <ul class="newest">
            {newest.map((f) => (
              <li>
                <a href={findingHref(f.cluster, f.fingerprint)}>
                  {visibleText(f.ruleId)}: {visibleText(f.title)}
                </a>{' '}
                <span class="muted">
                  {visibleText(f.cluster)} · {resourceLabel(f.resource)} · {dateTime(f.firstSeenAt)}
                </span>
              </li>
            ))}
          </ul>
        );
      }}
    </Status>
  );
}

/** Overview: the fleet at a glance (or one cluster, ?cluster=). */
export function OverviewPage() {
  const cluster = useQueryParam('cluster');
  const clusters = useApi<{ items: Cluster[] }>('/api/clusters');
  const trend = useApi<{ items: TrendPoint[] }>('/api/trends', { cluster, days: 30 });
  return (
    <>
      <h1>Overview</h1>
      <div class="toolbar">
        <ClusterPicker allowAll />
      </div>
      <Status result={clusters}>
        {(d) => (
          <>
            <section aria-labelledby="h-sev">
              <h2 id="h-sev">Open findings by severity</h2>
              <Totals clusters={d.items} only={cluster} />
            </section>
            <section aria-labelledby="h-clusters">
              <h2 id="h-clusters">Clusters</h2>
              <Clusters clusters={d.items} />
            </section>
          </>
        )}
      </Status>
      <div class="cols">
        <section aria-labelledby="h-trend">
          <h2 id="h-trend">Last 30 days</h2>
          <Status result={trend}>{(d) => <TrendChart points={d.items} title="Open findings per day" />}</Status>
        </section>
        <section aria-labelledby="h-top">
          <h2 id="h-top">Top rules</h2>
          <TopRules cluster={cluster} />
        </section>
      </div>
      <section aria-labelledby="h-critical">
        <h2 id="h-critical">Newest critical findings</h2>
        <NewestCritical cluster={cluster} />
      </section>
    </>
  );
}
