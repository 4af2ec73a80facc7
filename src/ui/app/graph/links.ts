/**
 * Dashboard URLs built from API strings: every part goes through encodeURIComponent, so a name an agent
 * chose can never become a scheme, a host or a path of its own.
 */
export function uiUrl(path: string, query: Record<string, string | null | undefined> = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) if (v) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const safePath = path
    .split('/')
    .map((seg, i) => (i < 2 ? seg : encodeURIComponent(seg)))
    .join('/');
  if (!safePath.startsWith('/ui/')) throw new Error(`uiUrl builds /ui/ links only, not ${path}`);
  return parts.length ? `${safePath}?${parts.join('&')}` : safePath;
}

export function findingsUrl(cluster: string, opts: { rule?: string; namespace?: string } = {}): string {
  return uiUrl('/ui/findings', { cluster, rule: opts.rule, namespace: opts.namespace });
}
