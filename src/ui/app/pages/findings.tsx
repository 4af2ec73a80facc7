import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ClusterPicker, uiUrl, useQueryParam, useSetQuery } from '../components/cluster-picker.js';
import { resourceLabel, resourceName, visibleText } from '../components/format.js';
import { useRules } from '../components/rules.js';
import { SEVERITIES, SeverityBadge } from '../components/severity.js';
import { VirtualList } from '../components/virtual-list.js';
import type { Finding, FindingsPage, RuleInfo } from '../types.js';

/** Pages of this size are fetched one after another until the filter's findings are all loaded. */
const PAGE = 1000;
/** A safety stop: past this many findings the list says it is partial (narrow the filter). */
const MAX_FINDINGS = 100_000;
const ROW = 56;

export function findingHref(f: Pick<Finding, 'cluster' | 'fingerprint'>): string {
  return `/ui/findings/${encodeURIComponent(f.cluster)}/${encodeURIComponent(f.fingerprint)}`;
}

type Loading = { items: Finding[]; done: boolean; partial: boolean; error: string | null };

/** All findings of the server-side filters, by cursor pages; each page shows as soon as it arrives. */
function useAllFindings(query: Record<string, string | string[]>): Loading {
  const [state, setState] = useState<Loading>({ items: [], done: false, partial: false, error: null });
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    setState({ items: [], done: false, partial: false, error: null });
    (async () => {
      let cursor: string | null = null;
      let items: Finding[] = [];
      do {
        const page: FindingsPage = await api.get<FindingsPage>('/api/findings', { ...query, limit: PAGE, cursor: cursor ?? undefined });
        if (!live) return;
        items = items.concat(page.items);
        cursor = page.next;
        const partial = cursor !== null && items.length >= MAX_FINDINGS;
        setState({ items, done: cursor === null || partial, partial, error: null });
        if (partial) return;
      } while (cursor);
    })().catch((err: unknown) => {
      if (!live) return;
      const e = err instanceof ApiError ? err : new ApiError(0, 'network', 'the server could not be reached');
      if (e.status === 401) window.dispatchEvent(new CustomEvent('meshward:unauthorized'));
      setState((s) => ({ ...s, done: true, error: e.message }));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

type Row = { kind: 'group'; label: string; count: number } | { kind: 'finding'; f: Finding };

const GROUPS = { rule: 'Rule', resource: 'Resource', namespace: 'Namespace' } as const;
type GroupBy = keyof typeof GROUPS;

function groupKey(f: Finding, by: GroupBy): string {
  if (by === 'rule') return `${f.ruleId} ${f.title}`;
  if (by === 'namespace') return `${f.cluster}/${f.namespace || '(cluster-scoped)'}`;
  return `${f.cluster}: ${resourceName(f.resource)}`;
}

function matches(f: Finding, q: string): boolean {
  return [f.ruleId, f.title, f.message, f.resource?.name, f.resource?.kind, f.namespace, f.cluster].some((s) => typeof s === 'string' && s.toLowerCase().includes(q));
}

function FindingRow({ f }: { f: Finding }) {
  return (
    <div class="frow">
      <div class="line1">
        <SeverityBadge severity={f.severity} /> <a href={findingHref(f)}>{visibleText(f.ruleId)}</a> <span class="title">{visibleText(f.title)}</span>
        {f.suppression ? <span class="badge muted">suppressed</span> : null}
        {f.state === 'resolved' ? <span class="badge muted">resolved</span> : null}
      </div>
      <div class="line2 muted">
        <span class="res">
          {visibleText(f.cluster)} · {resourceLabel(f.resource)}
        </span>{' '}
        — {visibleText(f.message)}
      </div>
    </div>
  );
}

/** A filter: `options` are [value, text] with the text as shown (the caller makes API strings visible); a value from the URL not among them is shown made visible. */
function Select({ label, name, value, options, onChange }: { label: string; name: string; value: string; options: [string, string][]; onChange(v: string): void }) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, text]) => (
          <option value={v}>{text}</option>
        ))}
        {value && !options.some(([v]) => v === value) ? <option value={value}>{visibleText(value)}</option> : null}
      </select>
    </label>
  );
}

