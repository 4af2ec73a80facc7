/**
 * How the parts of `meshward server` fit together (each part in its own file, built separately):
 *
 *   agent port (mutual TLS, fastify)        API port (HTTPS or HTTP behind a proxy, fastify)
 *     identity.ts  enroll / renew / who is it   api/*.ts   REST + /api/openapi.json, auth, suppressions
 *     ingest.ts    cursor / batch → Store       metrics.ts /metrics, healthz.ts /healthz /readyz
 *                        │ onStored(cluster)
 *                        ▼
 *     analysis.ts  per cluster, debounced: stored objects → model → rules → Store.recordAnalysis;
 *                  cross-cluster (FLEET_CLUSTER) when any cluster changes
 *
 * server.ts assembles them: one Store (src/store), one AgentIdentityService, two listeners.
 * The server never connects to a cluster and never fetches anything an agent sent.
 */
import type { FastifyInstance } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { Store } from '../store/types.js';
import type { EnrollResponse, RelayError } from '../relay/protocol.js';

/** The server side of agent identity (src/server/identity.ts). */
export interface AgentIdentityService {
  /**
   * TLS options for the agent listener: the server's serving certificate, the client CA, and
   * `requestCert: true, rejectUnauthorized: false` (enroll comes without a client certificate; every
   * other route calls `authenticate`, which refuses a missing or unverified one).
   */
  agentTlsOptions(): { key: string; cert: string; ca: string; requestCert: true; rejectUnauthorized: false };
  /**
   * The cluster a request's peer certificate proves: verified by the client CA, within its validity,
   * URI SAN exactly `clusterSpiffeId(name)`, cluster registered and not revoked (asked of the store on
   * every call, so a revocation takes effect at once).
   */
  authenticate(socket: TLSSocket, at: Date): Promise<{ cluster: string } | RelayError>;
  /** POST /v1/enroll: the bootstrap token (from the Authorization header) and the request body. */
  enroll(bearerToken: string | undefined, body: unknown, at: Date): Promise<EnrollResponse | RelayError>;
  /** POST /v1/renew, for an already authenticated cluster. */
  renew(cluster: string, body: unknown, at: Date): Promise<EnrollResponse | RelayError>;
  /** `meshward server register-cluster NAME`: registers the cluster if new, returns a one-time token (shown once, stored hashed). */
  registerCluster(name: string, ttlMs: number, at: Date): Promise<{ token: string; expiresAt: string }>;
  revokeCluster(name: string, at: Date): Promise<boolean>;
  /** The client CA certificate (PEM), for agents and docs. */
  caCertificate(): string;
}

/** Where the server's CA and serving certificate come from. */
export interface IdentityOptions {
  /** `--data DIR`: generate the CA and serving certificate there on first start, reuse them after. */
  dataDir?: string;
  /** Or files (several replicas share one CA: mount the same Secret in each). */
  caCertFile?: string;
  caKeyFile?: string;
  servingCertFile?: string;
  servingKeyFile?: string;
  /** DNS names and IPs the serving certificate must carry when generated (default: localhost, 127.0.0.1). */
  servingNames?: string[];
  certificateTtlMs?: number;
}

/** What ingest tells the rest of the server. */
export interface IngestListener {
  /** A batch was durably stored for `cluster` (called after commit, before the ack is sent). */
  onStored(
    cluster: string,
    info: {
      epoch: string;
      seq: number;
      type: 'snapshot' | 'delta';
      last: boolean;
      changes: number;
      /** A delta's changed keys (absent when too many to list): lets analysis re-read only those objects. */
      keys?: readonly import('../relay/protocol.js').ObjectKey[];
    },
  ): void;
  /**
   * New traffic aggregates were stored for `cluster` (src/server/telemetry.ts): analyse it again
   * (with replicas: tell the others, the lease holder analyses). `receivedAt` is the stored
   * document's time (absent from callers that do not know it).
   */
  onTelemetry?(cluster: string, receivedAt?: string): void;
}

export interface AgentRoutesDeps {
  store: Store;
  identity: AgentIdentityService;
  listener: IngestListener;
  /** pino logger (JSON). Never log a body. */
  log: import('pino').Logger;
}

/** Registers /v1/enroll, /v1/renew, /v1/cursor, /v1/batch on the agent listener (src/server/ingest.ts + identity routes). */
export type RegisterAgentRoutes = (app: FastifyInstance, deps: AgentRoutesDeps) => void;
