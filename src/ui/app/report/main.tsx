/**
 * The self-contained HTML report (`meshward scan --format html`): src/report/html.ts inlines this
 * bundle and the scan's JSON report (in a <script type="application/json">) into one file. It reads
 * that data, never the network, and renders everything as text.
 */
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { SEVERITIES, SeverityBadge, severityRank } from '../components/severity.js';
import '../styles.css';
import './report.css';

type Loc = { file?: string; line?: number; cluster?: string; object?: string; path?: string } | null;
type Finding = { ruleId: string; severity: string; title: string; message: string; remediation: string; fingerprint: string; resource: { kind?: string; namespace?: string; name?: string; cluster?: string }; location: Loc; evidence: { role: string; description: string }[] };
type RuleDoc = { id: string; title: string; category: string; summary: string; why: string; fix: string };
type PolicyRow = { kind: string; action: string; namespace: string; name: string; enforcedBy: string };
type WorkloadRow = { kind: string; namespace: string; name: string; dataplane: string; mtls: { mode: string; ports: { port: number; mode: string }[] }; defaultDeny: boolean; policies: PolicyRow[]; findings: string[] };
type Posture = { mesh: { rootNamespace: string; mtls: { mode: string }; defaultDeny: string | null }; workloads: WorkloadRow[] } | null;
type Data = { version: string; posture: Posture; report: { findings: Finding[]; errors: { file: string; message: string }[]; summary: { bySeverity: Record<string, number>; resources: number; files: number; suppressed: number; notes: string[] } }; rules: RuleDoc[] };

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

function Report({ data }: { data: Data }) {
  const [severity, setSeverity] = useState('');
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'severity', desc: true });
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
  return (
    <main id="main">
      <h1>meshward report</h1>
      <p class="muted">
        meshward {data.version} · {s.resources} resources in {s.files} files · {s.suppressed} suppressed
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
        {s.notes.length ? (
          <ul>
            {s.notes.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        ) : null}
        {data.report.errors.length ? (
          <ul class="error">
            {data.report.errors.map((e) => (
              <li>
                {e.file}: {e.message}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {data.posture ? <PostureTable posture={data.posture} /> : null}
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
                    <td>{f.ruleId}</td>
                    <td>{resource(f)}</td>
                    <td>{where(f)}</td>
                    <td>
                      <button type="button" class="link" aria-expanded={open === id} onClick={() => setOpen(open === id ? null : id)}>
                        {f.message}
                      </button>
                    </td>
                  </tr>
                  {open === id ? (
                    <tr class="detail">
                      <td colSpan={5}>
                        <h3>
                          {f.ruleId}: {f.title}
                        </h3>
                        {f.location?.path ? (
                          <p>
                            Field: <code>{f.location.path}</code>
                          </p>
                        ) : null}
                        <p>
                          <strong>Remediation:</strong> {f.remediation}
                        </p>
                        {rule ? <p>{rule.why}</p> : null}
                        {f.evidence.length ? (
                          <ul>
                            {f.evidence.map((e) => (
                              <li>
                                {e.role}: {e.description}
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

/** `meshward posture`'s rows: effective mTLS per workload and port, default-deny, the policies that apply. */
function PostureTable({ posture }: { posture: NonNullable<Posture> }) {
  return (
    <section aria-labelledby="h-posture">
      <h2 id="h-posture">Posture</h2>
      <p class="muted">
        Mesh-wide mTLS: {posture.mesh?.mtls?.mode ?? '—'} · mesh default-deny: {posture.mesh?.defaultDeny ?? 'none'}
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
                {w.kind} {w.namespace}/{w.name}
              </th>
              <td>{w.dataplane}</td>
              <td>
                {w.mtls?.mode}
                {arr<{ port: number; mode: string }>(w.mtls?.ports).map((p) => (
                  <div class="muted">
                    port {p.port}: {p.mode}
                  </div>
                ))}
              </td>
              <td>{w.defaultDeny ? 'yes' : 'no'}</td>
              <td>
                {arr<PolicyRow>(w.policies).map((p) => (
                  <div>
                    {p.action} {p.namespace}/{p.name} <span class="muted">({p.enforcedBy})</span>
                  </div>
                ))}
              </td>
              <td>{arr<string>(w.findings).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const data = readData();
render(data ? <Report data={data} /> : <p class="error">This report holds no data (the file is damaged).</p>, document.getElementById('app')!);
