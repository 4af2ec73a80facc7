import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-api.js';

/** Renders loading and error states the same way on every page; children render the data. */
export function Status<T>({ result, children }: { result: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (result.state === 'loading') return <p class="muted" role="status">Loading…</p>;
  if (result.state === 'error')
    return (
      <p class="error" role="alert">
        {result.error.message}
      </p>
    );
  return <>{children(result.data)}</>;
}
