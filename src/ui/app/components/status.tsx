import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-api.js';
import { visibleText } from './format.js';

/** Renders loading and error states the same way on every page; children render the data. The server's error may quote a name an agent chose: made visible. */
export function Status<T>({ result, children }: { result: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (result.state === 'loading') return <p class="muted" role="status">Loading…</p>;
  if (result.state === 'error')
    return (
      <p class="error" role="alert">
        {visibleText(result.error.message)}
      </p>
    );
  return <>{children(result.data)}</>;
}
