/**
 * The contract of a live cluster cache: informers (list, then watch with bookmarks, relist on 410)
 * over exactly the kinds a consumer asks for, every object through the one sanitizer on arrival.
 *
 * Consumers: the admission webhook (src/webhook) now; the relay agent and `scan --watch` later. They
 * read the cache's current objects and subscribe to changes; they never talk to the API themselves.
 * Implemented in src/cluster/informer.ts (`openClusterCache`).
 */
import type { Resource } from '../model/resource.js';
import type { ClusterError, LiveSelection } from './types.js';

export type CacheChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change the cache applied. `resource` is sanitized; for DELETED it is the last state seen. */
export interface CacheChange {
  type: CacheChangeType;
  resource: Resource;
  /** The object it replaced (MODIFIED) or removed (DELETED); absent for ADDED. */
  previous?: Resource;
}

/** Per watched kind: where its informer stands. */
export interface KindStatus {
  /** `Kind` or `group/Kind`, as asked for. */
  kind: string;
  /** Whether the kind is served by the cluster at all (a CRD not installed: false, never an error). */
  served: boolean;
  /** First full list done (stays true through later relists). */
  synced: boolean;
  /** Objects of this kind now in the cache. */
  objects: number;
  /** Last resourceVersion seen (list, event or bookmark), or null before the first list. */
  resourceVersion: string | null;
  /** Relists so far (410 Gone, dropped stream that could not resume). */
  relists: number;
  /** The last error on this kind (403, 5xx, timeout...), cleared by the next success. Never a secret value. */
  lastError: ClusterError | null;
}

export interface CacheStatus {
  cluster: string;
  /** Every served kind has completed its first list. */
  synced: boolean;
  /** Wall-clock ms of the first complete sync, or null. */
  syncedAt: number | null;
  /** Wall-clock ms of the last applied change or bookmark on any kind (cache age = now - this). */
  lastEventAt: number | null;
  /** Objects in the cache, all kinds. */
  size: number;
  kinds: KindStatus[];
}

export interface ClusterCache {
  /** Cluster name (as `--cluster-name`, else the context name, else `in-cluster`). */
  readonly name: string;
  /** Increments on every applied change; consumers memoize anything derived from the objects on it. */
  readonly version: number;
  status(): CacheStatus;
  /** Resolves once every served kind has completed its first list; rejects only if the cache is closed first. */
  whenSynced(): Promise<void>;
  /** The current objects (sanitized), in no particular order. Do not mutate them. */
  resources(): Iterable<Resource>;
  /** Current objects of one kind (`Kind` or `group/Kind`). */
  ofKind(kind: string): Iterable<Resource>;
  /** One object, by kind, namespace ('' for cluster-scoped) and name. */
  get(kind: string, namespace: string, name: string): Resource | undefined;
  /** Called after each change is applied (synchronously, in order). Returns the unsubscribe function. */
  subscribe(listener: (change: CacheChange) => void): () => void;
  /** Stops every watch and timer; pending `whenSynced` rejects. Idempotent. */
  close(): Promise<void>;
}

/** How to open one cache: the same selection and gate as a live scan, for exactly one cluster. */
export interface OpenCacheOptions extends Pick<LiveSelection, 'kubeconfig' | 'inCluster' | 'clusterNames' | 'allowExec' | 'allowInsecureKubeconfig' | 'requestTimeoutMs'> {
  /** The one context to watch (absent: the current context; ignored with inCluster). */
  context?: string;
  /** Kinds to watch (`Kind` or `group/Kind`). */
  kinds: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  cwd: string;
  /** Non-fatal events worth a log line (relist, kind not served, retry). Never a secret value. */
  onNote?: (note: string) => void;
}

/**
 * Judges the kubeconfig through the gate (a refused context throws LiveSelectionError naming the field,
 * the rule and the flag), connects, discovers the kinds and starts one informer per served kind.
 * Returns at once; `whenSynced()` tells when the first lists are in.
 */
export type OpenClusterCache = (opts: OpenCacheOptions) => Promise<ClusterCache>;
