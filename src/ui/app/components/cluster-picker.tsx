import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useApi } from './use-api.js';
import { visibleText } from './format.js';
import type { Cluster } from '../types.js';

/** Reads one query parameter of the current URL (preact-iso's `query` already decodes it). */
export function useQueryParam(name: string): string {
  const { query } = useLocation();
  const v = Object.hasOwn(query, name) ? query[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * Builds a /ui/ URL from a page path and query values: every part goes through URLSearchParams, so an
 * API string never becomes a URL of its own. Empty values are left out (short, shareable URLs).
 */
export function uiUrl(path: string, query: Record<string, string | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Replaces some query parameters of the current page's URL (a history entry, so back/forward work). */
export function useSetQuery(): (changes: Record<string, string | undefined | null>, opts?: { replace?: boolean }) => void {
  const { path, query, route } = useLocation();
  return (changes, opts) => {
    const next: Record<string, string | undefined | null> = { ...query, ...changes };
    route(uiUrl(path, next), opts?.replace ?? false);
  };
}

/** The first cluster's name once /api/clusters answered, else null (pages that need one default to it). */
export function useFirstCluster(): string | null {
  const clusters = useApi<{ items: Cluster[] }>('/api/clusters');
  return clusters.state === 'ok' ? (clusters.data.items[0]?.name ?? null) : null;
}

/**
 * The one cluster picker of every page: a select bound to the `cluster` query parameter. Choosing a
 * cluster changes the URL (a history entry, so back/forward and shared links work); the page reads it
 * back. `allowAll` adds an "All clusters" choice (the parameter left out); `reset` names the query
 * parameters that belong to the previous cluster and are dropped on a change (a namespace, a node);
 * `clusters` gives the choices when the page has its own list (the blast radius's fleet), else they
 * come from /api/clusters. A cluster in the URL that is not in the list stays shown (a shared link to a
 * cluster gone since, or not yet loaded) rather than silently becoming another. Each choice's value is
 * the name as sent (the URL's parameter); its text is the name made visible (visibleText).
 */
export function ClusterPicker({ allowAll = false, label = 'Cluster', reset = [], clusters }: { allowAll?: boolean; label?: string; reset?: readonly string[]; clusters?: readonly string[] }) {
  const listed = useApi<{ items: Cluster[] }>(clusters ? null : '/api/clusters');
  const current = useQueryParam('cluster');
  const setQuery = useSetQuery();
  const ready = clusters !== undefined || listed.state === 'ok';
  const names = clusters ? [...clusters] : listed.state === 'ok' ? listed.data.items.map((c) => String(c.name)) : [];
  const change = (cluster: string) => {
    const changes: Record<string, string | undefined> = { cluster, cursor: undefined };
    for (const k of reset) changes[k] = undefined;
    setQuery(changes);
  };
  return (
    <label class="picker">
      {label}{' '}
      <select value={current} onChange={(e) => change((e.target as HTMLSelectElement).value)} disabled={!ready}>
        {allowAll || !current ? <option value="">{allowAll ? 'All clusters' : 'Choose a cluster'}</option> : null}
        {current && !names.includes(current) ? <option value={current}>{visibleText(current)}</option> : null}
        {names.map((n) => (
          <option value={n}>{visibleText(n)}</option>
        ))}
      </select>
    </label>
  );
}

/**
 * Pages about one cluster open on the first one when the URL names none: the URL is replaced (no
 * history entry) so that the page shown is the page linked.
 */
export function useDefaultCluster(): void {
  const first = useFirstCluster();
  const current = useQueryParam('cluster');
  const setQuery = useSetQuery();
  useEffect(() => {
    if (!current && first) setQuery({ cluster: first }, { replace: true });
  }, [current, first]);
}
