/** Severity as the dashboard shows it: a badge coloured by the theme's --<severity> custom property. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s);
}

/** Higher is worse; unknown values (an agent may send anything) sort last. */
export function severityRank(s: unknown): number {
  return isSeverity(s) ? 4 - SEVERITIES.indexOf(s) : -1;
}

/** The CSS colour of a severity, for charts (SVG fill/stroke through the theme's variables). */
export function severityColor(s: unknown): string {
  return isSeverity(s) ? `var(--${s})` : 'var(--muted)';
}

/** A badge with the severity as text (colour is never the only cue). */
export function SeverityBadge({ severity }: { severity: unknown }) {
  const s = isSeverity(severity) ? severity : 'info';
  return <span class={`badge sev-${s}`}>{isSeverity(severity) ? severity : 'unknown'}</span>;
}
