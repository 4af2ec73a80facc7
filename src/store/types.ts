/**
 * The one store interface of `meshward server`. Two implementations pass the same test suite
 * (src/store/store-suite.ts): SQLite (better-sqlite3, WAL; the embedded default, `--data DIR`) and
 * PostgreSQL (pg; `--database postgres://...`, the way to run several server replicas on one database).
 *
 * What it holds, per cluster: its registration and revocation, bootstrap tokens (hashes only),
 * issued certificates, the cursor of the agent's stream (epoch, seq), the cluster's current sanitized
 * objects, and the findings analysis made of them with their history. Plus suppressions, which are
 * fleet-wide. Never a secret value: objects arrive sanitized and are sanitized again before they
 * are stored; tokens are stored as hashes.
 *
 * Every method is atomic. `applyBatch` in particular stores a batch's changes and moves the cursor in
 * one transaction: when it resolves, the batch survives a `kill -9` of the server, and only then is it
 * acknowledged to the agent.
 *
 * Times are `Date`s in and ISO 8601 strings out (JSON-ready). Implementations never interpolate input
 * into SQL: parameters only.
 */
import type { Evidence, Location, Severity } from '../engine/finding.js';
import type { ResourceRef } from '../model/resource.js';
import type { Batch, Change, Cursor, ObjectKey, WireKindStatus, WireObject, WireTrafficEdge } from '../relay/protocol.js';

/** A cluster as registered. `fleet` rows (cross-cluster analysis) use the reserved name FLEET_CLUSTER. */

/**
 * An upsert the server's ingest already validated, sanitized and serialized (src/server/batch-decode.ts):
 * `body` is the WireObject's JSON exactly as the store keeps it, `key` the object's.
 */
export interface SerializedUpsert {
  op: 'upsert-json';
  key: ObjectKey;
  body: string;
}

export type StoreChange = Change | SerializedUpsert;

/** A batch as Store.applyBatch takes it: the wire's (a Batch is one), or with its upserts serialized. */
export type StoreBatch = Omit<Batch, 'changes'> & { changes: StoreChange[] };

export interface ClusterRecord {
  name: string;
  createdAt: string;
  /** Set once revoked: every certificate of the cluster is refused from then on. */
  revokedAt: string | null;
  agentVersion: string | null;
  /** Last request from the cluster's agent (any endpoint). */
  lastSeenAt: string | null;
  /** Agent clock minus server clock at the last batch, ms (positive: the agent is ahead). */
  clockSkewMs: number | null;
  cursor: Cursor;
  /** Objects currently stored for the cluster (the complete epoch's). */
  objects: number;
  /** What the agent could see, from its last report. */
  kinds: WireKindStatus[];
  lastIngestAt: string | null;
  lastAnalysisAt: string | null;
  /** Stored batches not yet analysed (0 when analysis has caught up). */
  analysisBacklog: number;
}

/** The name under which cross-cluster findings (blast radius, trust) are stored. Not a valid cluster name. */
export const FLEET_CLUSTER = '(fleet)';

export interface ApplyBatchOptions {
  maxObjects: number;
  seen?: { agentVersion: string; clockSkewMs: number | null };
}

export interface StoredObject {
  key: ObjectKey;
  object: WireObject;
  /** When this version was stored. */
  storedAt: string;
}

export interface ObjectsOptions {
  /** Only these kinds (at most MAX_OBJECT_KINDS, see common.ts); absent: every kind. */
  kinds?: Iterable<string>;
}

export type BatchOutcome =
  /** Stored now; the cursor moved to the batch. */
  | { status: 'stored'; cursor: Cursor }
  /** Already stored earlier (a retry of an acknowledged batch): nothing changed. */
  | { status: 'duplicate'; cursor: Cursor }
  /** Not the next batch: a gap, an unknown epoch's delta, a delta before the snapshot's last part. Nothing changed. */
  | { status: 'out-of-order'; cursor: Cursor }
  /** The cluster would hold more than maxObjects. Nothing changed. */
  | { status: 'too-many-objects'; cursor: Cursor };

export type FindingState = 'open' | 'resolved';

/** A finding as analysis produced it, ready to store (no suppression applied: the server applies those on read). */
export interface FindingInput {
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  remediation: string;
  resource: ResourceRef;
  location: Location | null;
  evidence: Evidence[];
  /** The route carries traffic (src/insights/confirm.ts): figures and the severity before ranking up. */
  seenInTraffic?: import('../insights/confirm.js').TrafficSeen;
}

export interface FindingRecord extends FindingInput {
  cluster: string;
  /** The finding's namespace (its resource's), '' for cluster-scoped. Indexed for filtering. */
  namespace: string;
  state: FindingState;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  /** How many times it came back after being resolved. */
  reopened: number;
}

export type FindingEventType = 'opened' | 'resolved' | 'reopened' | 'severity-changed';

export interface FindingEvent {
  cluster: string;
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  type: FindingEventType;
  at: string;
}

