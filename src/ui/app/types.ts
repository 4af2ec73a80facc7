/** The shapes the API answers with (src/server/api/schemas.ts is the contract; these mirror it). */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export type ResourceRef = { cluster: string; apiVersion: string; kind: string; namespace: string; name: string };
export type Location = { cluster?: string; object?: string; path?: string; file?: string; line?: number; column?: number } | null;
export type Evidence = { role: string; description: string; resource?: ResourceRef; location?: Location };
export type SuppressionRef = { id: string; reason: string; expiresAt: string; createdBy: string } | null;

export type Finding = {
  cluster: string;
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  remediation: string;
  resource: ResourceRef;
  location: Location;
  evidence: Evidence[];
  namespace: string;
  state: 'open' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  reopened: number;
  suppression: SuppressionRef;
};

export type FindingsPage = { items: Finding[]; next: string | null };
export type FindingEvent = { type: 'opened' | 'resolved' | 'reopened' | 'severity-changed'; at: string; severity: Severity };
export type FindingDetail = { finding: Finding; events: FindingEvent[]; object: Record<string, unknown> | null };

export type Cluster = {
  name: string;
  status: 'ok' | 'stale' | 'waiting' | 'analysing' | 'revoked';
  createdAt: string;
  revokedAt: string | null;
  agentVersion: string | null;
  lastSeenAt: string | null;
  lastSeenAgeSeconds: number | null;
  objects: number;
  lastIngestAt: string | null;
  lastAnalysisAt: string | null;
  analysisBacklog: number;
  lagSeconds: number;
  openFindings: Record<string, number>;
  /** Traffic facts' freshness (docs/telemetry.md); null when none are stored. */
  telemetry: { source: 'agent' | 'server'; receivedAt: string; ageSeconds: number; stale: boolean; staleAfterSeconds: number; edges: number } | null;
};

export type TrendPoint = { day: string; open: Partial<Record<Severity, number>> };
export type RuleInfo = { id: string; title: string; severity: Severity; category: string; summary: string; why: string; fix: string };
export type Whoami = { name: string; role: 'viewer' | 'admin'; [k: string]: unknown };
