/**
 * Waiting on a condition in a test, never on a fixed sleep: `fn` is called every `everyMs` until it
 * returns something truthy, which is returned; past `timeoutMs` it throws, naming what was awaited.
 */
export async function until<T>(
  what: string,
  fn: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  { timeoutMs = 30_000, everyMs = 25 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