/**
 * What an incremental analysis knows did not change (Store.recordAnalysis): `findings` is still the
 * cluster's complete result, but only the findings of `rules` can differ from those of the analysis
 * this same caller recorded at `since`. When the cluster's last recorded analysis is still that one,
 * the store reads back and compares only those rules' findings (a 20,000-object cluster has tens of
 * thousands, and a change re-runs a few rules); when anyone else recorded since (another replica, a
 * failed write), the scope is ignored and every finding is compared. Fingerprints must belong to one
 * rule each, as the engine's do (the rule ID is hashed into them).
 */
export interface AnalysisScope {
  since: Date;
  rules: readonly string[];
}

export interface AnalysisOutcome {
  opened: number;
  resolved: number;
  reopened: number;
  /** Open findings of the cluster after this analysis. */
  open: number;
}

export interface FindingQuery {
  cluster?: string[];
  namespace?: string[];
  severity?: Severity[];
  ruleId?: string[];
  /** Default: open only. */
  state?: FindingState[];
  /** Opaque, from a previous page's `next`. */
  cursor?: string;
  /** 1..1000, default 100. */
  limit?: number;
}

/** Results ordered by severity (worst first), then cluster, rule, fingerprint: stable across pages. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next: string | null;
}

export interface TrendQuery {
  cluster?: string;
  /** Whole days back from `until` (default 30, at most 366). */
  days?: number;
  until?: Date;
}

/** Open findings at the end of each UTC day, by severity. */
export interface TrendPoint {
  day: string;
  open: Record<Severity, number>;
}

export interface Suppression {
  id: string;
  /** What it silences: a fingerprint (one finding), or a rule in a cluster/namespace scope. */
  fingerprint: string | null;
  ruleId: string | null;
  cluster: string | null;
  namespace: string | null;
  reason: string;
  createdBy: string;
  createdAt: string;
  /** Required: suppressions expire. */
  expiresAt: string;
  /** Set when an admin ends it early. */
  revokedAt: string | null;
  revokedBy: string | null;
}

export type SuppressionInput = Pick<Suppression, 'fingerprint' | 'ruleId' | 'cluster' | 'namespace' | 'reason' | 'createdBy' | 'expiresAt'>;

export interface IssuedCertificate {
  cluster: string;
  /** Hex serial number, unique. */
  serial: string;
  issuedAt: string;
  notAfter: string;
}

export interface RetentionPolicy {
  /** Resolved findings whose resolvedAt is older than this are deleted (with their events). */
  resolvedBefore: Date;
  /** Finding events older than this are deleted. */
  eventsBefore: Date;
}

/**
 * A fencing token for writes of analysis results when several replicas share a PostgreSQL store
 * (src/store/leases-postgres.ts): the write happens only if `holder` still holds lease `lease` at
 * `generation`, checked in the writing transaction; otherwise it fails with LeaseLostError and
 * nothing is written. SQLite is a single server's store and never receives one.
 */
export interface WriteFence {
  /** The lease's name: the cluster's name, or FLEET_CLUSTER for the fleet pass. */
  lease: string;
  holder: string;
  generation: number;
}

