/**
 * A Store holding clusters, bootstrap tokens and certificates in memory, with the semantics the Store
 * contract gives them (single use, expiry, revocation). For identity tests only; every other method
 * throws. The real stores (src/store) pass the same identity tests through `identityStoreSuite`.
 */
import { StoreConflictError, type ClusterRecord, type IssuedCertificate, type Store } from '../store/types.js';

interface TokenRow {
  cluster: string;
  expiresAt: number;
  used: boolean;
  /** The key the token was used for (consumeBootstrapToken's `key`). */
  usedKey?: string;
}

export interface MemoryIdentityStore extends Store {
  /** Every token hash stored, for canary checks. */
  readonly tokenHashes: () => string[];
  /** Every string the store holds, serialized, for canary checks. */
  readonly dump: () => string;
}

export function memoryIdentityStore(): MemoryIdentityStore {
  const clusters = new Map<string, ClusterRecord>();
  const tokens = new Map<string, TokenRow>();
  const certs: IssuedCertificate[] = [];
  const notHere = (name: string) => async (): Promise<never> => {
    throw new Error(`memoryIdentityStore: ${name} is not part of identity`);
  };
  const store: MemoryIdentityStore = {
    engine: 'sqlite',
    async migrate() {},
    async close() {},
    async createCluster(name, at) {
      if (clusters.has(name)) throw new StoreConflictError(`cluster ${name} exists`);
      const rec: ClusterRecord = {
        name,
        createdAt: at.toISOString(),
        revokedAt: null,
        agentVersion: null,
        lastSeenAt: null,
        clockSkewMs: null,
        cursor: { cluster: name, epoch: null, seq: 0, snapshotComplete: false },
        objects: 0,
        kinds: [],
        lastIngestAt: null,
        lastAnalysisAt: null,
        analysisBacklog: 0,
      };
      clusters.set(name, rec);
      return structuredClone(rec);
    },
    async getCluster(name) {
      const r = clusters.get(name);
      return r ? structuredClone(r) : null;
    },
    async listClusters() {
      return [...clusters.values()].map((r) => structuredClone(r));
    },
    async revokeCluster(name, at) {
      const r = clusters.get(name);
      if (!r) return false;
      r.revokedAt ??= at.toISOString();
      return true;
    },
    async addBootstrapToken(cluster, tokenHash, expiresAt) {
      if (!clusters.has(cluster)) throw new Error(`unknown cluster ${cluster}`);
      tokens.set(tokenHash, { cluster, expiresAt: expiresAt.getTime(), used: false });
    },
    async consumeBootstrapToken(tokenHash, at, key) {
      const t = tokens.get(tokenHash);
      if (!t || t.expiresAt <= at.getTime() || clusters.get(t.cluster)?.revokedAt) return null;
      if (t.used && (t.usedKey === undefined || t.usedKey !== key)) return null;
      t.used = true;
      t.usedKey ??= key;
      return t.cluster;
    },
    async recordCertificate(c) {
      if (certs.some((x) => x.serial === c.serial)) throw new StoreConflictError(`serial ${c.serial} recorded twice`);
      certs.push({ ...c });
    },
    async listCertificates(cluster) {
      return certs.filter((c) => c.cluster === cluster).map((c) => ({ ...c }));
    },
    async touchCluster(name, at, agentVersion, clockSkewMs) {
      const r = clusters.get(name);
      if (!r) return;
      r.lastSeenAt = at.toISOString();
      r.agentVersion = agentVersion;
      if (clockSkewMs !== null) r.clockSkewMs = clockSkewMs;
    },
    applyBatch: notHere('applyBatch'),
    cursor: notHere('cursor'),
    objects: () => {
      throw new Error('memoryIdentityStore: objects is not part of identity');
    },
    object: notHere('object'),
    markAnalysed: notHere('markAnalysed'),
    recordAnalysis: notHere('recordAnalysis'),
    findings: notHere('findings'),
    finding: notHere('finding'),
    findingEvents: notHere('findingEvents'),
    findingCounts: notHere('findingCounts'),
    trend: notHere('trend'),
    prune: notHere('prune'),
    addSuppression: notHere('addSuppression'),
    listSuppressions: notHere('listSuppressions'),
    revokeSuppression: notHere('revokeSuppression'),
    putTelemetry: notHere('putTelemetry'),
    getTelemetry: notHere('getTelemetry'),
    telemetryFreshness: notHere('telemetryFreshness'),
    tokenHashes: () => [...tokens.keys()],
    dump: () => JSON.stringify({ clusters: [...clusters.values()], tokens: [...tokens.entries()], certs }),
  };
  return store;
}
