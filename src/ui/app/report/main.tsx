/**
 * The self-contained HTML report (`meshward scan --format html`): src/report/html.ts inlines this
 * bundle and the scan's JSON report (in a <script type="application/json">) into one file. It reads
 * that data, never the network, and renders everything as text: the scan's strings (names, hosts,
 * messages, files) with control and bidi characters made visible (visibleText, as `v`), as the text
 * report and the dashboard show them; search and sort use them as they are.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { SEVERITIES, SeverityBadge, severityRank } from '../components/severity.js';
import { runsLabel, visibleText as v } from '../components/format.js';
import '../styles.css';
import './report.css';

type Loc = { file?: string; line?: number; cluster?: string; object?: string; path?: string } | null;
type Finding = { ruleId: string; severity: string; title: string; message: string; remediation: string; fingerprint: string; resource: { kind?: string; namespace?: string; name?: string; cluster?: string }; location: Loc; evidence: { role: string; description: string }[] };
type RuleDoc = { id: string; title: string; category: string; summary: string; why: string; fix: string };
type PolicyRow = { kind: string; action: string; namespace: string; name: string; enforcedBy: string };
type WorkloadRow = { kind: string; namespace: string; name: string; dataplane: string; mtls: { mode: string; ports: { port: number; mode: string }[] }; defaultDeny: boolean; policies: PolicyRow[]; findings: string[]; runs?: number };
type PostureView = { mesh: { rootNamespace: string; mtls: { mode: string }; defaultDeny: string | null }; workloads: WorkloadRow[] };
/** One table per source: the scanned files (cluster null) and each live cluster. Older reports held one view. */
type Posture = { cluster: string | null; view: PostureView }[] | PostureView | null;
type ClusterRow = { name: string; context?: string; server?: string; status: string; resources: number; errors?: unknown[]; notes?: unknown[] };
type Data = { version: string; posture: Posture; report: { findings: Finding[]; errors: { file: string; message: string }[]; summary: { bySeverity: Record<string, number>; resources: number; files: number; suppressed: number; notes: string[]; clusters?: ClusterRow[] } }; rules: RuleDoc[] };

function readData(): Data | null {
  const el = document.getElementById('meshward-data');
  try {
    return el?.textContent ? (JSON.parse(el.textContent) as Data) : null;
  } catch {
    return null;
  }
}

const where = (f: Finding) => {
  const l = f.location;
  if (!l) return '';
  return l.file ? `${l.file}:${l.line ?? ''}` : `${l.cluster ?? ''} ${l.object ?? ''}`;
};
const resource = (f: Finding) => `${f.resource?.kind ?? ''} ${f.resource?.namespace ? f.resource.namespace + '/' : ''}${f.resource?.name ?? ''}`;

type Key = 'severity' | 'ruleId' | 'resource' | 'where';
const COLUMNS: [Key, string][] = [
  ['severity', 'Severity'],
  ['ruleId', 'Rule'],
  ['resource', 'Resource'],
  ['where', 'Where'],
];

type Theme = 'light' | 'dark';
const systemTheme = (): Theme => (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

/** The dashboard's themes (styles.css, by data-theme): the system's until the reader switches. */
function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(systemTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, setTheme];
}

const KEYS = new Set<string>(COLUMNS.map(([k]) => k));

/** The filters and sort as the URL's fragment holds them (`#severity=high&q=...&sort=ruleId&desc=0`), so a reload or a link to the file keeps them. */
function fromHash(): { severity: string; q: string; sort: { key: Key; desc: boolean } } {
  const p = new URLSearchParams(location.hash.slice(1));
  const sev = p.get('severity') ?? '';
  const key = p.get('sort') ?? 'severity';
  return {
    severity: (SEVERITIES as readonly string[]).includes(sev) ? sev : '',
    q: p.get('q') ?? '',
    sort: KEYS.has(key) ? { key: key as Key, desc: p.get('desc') !== '0' } : { key: 'severity', desc: true },
  };
}

