/**
 * An agent listener for identity tests: fastify over real TLS on 127.0.0.1 port 0 with
 * `agentTlsOptions()`, the enroll and renew routes, and `GET /test/whoami`, which authenticates every
 * request as ingest does. Records every request body and log line so tests can look for canaries.
 */
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Store } from '../store/types.js';
import type { IdentityOptions } from './types.js';
import { createAgentIdentityService, isRelayError, registerIdentityRoutes, relayErrorStatus, type AgentIdentityServiceImpl } from './identity.js';

export interface IdentityTestServer {
  url: URL;
  identity: AgentIdentityServiceImpl;
  app: FastifyInstance;
  /** Raw request bodies as received (what the server saw). */
  bodies: string[];
  /** JSON log lines. */
  logs: string[];
  /** Remote ports of the connections that reached /test/whoami, in order (to prove keep-alive reuse). */
  whoamiPorts: number[];
  dataDir: string;
  close(): Promise<void>;
}

export async function startIdentityServer(store: Store, opts: IdentityOptions = {}): Promise<IdentityTestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'meshward-identity-'));
  const identity = await createAgentIdentityService(store, { ...opts, dataDir });
  const logs: string[] = [];
  const bodies: string[] = [];
  const whoamiPorts: number[] = [];
  const log = pino({ base: null }, { write: (s: string) => void logs.push(s) });
  const app = Fastify({ https: identity.agentTlsOptions(), loggerInstance: log }) as unknown as FastifyInstance;
  app.addHook('preParsing', async (request, _reply, payload) => {
    // Tee the raw body into `bodies` (the parser still gets every byte).
    const chunks: Buffer[] = [];
    for await (const c of payload) chunks.push(Buffer.from(c as Buffer));
    const raw = Buffer.concat(chunks);
    bodies.push(raw.toString('utf8'));
    const { Readable } = await import('node:stream');
    const stream = Readable.from([raw]) as unknown as typeof payload;
    (stream as unknown as { receivedEncodedLength: number }).receivedEncodedLength = raw.length;
    void request;
    return stream;
  });
  registerIdentityRoutes(app, { store, identity, log, listener: { onStored() {} } });
  app.get('/test/whoami', async (request, reply) => {
    whoamiPorts.push(request.raw.socket.remotePort ?? -1);
    const who = await identity.authenticate(request.raw.socket as TLSSocket, new Date());
    if (isRelayError(who)) return reply.code(relayErrorStatus(who.code)).send(who);
    return who;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: new URL(`https://127.0.0.1:${addr.port}`),
    identity,
    app,
    bodies,
    logs,
    whoamiPorts,
    dataDir,
    async close() {
      await app.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