/** The findings of the fleet, filtered, searched and grouped; every choice lives in the URL. */
export function FindingsPage() {
  const p = {
    cluster: useQueryParam('cluster'),
    namespace: useQueryParam('namespace'),
    severity: useQueryParam('severity'),
    rule: useQueryParam('rule'),
    category: useQueryParam('category'),
    state: useQueryParam('state'),
    suppressed: useQueryParam('suppressed'),
    q: useQueryParam('q'),
    group: useQueryParam('group'),
  };
  const setQuery = useSetQuery();
  const rules = useRules();
  const serverQuery: Record<string, string> = {};
  for (const k of ['cluster', 'namespace', 'severity', 'rule', 'suppressed'] as const) if (p[k]) serverQuery[k] = p[k];
  // state: open (the API's default), resolved, or both (all).
  const stateQuery = p.state === 'all' ? ['open', 'resolved'] : p.state === 'resolved' ? ['resolved'] : undefined;
  const loading = useAllFindings(stateQuery ? { ...serverQuery, state: stateQuery } : serverQuery);
  const [search, setSearch] = useState(p.q);
  useEffect(() => setSearch(p.q), [p.q]);
  const [namespace, setNamespace] = useState(p.namespace);
  useEffect(() => setNamespace(p.namespace), [p.namespace]);

  const group: GroupBy | '' = Object.hasOwn(GROUPS, p.group) ? (p.group as GroupBy) : '';
  const rows = useMemo<Row[]>(() => {
    const q = p.q.trim().toLowerCase();
    const categoryOf = (f: Finding) => rules?.get(f.ruleId)?.category ?? '';
    const shown = loading.items.filter((f) => (!p.category || categoryOf(f) === p.category) && (!q || matches(f, q)));
    if (!group) return shown.map((f) => ({ kind: 'finding', f }));
    const groups = new Map<string, Finding[]>();
    for (const f of shown) {
      const k = groupKey(f, group);
      const g = groups.get(k);
      if (g) g.push(f);
      else groups.set(k, [f]);
    }
    const out: Row[] = [];
    for (const [label, fs] of [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
      out.push({ kind: 'group', label, count: fs.length });
      for (const f of fs) out.push({ kind: 'finding', f });
    }
    return out;
  }, [loading.items, p.category, p.q, group, rules]);
  const count = group ? rows.filter((r) => r.kind === 'finding').length : rows.length;

  const ruleList: RuleInfo[] = rules ? [...rules.values()] : [];
  const categories = [...new Set(ruleList.map((r) => r.category))].sort();
  const set = (k: string) => (v: string) => setQuery({ [k]: v });
  return (
    <>
      <h1>Findings</h1>
      <form
        class="toolbar"
        role="search"
        aria-label="Filter findings"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: search.trim(), namespace: namespace.trim() });
        }}
      >
        <ClusterPicker allowAll />
        <label>
          Namespace
          <input name="namespace" value={namespace} placeholder="any" size={12} onInput={(e) => setNamespace((e.target as HTMLInputElement).value)} onChange={(e) => setQuery({ namespace: (e.target as HTMLInputElement).value.trim() })} />
        </label>
        <Select label="Severity" name="severity" value={p.severity} onChange={set('severity')} options={[['', 'Any'], ...SEVERITIES.map((s): [string, string] => [s, s])]} />
        <Select label="Rule" name="rule" value={p.rule} onChange={set('rule')} options={[['', 'Any'], ...ruleList.map((r): [string, string] => [r.id, visibleText(`${r.id} ${r.title}`.slice(0, 70))])]} />
        <Select label="Category" name="category" value={p.category} onChange={set('category')} options={[['', 'Any'], ...categories.map((c): [string, string] => [c, visibleText(c)])]} />
        <Select label="State" name="state" value={p.state} onChange={set('state')} options={[['', 'Open'], ['resolved', 'Resolved'], ['all', 'Open and resolved']]} />
        <Select label="Suppressed" name="suppressed" value={p.suppressed} onChange={set('suppressed')} options={[['', 'Hidden'], ['include', 'Shown'], ['only', 'Only suppressed']]} />
        <Select label="Group by" name="group" value={p.group} onChange={set('group')} options={[['', 'None'], ...Object.entries(GROUPS)]} />
        <label>
          Search
          <input type="search" name="q" value={search} placeholder="rule, name, message" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <p class="muted" role="status" aria-live="polite">
        {loading.error ? null : `${count} finding${count === 1 ? '' : 's'}${loading.done ? '' : ' so far, loading more…'}${loading.partial ? ` (the first ${MAX_FINDINGS}: narrow the filter to see the rest)` : ''}`}
      </p>
      {loading.error ? (
        <p class="error" role="alert">
          {visibleText(loading.error)}
        </p>
      ) : null}
      {rows.length > 0 ? (
        <VirtualList
          items={rows}
          rowHeight={ROW}
          height={Math.min(640, Math.max(ROW * 3, rows.length * ROW))}
          label="Findings"
          row={(r) =>
            r.kind === 'group' ? (
              <div class="group-head">
                <strong>{visibleText(r.label)}</strong> <span class="muted">({r.count})</span>
              </div>
            ) : (
              <FindingRow f={r.f} />
            )
          }
        />
      ) : loading.done && !loading.error ? (
        <p class="muted">
          No findings match. <a href={uiUrl('/ui/findings')}>Clear the filters</a>
        </p>
      ) : null}
    </>
  );
}
