import { useLocation } from 'preact-iso';
import { useApi } from './use-api.js';
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

/**
 * A select bound to the `cluster` query parameter: choosing a cluster changes the URL, the page reads
 * it back. `allowAll` adds an "All clusters" choice (the parameter left out).
 */
export function ClusterPicker({ allowAll = false, label = 'Cluster' }: { allowAll?: boolean; label?: string }) {
  const clusters = useApi<{ items: Cluster[] }>('/api/clusters');
  const current = useQueryParam('cluster');
  const setQuery = useSetQuery();
  const names = clusters.state === 'ok' ? clusters.data.items.map((c) => String(c.name)) : [];
  return (
    <label class="picker">
      {label}{' '}
      <select value={current} onChange={(e) => setQuery({ cluster: (e.target as HTMLSelectElement).value, cursor: undefined })} disabled={clusters.state !== 'ok'}>
        {allowAll || !current ? <option value="">{allowAll ? 'All clusters' : 'Choose a cluster'}</option> : null}
        {current && !names.includes(current) ? <option value={current}>{current}</option> : null}
        {names.map((n) => (
          <option value={n}>{n}</option>
        ))}
      </select>
    </label>
  );
}
