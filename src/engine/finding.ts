import type { ResourceRef } from '../model/resource.js';
import type { TrafficSeen } from '../insights/confirm.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return 4 - SEVERITIES.indexOf(s);
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s);
}

/**
 * Where a finding is: in a file (FileLocation), or in an object read from a live cluster
 * (ClusterLocation), which has no file and no line. Tell them apart with isClusterLocation (or by
 * `file`, which only a FileLocation has).
 */
export type Location = FileLocation | ClusterLocation;

export interface FileLocation {
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

/**
 * Where a finding is in an object read from a live cluster: the cluster, the object and the field.
 * There is no file or line to point at, and none is made up (reports show the cluster and the object
 * instead: SARIF as a logical location, JUnit and text by name). JSON: `{cluster, object, path}`.
 */
export interface ClusterLocation {
  /** The cluster's name, as on the finding's resource (`--cluster-name`, else the context). */
  cluster: string;
  /** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object (as SARIF names resources). */
  object: string;
  /** Field path inside the object, as in FileLocation. */
  path: string;
  file?: undefined;
  line?: undefined;
  column?: undefined;
  rendered?: undefined;
}

export function isClusterLocation(l: Location | null | undefined): l is ClusterLocation {
  return l !== null && l !== undefined && l.file === undefined;
}

/** A location's file, or null for one in a live cluster (and for none). */
export function fileLocation(l: Location | null | undefined): FileLocation | null {
  return l && l.file !== undefined ? l : null;
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
  /**
   * Set when traffic facts show the finding's route in use (src/insights/confirm.ts): the figures, and
   * the severity before it was ranked up. Absent otherwise.
   */
  seenInTraffic?: TrafficSeen;
  /** Set when the finding was suppressed; suppressed findings are dropped from output unless asked for. */
  suppressed?: { kind: 'annotation' | 'config' | 'baseline'; reason: string };
}
