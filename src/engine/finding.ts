import type { ResourceRef } from '../model/resource.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return 4 - SEVERITIES.indexOf(s);
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s);
}

export interface Location {
  file: string;
  line: number;
  column: number;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.runAsUser`. */
  path: string;
  /**
   * Set when `file` is a Helm template found through a `# Source:` comment: where the finding is in the
   * rendered output that was scanned. `line` is then 1 (the template), since rendered lines do not
   * map back onto template lines.
   */
  rendered?: { file: string; line: number };
}

/** Another object that made a finding true: the victim service, the namespace, the policy... */
export interface Evidence {
  /** What this piece of evidence is, e.g. `namespace`, `victim-service`, `mesh-config`. */
  role: string;
  description: string;
  resource?: ResourceRef;
  location?: Location | null;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  resource: ResourceRef;
  location: Location | null;
  remediation: string;
  evidence: Evidence[];
  fingerprint: string;
  /** Set when the finding was suppressed; suppressed findings are dropped from output unless asked for. */
  suppressed?: { kind: 'annotation' | 'config' | 'baseline'; reason: string };
}