export interface Store extends TelemetryStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema (idempotent; safe when several replicas start at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- Clusters and identity ---
  /** Registers a cluster. Throws StoreConflictError if it exists (revoked or not). */
  createCluster(name: string, at: Date): Promise<ClusterRecord>;
  getCluster(name: string): Promise<ClusterRecord | null>;
  listClusters(): Promise<ClusterRecord[]>;
  /** Revokes a cluster (its bootstrap tokens and certificates stop working at once; its stored telemetry is deleted). False if unknown. */
  revokeCluster(name: string, at: Date): Promise<boolean>;
  /** Stores a bootstrap token's hash (never the token). */
  addBootstrapToken(cluster: string, tokenHash: string, expiresAt: Date): Promise<void>;
  /**
   * Uses a bootstrap token: for one key, ever, even with concurrent callers on several replicas.
   * Returns the cluster it was issued for, or null when the hash is unknown, expired, its cluster
   * revoked, or it was used already, unless it was used for the same `key` (an identifier of the public
   * key the enrolment certifies): an agent whose answer was lost (a timeout, a store error after the
   * token was spent) asks again with the same CSR and must not find its token burnt. Whoever asks
   * again has proved possession of that key (the CSR's signature), so nothing is gained by replaying a
   * spent token without it. Without `key` a token is used once.
   */
  consumeBootstrapToken(tokenHash: string, at: Date, key?: string): Promise<string | null>;
  recordCertificate(cert: IssuedCertificate): Promise<void>;
  listCertificates(cluster: string): Promise<IssuedCertificate[]>;
  /** Notes an agent request (last seen, version, skew). */
  touchCluster(name: string, at: Date, agentVersion: string, clockSkewMs: number | null): Promise<void>;

  // --- Ingest ---
  /**
   * Stores one batch for `cluster` atomically (objects and cursor in one transaction) and says what
   * happened. The batch's `cluster` field is not consulted: the caller passes the authenticated cluster.
   * Snapshot parts are staged; the `last` part swaps the cluster's objects for the epoch's in the same
   * transaction. A snapshot's first part (seq 1) of a new epoch discards any staged parts of another.
   * `opts.seen`: note the agent as seen (as touchCluster does) in the same transaction, whatever the
   * outcome but a refusal over `maxObjects`: one commit per batch instead of two.
   *
   * An upsert comes as the agent sent it (`upsert`: the store serializes the object) or already
   * serialized by the server's ingest decoder (`upsert-json`: its key and the text to store).
   */
  applyBatch(cluster: string, batch: StoreBatch, at: Date, opts: ApplyBatchOptions): Promise<BatchOutcome>;
  cursor(cluster: string): Promise<Cursor>;
  /**
   * The cluster's current objects (the complete epoch's), in key order. With `kinds`, only objects of
   * those kinds (store keys: `Secret`, `rbac.authorization.k8s.io/Role`), filtered in the database
   * (objects are keyed by kind first, so only those rows are read); an empty list yields nothing.
   */
  objects(cluster: string, opts?: ObjectsOptions): AsyncIterable<StoredObject>;
  object(cluster: string, key: ObjectKey): Promise<StoredObject | null>;
  /** Batches stored since the last `markAnalysed` (for the analysis backlog and debouncing). */
  markAnalysed(cluster: string, seq: number, epoch: string, at: Date, fence?: WriteFence): Promise<void>;

  // --- Findings ---
  /**
   * Replaces the open findings of `cluster` with `findings` (the complete result of an analysis):
   * new fingerprints open, missing ones resolve, resolved ones that return reopen, a changed severity
   * is recorded. One transaction; events recorded for each transition. With `fence` (replicas on
   * PostgreSQL), nothing is written unless the fence's lease is still held (LeaseLostError). With
   * `scope` (an incremental analysis), only the scoped rules' findings are read back and compared.
   */
  recordAnalysis(cluster: string, findings: FindingInput[], at: Date, fence?: WriteFence, scope?: AnalysisScope): Promise<AnalysisOutcome>;
  findings(q: FindingQuery): Promise<Page<FindingRecord>>;
  finding(cluster: string, fingerprint: string): Promise<FindingRecord | null>;
  findingEvents(cluster: string, fingerprint: string): Promise<FindingEvent[]>;
  /** Open findings by cluster, severity and rule (for /metrics and the overview). */
  findingCounts(): Promise<Array<{ cluster: string; severity: Severity; ruleId: string; open: number }>>;
  trend(q: TrendQuery): Promise<TrendPoint[]>;
  /** Applies the retention policy; returns how many rows went. */
  prune(policy: RetentionPolicy): Promise<number>;

  // --- Suppressions (fleet-wide) ---
  addSuppression(s: SuppressionInput, at: Date): Promise<Suppression>;
  /** Active at `at` (not expired, not revoked) unless `all`. */
  listSuppressions(at: Date, all?: boolean): Promise<Suppression[]>;
  revokeSuppression(id: string, by: string, at: Date): Promise<boolean>;
}

/**
 * The latest traffic aggregates of one cluster (docs/telemetry.md): sent by its agent
 * (`meshward agent --prometheus`) or read by the server itself (`meshward server --prometheus
 * CLUSTER=URL`). One document per cluster; a new one replaces it.
 */
export interface TelemetryRecord {
  cluster: string;
  /** Who queried the cluster's Prometheus. */
  via: 'agent' | 'server';
  /** Server clock (ISO 8601). */
  receivedAt: string;
  /** The Prometheus, redacted. */
  sourceName: string;
  windowSeconds: number;
  /** End of the window (ISO 8601). */
  end: string;
  /** How often the sender reports, seconds (absent: not said, as from an older agent). */
  intervalSeconds?: number;
  edges: WireTrafficEdge[];
  notes: string[];
}

/** A TelemetryRecord without its edges: what the API shows as freshness. */
export type TelemetryFreshness = Omit<TelemetryRecord, 'edges' | 'notes' | 'intervalSeconds'> & { edgeCount: number; intervalSeconds: number | null };

/** Telemetry storage: added beside the Store (its own table), implemented by both stores. */
export interface TelemetryStore {
  /**
   * Replaces the cluster's telemetry document. Throws StoreRevokedClusterError when the cluster is
   * registered and revoked (checked in the same statement or transaction as the write, so a report
   * racing a revocation is either deleted by it or refused after it).
   */
  putTelemetry(record: TelemetryRecord): Promise<void>;
  getTelemetry(cluster: string): Promise<TelemetryRecord | null>;
  /** Every cluster's telemetry freshness, by cluster name. */
  telemetryFreshness(): Promise<TelemetryFreshness[]>;
}

/** A uniqueness conflict (a cluster registered twice). */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
