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

/** A resource as people name it: Kind namespace/name. */
export function resourceLabel(r: { kind?: unknown; namespace?: unknown; name?: unknown } | null | undefined): string {
  if (!r) return '—';
  const ns = typeof r.namespace === 'string' && r.namespace ? `${r.namespace}/` : '';
  return `${String(r.kind ?? '')} ${ns}${String(r.name ?? '')}`;
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
 * visible `\uXXXX`. Still rendered as text (never markup): this is about what the reader sees, for
 * one-line messages the server wrote around names an agent chose, where an RTL override in a Secret's
 * name would make the rest of the line read backwards and a line break would fake a second entry.
 */
export function visibleText(s: string): string {
  return s.replace(UNSAFE_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
