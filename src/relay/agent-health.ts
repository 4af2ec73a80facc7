/**
 * The agent's probes, plain HTTP for the kubelet: `/healthz` answers while the process runs (its event
 * loop turns), `/readyz` only while the agent does its job: it has an identity, its informers have
 * synced, and the server acknowledged a batch recently (the agent sends a heartbeat every 30 s when
 * idle, so a silent minute or two means the server is not taking its data).
 *
 * The answers hold states and ages, never an error text from the server or the API server (those can
 * carry input), nor any credential. Nothing is read from the request but its method and path.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentStats } from './agent.js';

/** Longest time since the last acknowledged batch for the agent to count as ready: four idle heartbeats. */
export const DEFAULT_MAX_ACK_AGE_MS = 120_000;

export interface HealthState {
  /** The agent has a certificate (enrolled, or given one). */
  enrolled: boolean;
  /** The informers completed their first lists (null: no cache yet). */
  synced: boolean | null;
  /** The agent's stats, once it runs. */
  stats: Pick<AgentStats, 'lastAckAt' | 'snapshotComplete' | 'resyncs'> | null;
}

export interface Readiness {
  ready: boolean;
  checks: { enrolled: boolean; synced: boolean; acked: boolean };
  /** Seconds since the last acknowledged batch, or null before the first. */
  lastAckAgeSeconds: number | null;
  snapshotComplete: boolean;
}

export function readiness(state: HealthState, now: number, maxAckAgeMs = DEFAULT_MAX_ACK_AGE_MS): Readiness {
  const lastAckAt = state.stats?.lastAckAt ?? null;
  const age = lastAckAt === null ? null : Math.max(0, now - lastAckAt);
  const checks = { enrolled: state.enrolled, synced: state.synced === true, acked: age !== null && age <= maxAckAgeMs };
  return {
    ready: checks.enrolled && checks.synced && checks.acked,
    checks,
    lastAckAgeSeconds: age === null ? null : Math.round(age / 1000),
    snapshotComplete: state.stats?.snapshotComplete ?? false,
  };
}

export interface HealthServer {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

export interface HealthOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  state: () => HealthState;
  maxAckAgeMs?: number;
  now?: () => number;
}

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const now = opts.now ?? Date.now;
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body) + '\n';
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, { error: 'only GET and HEAD' });
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      let r: Readiness;
      try {
        r = readiness(opts.state(), now(), opts.maxAckAgeMs);
      } catch {
        // Not ready, and no error text in the answer (it could carry input).
        return send(500, { status: 'not ready', error: 'readiness could not be read' });
      }
      return send(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
    }
    send(404, { error: 'not found: /healthz or /readyz' });
  });
  // Probes are tiny: no body is read, slow clients are cut off.
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    port: a.port,
    address: a.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
