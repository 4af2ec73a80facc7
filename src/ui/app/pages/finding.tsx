import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { uiUrl } from '../components/cluster-picker.js';
import { dateTime, resourceLabel, visibleText } from '../components/format.js';
import { useRules } from '../components/rules.js';
import { SeverityBadge } from '../components/severity.js';
import { Status } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { YamlView } from '../components/yaml-view.js';
import type { FindingDetail, ResourceRef, Whoami } from '../types.js';

/** The findings of one object (Findings page, searched by its name, in its cluster and namespace). */
function objectHref(r: ResourceRef): string {
  return uiUrl('/ui/findings', { cluster: r.cluster, namespace: r.namespace, q: r.name, state: 'all' });
}

function SuppressForm({ cluster, fingerprint, onDone }: { cluster: string; fingerprint: string; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [days, setDays] = useState('30');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="suppress"
      aria-label="Suppress this finding"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const expiresAt = new Date(Date.now() + Number(days) * 86_400_000).toISOString();
          await api.post('/api/suppressions', { fingerprint, cluster, reason: reason.trim(), expiresAt });
          onDone();
        } catch (err) {
          setError(err instanceof ApiError ? err.message : 'the server could not be reached');
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        Reason
        <input name="reason" required minLength={3} maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Expires in
        <select name="days" value={days} onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
          {['7', '30', '90', '180', '365'].map((d) => (
            <option value={d}>{d} days</option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Suppress
      </button>
      {error ? (
        <p class="error" role="alert">
          {visibleText(error)}
        </p>
      ) : null}
    </form>
  );
}

/** One finding: what, where, why, how to fix, its history and the object's YAML. Every string of the API shown made visible (visibleText). */
export function FindingPage({ cluster, fingerprint }: { cluster?: string; fingerprint?: string }) {
  const c = cluster ?? '';
  const fp = fingerprint ?? '';
  const detail = useApi<FindingDetail>(`/api/findings/${encodeURIComponent(c)}/${encodeURIComponent(fp)}`);
  const me = useApi<Whoami>('/api/whoami');
  const rules = useRules();
  return (
    <Status result={detail}>
      {({ finding: f, events, object }) => {
        const rule = rules?.get(f.ruleId);
        const admin = me.state === 'ok' && me.data.role === 'admin';
        const resolved = f.state === 'resolved';
        // When it went away (else the newest "resolved" event of its history, oldest first).
        const resolvedAt = resolved ? (f.resolvedAt ?? [...events].reverse().find((e) => e.type === 'resolved')?.at) : undefined;
        return (
          <article>
            <p class="muted">
              <a href={uiUrl('/ui/findings', { cluster: f.cluster, state: resolved ? 'resolved' : undefined })}>{resolved ? 'Resolved findings' : 'Findings'} of {visibleText(f.cluster)}</a>
            </p>
            <h1>
              {visibleText(f.ruleId)}: {visibleText(f.title)}
            </h1>
            <p>
              <SeverityBadge severity={f.severity} /> <span class="badge">{visibleText(f.state)}</span>{' '}
              {f.suppression ? <span class="badge">suppressed until {dateTime(f.suppression.expiresAt)}</span> : null}
            </p>
            {resolved ? (
              <p class="notice resolved" role="note">
                Resolved{resolvedAt ? ` on ${dateTime(resolvedAt)}` : ''}: the cluster's latest analysis no longer finds this. What follows is what was found; it reopens if the problem comes back.
              </p>
            ) : null}
            <p class="message">{visibleText(f.message)}</p>
            <dl class="facts">
              <dt>Object</dt>
              <dd>
                <a href={objectHref(f.resource)}>{resourceLabel(f.resource)}</a> <span class="muted">in {visibleText(f.resource.cluster)}</span>
              </dd>
              {f.location?.path ? (
                <>
                  <dt>Field</dt>
                  <dd>
                    <code>{visibleText(f.location.path)}</code>
                  </dd>
                </>
              ) : null}
              <dt>First seen</dt>
              <dd>{dateTime(f.firstSeenAt)}</dd>
              <dt>Last seen</dt>
              <dd>{dateTime(f.lastSeenAt)}</dd>
              {resolved ? (
                <>
                  <dt>Resolved</dt>
                  <dd>{dateTime(resolvedAt)}</dd>
                </>
              ) : null}
            </dl>
            {f.evidence.length > 0 ? (
              <section aria-labelledby="h-evidence">
                <h2 id="h-evidence">Evidence</h2>
                <ul class="evidence">
                  {f.evidence.map((e) => (
                    <li>
                      <strong>{visibleText(e.role)}</strong>: {visibleText(e.description)}
                      {e.resource ? (
                        <>
                          {' '}
                          (<a href={objectHref(e.resource)}>{resourceLabel(e.resource)}</a>)
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
            <section aria-labelledby="h-fix">
              <h2 id="h-fix">Remediation</h2>
              <p class="prose">{visibleText(f.remediation)}</p>
            </section>
            {rule ? (
              <section aria-labelledby="h-explain">
                <h2 id="h-explain">Why it matters</h2>
                <p class="prose">{visibleText(rule.summary)}</p>
                <p class="prose">{visibleText(rule.why)}</p>
                <p class="muted">Category: {visibleText(rule.category)}</p>
              </section>
            ) : null}
            <section aria-labelledby="h-history">
              <h2 id="h-history">History</h2>
              <ol class="history">
                {events.map((e) => (
                  <li>
                    {dateTime(e.at)}: {visibleText(e.type)} <SeverityBadge severity={e.severity} />
                  </li>
                ))}
              </ol>
            </section>
            <section aria-labelledby="h-suppress">
              <h2 id="h-suppress">Suppress</h2>
              {resolved && !f.suppression ? (
                <p class="muted">Nothing to suppress: this finding is resolved. If it reopens, it can be suppressed then.</p>
              ) : f.suppression ? (
                <p>
                  Suppressed by {visibleText(f.suppression.createdBy)} until {dateTime(f.suppression.expiresAt)}: {visibleText(f.suppression.reason)}
                </p>
              ) : admin ? (
                <SuppressForm cluster={f.cluster} fingerprint={f.fingerprint} onDone={detail.reload} />
              ) : (
                <p class="muted">Only an admin can suppress a finding.</p>
              )}
            </section>
            <section aria-labelledby="h-yaml">
              <h2 id="h-yaml">The object</h2>
              {object && resolved ? <p class="muted">As stored now, after the change that resolved the finding: the highlighted field may hold its new value, or be gone.</p> : null}
              {object ? <YamlView object={object} path={f.location?.path} label={`YAML of ${resourceLabel(f.resource)}`} /> : <p class="muted">{resolved ? 'The object is no longer in the cluster (deleting it may be what resolved the finding).' : 'The object is no longer stored.'}</p>}
            </section>
          </article>
        );
      }}
    </Status>
  );
}
