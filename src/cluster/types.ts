/**
 * The live source's contract: what `src/cluster` hands to the commands (scan, posture, tenants,
 * blast-radius) and, later, to the webhook and the relay agent.
 *
 * The flow (design.md, "Live doors"): kubeconfig → gate (the KCF rules judge every context before any
 * connection) → `@kubernetes/client-node` → discovery → paginated lists of exactly the kinds the enabled
 * rules read → sanitizer (secret values never leave it) → one `ClusterRead` per cluster.
 *
 * Memory grows with the concurrency, never with the fleet: `readClusters` hands each cluster's objects
 * to `consume` and does not start more than `concurrency` clusters before earlier ones are consumed,
 * so a caller that analyses and drops each `ClusterRead` keeps only findings.
 */
import type { Resource } from '../model/resource.js';

/** Which clusters to read and what the gate may allow. Mirrors the CLI flags one to one. */
export interface LiveSelection {
  /** `--kubeconfig FILE`; when absent, `$KUBECONFIG` merged as kubectl does, else `~/.kube/config`. */
  kubeconfig?: string;
  /** `--context NAME` (repeatable). Empty and not `allContexts`: the current context. */
  contexts: string[];
  /** `--all-contexts`. */
  allContexts: boolean;
  /** `--in-cluster`: the pod's service account (token and CA under /var/run/secrets/kubernetes.io). */
  inCluster: boolean;
  /** `--cluster-name CTX=NAME`: the name recorded on resources and in reports (default: the context name). */
  clusterNames: ReadonlyMap<string, string>;
  /** `--allow-exec NAME` (repeatable): exec credential plugins allowed beyond the built-in list. */
  allowExec: readonly string[];
  /** `--allow-insecure-kubeconfig`: lifts every other gate refusal (files, proxies, insecure TLS, http, impersonation). */
  allowInsecureKubeconfig: boolean;
  /** `--cluster-concurrency` (clusters read and analysed at once). */
  concurrency: number;
  /** Per-request timeout (ms). */
  requestTimeoutMs: number;
  /** Whole-cluster timeout (ms): what is not listed by then makes the cluster `partial` or `error`. */
  clusterTimeoutMs: number;
}

export type ClusterStatus = 'ok' | 'partial' | 'error';

/** One thing that went wrong reading a cluster. Never holds a secret value. */
export interface ClusterError {
  /** The kind whose list failed (`Pod`, `networking.istio.io/VirtualService`), or `kubeconfig`, `discovery`, `connection`. */
  kind: string;
  /** HTTP status when there was one (403, 410, 429, 500...), else null. */
  status: number | null;
  /** What went wrong, where, and how to fix it (for a refusal: the field, the KCF rule and the flag that allows it). */
  message: string;
}

/** What the reports say about a cluster (`summary.clusters[]` in JSON). */
export interface ClusterSummary {
  /** Cluster name recorded on every resource (`--cluster-name`, else the context name, else `in-cluster`). */
  name: string;
  /** The context it came from (`null` for --in-cluster). */
  context: string | null;
  /** API server URL, with any userinfo or query removed (redactUrl). */
  server: string;
  status: ClusterStatus;
  /** Objects read (after sanitizing). */
  resources: number;
  durationMs: number;
  errors: ClusterError[];
  /** What was skipped and what it weakens (a CRD not installed, a kind forbidden and the rules it weakens). */
  notes: string[];
}

/** One cluster's objects, sanitized, each `Resource` with `cluster` = summary.name and `source` = null. */
export interface ClusterRead {
  summary: ClusterSummary;
  resources: Resource[];
}

export type ClusterPhase = 'refused' | 'connecting' | 'listing' | 'analysing' | 'done' | 'error';

export interface ProgressEvent {
  cluster: string;
  phase: ClusterPhase;
  /** e.g. `Pod 1200/?`, or the error's first line. Already safe for a terminal. */
  detail?: string;
}

export interface ReadClustersOptions extends LiveSelection {
  /** Kinds to list (`Kind` or `group/Kind`): the union of the enabled rules' `reads`. */
  kinds: readonly string[];
  /** Environment and home folder (tests pass their own; never `process.env` deep inside). */
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Working folder relative kubeconfig paths are shown against (never resolved into a read by the gate). */
  cwd: string;
  onProgress?: (event: ProgressEvent) => void;
  /** `--verbose`: exec plugin commands, args and env names are reported through this. */
  onNote?: (note: string) => void;
}

/**
 * Reads every selected cluster and calls `consume` once per cluster (refused and failed clusters too,
 * with `resources` empty and `status: 'error'`). Resolves with every summary, in selection order.
 * Implemented in src/cluster/read.ts.
 */
export type ReadClusters = (opts: ReadClustersOptions, consume: (read: ClusterRead) => Promise<void>) => Promise<ClusterSummary[]>;
