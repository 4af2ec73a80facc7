/**
 * The agent's HTTPS client to the server's agent port: mutual TLS with the client certificate the
 * AgentIdentity holds now (a renewed one is used from the next connection on), the server verified
 * against the pinned CA only (`--server-ca`; the system roots are not consulted), keep-alive, a timeout
 * on every request, and response bodies bounded. It never retries by itself: the agent decides.
 */
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { AgentCredentials, AgentIdentity } from './identity-types.js';
import { batchJson } from './snapshot.js';
import { AGENT_PATHS, type Batch, type BatchAck, type Cursor, type RelayError, type TelemetryAck, type TelemetryReport } from './protocol.js';

const gzipAsync = promisify(gzipCb);

/**
 * zlib level for what the agent sends. Level 3 takes half the CPU of zlib's default (6) for about a
 * quarter more bytes: on the repository's real-world manifests 6.9 against 14.0 µs an object, 247
 * against 193 bytes (13.2% and 10.4% of the JSON). The agent runs in every cluster and compresses
 * every snapshot; a few more bytes on a link that carries 20,000 objects in about 5 MB cost less
 * there than the CPU. The server's decompression costs the same at either level.
 */
export const AGENT_GZIP_LEVEL = 3;
const gzip = (data: Buffer) => gzipAsync(data, { level: AGENT_GZIP_LEVEL });

/** Largest response body read (acks, cursors and errors are small). */
const MAX_RESPONSE_BYTES = 256 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export type Reply<T> =
  | { ok: true; value: T }
  /** The server answered with an error status. `error` is its body when it was a RelayError. */
  | { ok: false; status: number; error: RelayError | null; retryAfterMs: number | null };

/** The server could not be reached, or the exchange broke (connection refused or reset, TLS failure, timeout). */
export class TransportFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TransportFailure';
  }
}

export interface TransportOptions {
  /** `--server URL`: https only. */
  server: URL;
  /** PEM bundle that verifies the server's certificate (pinned: nothing else is trusted). */
  serverCaPem: string;
  identity: Pick<AgentIdentity, 'current'>;
  requestTimeoutMs?: number;
  /** Test hook: every request body as sent (compressed). */
  onBody?: (body: Buffer) => void;
}

export interface RelayClient {
  cursor(): Promise<Reply<Cursor>>;
  sendBatch(batch: Batch): Promise<Reply<BatchAck>>;
  /** POST /v1/telemetry (src/relay/telemetry.ts); absent on clients that do not relay telemetry. */
  sendTelemetry?(report: TelemetryReport): Promise<Reply<TelemetryAck>>;
  close(): void;
}

export class HttpsTransport implements RelayClient {
  private agent: https.Agent | null = null;
  private agentFor: AgentCredentials | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly opts: TransportOptions) {
    if (opts.server.protocol !== 'https:') throw new Error(`--server must be an https:// URL (the agent port speaks mutual TLS only), not ${opts.server.protocol}//`);
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async cursor(): Promise<Reply<Cursor>> {
    return this.request<Cursor>('GET', AGENT_PATHS.cursor, null);
  }

  async sendBatch(batch: Batch): Promise<Reply<BatchAck>> {
    const body = await gzip(Buffer.from(batchJson(batch)));
    return this.request<BatchAck>('POST', AGENT_PATHS.batch, body);
  }

  async sendTelemetry(report: TelemetryReport): Promise<Reply<TelemetryAck>> {
    const body = await gzip(Buffer.from(JSON.stringify(report)));
    return this.request<TelemetryAck>('POST', AGENT_PATHS.telemetry, body);
  }

  /** Size of a batch on the wire, to keep it under RELAY_LIMITS.maxCompressedBytes before sending. */
  static async compressedSize(batch: Batch | TelemetryReport): Promise<number> {
    return (await gzip(Buffer.from('changes' in batch ? batchJson(batch) : JSON.stringify(batch)))).length;
  }

  close(): void {
    this.agent?.destroy();
    this.agent = null;
  }

  /** The keep-alive agent for the credentials current now; a renewal replaces it (old sockets close). */
  private httpsAgent(): https.Agent {
    const creds = this.opts.identity.current();
    if (this.agent && this.agentFor === creds) return this.agent;
    this.agent?.destroy();
    this.agentFor = creds;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 2,
      ca: this.opts.serverCaPem,
      cert: creds.certificatePem,
      key: creds.keyPem,
      minVersion: 'TLSv1.2',
    });
    return this.agent;
  }

  private request<T>(method: 'GET' | 'POST', path: string, body: Buffer | null): Promise<Reply<T>> {
    if (body) this.opts.onBody?.(body);
    const url = new URL(path, this.opts.server);
    return new Promise<Reply<T>>((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-encoding'] = 'gzip';
        headers['content-length'] = String(body.length);
      }
      const req = https.request(url, { method, agent: this.httpsAgent(), headers, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new TransportFailure(`the server's answer to ${method} ${path} is over ${MAX_RESPONSE_BYTES / 1024} KiB; is --server the meshward agent port?`, 'response-too-large'));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err) => reject(failure(err, method, path)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = null;
          }
          if (status >= 200 && status < 300) {
            if (parsed === null || typeof parsed !== 'object') {
              reject(new TransportFailure(`the server answered ${method} ${path} with ${status} but no JSON body; is --server the meshward agent port?`, 'bad-response'));
              return;
            }
            resolve({ ok: true, value: parsed as T });
            return;
          }
          resolve({ ok: false, status, error: relayError(parsed), retryAfterMs: retryAfter(res.headers['retry-after']) });
        });
      });
      req.on('timeout', () => req.destroy(new TransportFailure(`${method} ${path}: no answer within ${this.timeoutMs} ms`, 'timeout')));
      req.on('error', (err) => reject(failure(err, method, path)));
      req.end(body ?? undefined);
    });
  }
}

function failure(err: unknown, method: string, path: string): TransportFailure {
  if (err instanceof TransportFailure) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? 'error';
  // Node's messages for network and TLS errors name addresses and certificate problems, never a key.
  return new TransportFailure(`${method} ${path}: ${code}${e.message ? ` (${e.message.slice(0, 200)})` : ''}`, code);
}

function relayError(v: unknown): RelayError | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.code !== 'string' || typeof o.message !== 'string') return null;
  return o as unknown as RelayError;
}

/** `Retry-After` in seconds or as an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(h: string | undefined, now: number = Date.now()): number | null {
  return retryAfter(h, now);
}

function retryAfter(h: string | string[] | undefined, now: number = Date.now()): number | null {
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined || v === '') return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
