import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Query } from '../api.js';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ok'; data: T };

/**
 * Loads one API resource and reloads when the path or query changes (the query is compared by its JSON,
 * so callers may pass a fresh object each render). `reload()` fetches again (after a suppression).
 */
export function useApi<T>(path: string | null, query?: Query): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(query ?? {});
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setResult({ state: 'loading' });
    api
      .get<T>(path, query)
      .then((data) => live && setResult({ state: 'ok', data }))
      .catch((err: unknown) => {
        if (!live) return;
        const e = err instanceof ApiError ? err : new ApiError(0, 'network', 'the server could not be reached');
        if (e.status === 401) window.dispatchEvent(new CustomEvent('meshward:unauthorized'));
        setResult({ state: 'error', error: e });
      });
    return () => {
      live = false;
    };
  }, [path, key, tick]);
  return { ...result, reload: () => setTick((t) => t + 1) };
}
