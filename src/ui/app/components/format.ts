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
