/** Human formats for API values; invalid input (agents send anything) shows as a dash. */
export function ago(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return 'none';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

/**
 * What a posture row's workload runs beside it (`meshward posture -f json`'s `runs`): `+2 ReplicaSets,
 * Jobs or Pods it runs`, or null when nothing (or a report made before the field existed).
 */
export function runsLabel(runs: unknown): string | null {
  if (typeof runs !== 'number' || !(runs > 0)) return null;
  return `+${runs} ${runs === 1 ? 'ReplicaSet, Job or Pod' : 'ReplicaSets, Jobs or Pods'} it runs`;
}

/** A resource as people name it, as data (a grouping key): Kind namespace/name, the agent's characters as sent. */
export function resourceName(r: { kind?: unknown; namespace?: unknown; name?: unknown } | null | undefined): string {
  if (!r) return '—';
  const ns = typeof r.namespace === 'string' && r.namespace ? `${r.namespace}/` : '';
  return `${String(r.kind ?? '')} ${ns}${String(r.name ?? '')}`;
}

/** A resource as the page shows it: Kind namespace/name with control and bidi characters made visible (visibleText). */
export function resourceLabel(r: { kind?: unknown; namespace?: unknown; name?: unknown } | null | undefined): string {
  return visibleText(resourceName(r));
}

/**
 * Characters that hide or reorder text, or act on a terminal the text is pasted into: C0/C1 controls,
 * DEL, the Arabic letter mark, zero-width characters, line/paragraph separators, bidirectional
 * embeddings, overrides and isolates, and the byte-order mark. The set of src/engine/text.ts's
 * UNSAFE_CHARS, copied because the app bundles nothing from the server; src/ui/format.test.ts keeps
 * the two the same.
 */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * An untrusted line as the CLI prints it (terminalSafe): every character of UNSAFE_CHARS written as a
 * visible `\uXXXX`. Still rendered as text (never markup): this is about what the reader sees, where an
 * RTL override in a Secret's name would make the rest of the line read backwards and a line break would
 * fake a second entry.
 *
 * The dashboard's one rule: every string that came from the API (cluster, namespace, object names and
 * kinds, hosts, messages, evidence, reasons, tenants, labels, rule text, server errors) or from the URL
 * goes through this function where it is displayed — text nodes, SVG labels, tooltips (`title`,
 * `<title>`) and accessible names — and only there: URLs, API queries, keys, filters and sorting use the
 * value as sent. Our own fixed text needs none. Anything not a string (a number, null from an agent)
 * shows as its String() form; null and undefined as ''.
 */
export function visibleText(s: unknown): string {
  const text = typeof s === 'string' ? s : s === null || s === undefined ? '' : String(s);
  return text.replace(UNSAFE_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A list of untrusted strings shown joined (`a, b`), each made visible; the dash when empty. */
export function visibleList(items: readonly unknown[], empty = '—'): string {
  return items.map(visibleText).join(', ') || empty;
}