function Report({ data }: { data: Data }) {
  const [theme, setTheme] = useTheme();
  const initial = useMemo(fromHash, []);
  const [severity, setSeverity] = useState(initial.severity);
  const [q, setQ] = useState(initial.q);
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>(initial.sort);
  useEffect(() => {
    const p = new URLSearchParams();
    if (severity) p.set('severity', severity);
    if (q) p.set('q', q);
    if (sort.key !== 'severity' || !sort.desc) {
      p.set('sort', sort.key);
      p.set('desc', sort.desc ? '1' : '0');
    }
    const hash = p.toString();
    // Replaced, not pushed: typing in the search box would otherwise fill the history.
    if (hash !== location.hash.slice(1)) history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
  }, [severity, q, sort]);
  const [open, setOpen] = useState<string | null>(null);
  const rules = useMemo(() => new Map(data.rules.map((r) => [r.id, r])), [data]);
  const findings = data.report.findings;
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const value = (f: Finding, k: Key): string | number => (k === 'severity' ? severityRank(f.severity) : k === 'resource' ? resource(f) : k === 'where' ? where(f) : f.ruleId);
    return findings
      .filter((f) => (!severity || f.severity === severity) && (!needle || [f.ruleId, f.title, f.message, resource(f), where(f)].some((s) => s.toLowerCase().includes(needle))))
      .sort((a, b) => {
        const x = value(a, sort.key);
        const y = value(b, sort.key);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return sort.desc ? -c : c;
      });
  }, [findings, severity, q, sort]);
  const s = data.report.summary;
  const clusters = arr<ClusterRow>(s.clusters).filter((c) => c && typeof c === 'object');
  return (
    <main id="main">
      <div class="report-head">
        <h1>meshward report</h1>
        <button type="button" class="theme" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
      </div>
      <p class="muted">
        meshward {data.version} · {s.resources} resources
        {clusters.length ? ` from ${clusters.length} cluster${clusters.length === 1 ? '' : 's'}` : ''}
        {s.files || !clusters.length ? ` ${clusters.length ? 'and' : 'in'} ${s.files} file${s.files === 1 ? '' : 's'}` : ''} · {s.suppressed} suppressed
      </p>
      <section aria-labelledby="h-summary">
        <h2 id="h-summary">Summary</h2>
        <ul class="totals">
          {SEVERITIES.map((sev) => (
            <li class={`total sev-${sev}`}>
              <span class="n">{s.bySeverity[sev] ?? 0}</span> {sev}
            </li>
          ))}
        </ul>
        {clusters.length ? (
          <table class="clusters">
            <caption>Clusters read</caption>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Context</th>
                <th scope="col">Status</th>
                <th scope="col">Objects</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {clusters.map((c) => (
                <tr>
                  <th scope="row">{v(c.name)}</th>
                  <td>{v(c.context ?? '')}</td>
                  <td class={c.status === 'ok' ? undefined : 'error'}>{v(c.status)}</td>
                  <td>{Number(c.resources) || 0}</td>
                  <td>{arr(c.errors).length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {s.notes.length ? (
          <ul>
            {s.notes.map((n) => (
              <li>{v(n)}</li>
            ))}
          </ul>
        ) : null}
        {data.report.errors.length ? (
          <ul class="error">
            {data.report.errors.map((e) => (
              <li>
                {v(e.file)}: {v(e.message)}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {postureTables(data.posture).map((p, i) => (
        <PostureTable posture={p.view} cluster={p.cluster} index={i} />
      ))}
      <section aria-labelledby="h-findings">
        <h2 id="h-findings">Findings</h2>
        <div class="toolbar" role="search">
          <label>
            Severity
            <select value={severity} onChange={(e) => setSeverity((e.target as HTMLSelectElement).value)}>
              <option value="">Any</option>
              {SEVERITIES.map((x) => (
                <option value={x}>{x}</option>
              ))}
            </select>
          </label>
          <label>
            Search
            <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <p class="muted" role="status">
          {shown.length} of {findings.length} findings
        </p>
        <table class="findings">
          <thead>
            <tr>
              {COLUMNS.map(([key, label]) => (
                <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                  <button type="button" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key === 'severity' })}>
                    {label}
                  </button>
                </th>
              ))}
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => {
              const id = `${f.fingerprint}:${where(f)}`;
              const rule = rules.get(f.ruleId);
              return (
                <>
                  <tr>
                    <td>
                      <SeverityBadge severity={f.severity} />
                    </td>
                    <td>{v(f.ruleId)}</td>
                    <td>{v(resource(f))}</td>
                    <td>{v(where(f))}</td>
                    <td>
                      <button type="button" class="link" aria-expanded={open === id} onClick={() => setOpen(open === id ? null : id)}>
                        {v(f.message)}
                      </button>
                    </td>
                  </tr>
                  {open === id ? (
                    <tr class="detail">
                      <td colSpan={5}>
                        <h3>
                          {v(f.ruleId)}: {v(f.title)}
                        </h3>
                        {f.location?.path ? (
                          <p>
                            Field: <code>{v(f.location.path)}</code>
                          </p>
                        ) : null}
                        <p>
                          <strong>Remediation:</strong> {v(f.remediation)}
                        </p>
                        {rule ? <p>{rule.why}</p> : null}
                        {f.evidence.length ? (
                          <ul>
                            {f.evidence.map((e) => (
                              <li>
                                {v(e.role)}: {v(e.description)}
                              </li>
                            ))}
                          </ul>
                        ) : null}
                      </td>
                    </tr>
                  ) : null}
                </>
              );
            })}
          </tbody>
        </table>
      </section>
    </main>
  );
}

const arr = <T,>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function postureTables(p: Posture): { cluster: string | null; view: PostureView }[] {
  if (!p) return [];
  if (!Array.isArray(p)) return [{ cluster: null, view: p }];
  return p.filter((x) => x && typeof x === 'object' && x.view && typeof x.view === 'object').map((x) => ({ cluster: typeof x.cluster === 'string' ? x.cluster : null, view: x.view }));
}

/** `meshward posture`'s rows: effective mTLS per workload and port, default-deny, the policies that apply. */
function PostureTable({ posture, cluster, index }: { posture: PostureView; cluster: string | null; index: number }) {
  const id = `h-posture-${index}`;
  return (
    <section aria-labelledby={id} class="posture-section" data-cluster={cluster ?? undefined}>
      <h2 id={id}>{cluster === null ? 'Posture' : `Posture: cluster ${v(cluster)}`}</h2>
      <p class="muted">
        Mesh-wide mTLS: {v(posture.mesh?.mtls?.mode ?? '—')} · mesh default-deny: {v(posture.mesh?.defaultDeny ?? 'none')}
      </p>
      <table class="posture">
        <thead>
          <tr>
            <th scope="col">Workload</th>
            <th scope="col">Dataplane</th>
            <th scope="col">mTLS</th>
            <th scope="col">Default deny</th>
            <th scope="col">Policies (enforced by)</th>
            <th scope="col">Findings</th>
          </tr>
        </thead>
        <tbody>
          {arr<WorkloadRow>(posture.workloads).map((w) => (
            <tr>
              <th scope="row">
                {v(w.kind)} {v(w.namespace)}/{v(w.name)}
                {runsLabel(w.runs) ? <div class="muted">{runsLabel(w.runs)}</div> : null}
              </th>
              <td>{v(w.dataplane)}</td>
              <td>
                {v(w.mtls?.mode)}
                {arr<{ port: number; mode: string }>(w.mtls?.ports).map((p) => (
                  <div class="muted">
                    port {v(p.port)}: {v(p.mode)}
                  </div>
                ))}
              </td>
              <td>{w.defaultDeny ? 'yes' : 'no'}</td>
              <td>
                {arr<PolicyRow>(w.policies).map((p) => (
                  <div>
                    {v(p.action)} {v(p.namespace)}/{v(p.name)} <span class="muted">({v(p.enforcedBy)})</span>
                  </div>
                ))}
              </td>
              <td>{arr<string>(w.findings).map(v).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const data = readData();
render(data ? <Report data={data} /> : <p class="error">This report holds no data (the file is damaged).</p>, document.getElementById('app')!);
