/**
 * The admission webhook's contract (issue 12): what `meshward webhook` serves, and what the generator
 * (`meshward generate webhook`, charts/meshward) deploys. Both sides import these constants so the
 * Deployment, the Service, the ValidatingWebhookConfiguration and the server never disagree.
 */
import type { Finding, Severity } from '../engine/finding.js';
import type { Resource } from '../model/resource.js';

/** HTTPS port the server listens on by default (and the container port the Deployment opens). */
export const WEBHOOK_DEFAULT_PORT = 8443;

/** Paths the server answers. */
export const WEBHOOK_PATHS = {
  validate: '/validate',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
} as const;

/** Namespace label that overrides the mode per namespace. */
export const ADMISSION_MODE_LABEL = 'meshward.io/admission';

export type WebhookMode = 'enforce' | 'warn' | 'audit';
export type NamespaceMode = WebhookMode | 'off';
export type DenyOn = Extract<Severity, 'critical' | 'high' | 'medium'>;
export type Unsynced = 'allow' | 'deny';

/** Mirrors the CLI flags of `meshward webhook`. */
export interface WebhookOptions {
  tlsCert: string;
  tlsKey: string;
  port: number;
  /** `--tenants FILE`: tenant policy file, reloaded when it changes. */
  tenants?: string;
  /** `--tenants-configmap NS/NAME`: tenant policy from a ConfigMap (key `tenants.yaml`), reloaded on change. */
  tenantsConfigMap?: string;
  mode: WebhookMode;
  denyOn: DenyOn;
  unsynced: Unsynced;
  /** Namespaces never judged (always allowed): its own, kube-system, the Istio root namespace, plus these. */
  exemptNamespaces: string[];
}

/** The AdmissionReview request fields the decision reads (admission.k8s.io/v1), after validation. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  namespace: string;
  name: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** The new object (absent on DELETE). Untrusted. */
  object: unknown;
  /** The old object (UPDATE, DELETE). Untrusted. */
  oldObject: unknown;
  dryRun: boolean;
  userInfo: { username: string; groups: string[] };
}

/** What the webhook answers (AdmissionReview response fields), plus the findings that decided it. */
export interface Verdict {
  allowed: boolean;
  /** Set when denied: code 403 and a message a developer can act on. */
  status?: { code: number; message: string };
  warnings: string[];
  auditAnnotations: Record<string, string>;
  /** Findings the incoming object introduces (absent before it, present with it). */
  introduced: Finding[];
}

/** The state a decision is taken against: the cache's current objects and its version (for memoizing). */
export interface DecisionState {
  version: number;
  resources: () => Iterable<Resource>;
  synced: boolean;
}
