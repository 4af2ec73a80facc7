/**
 * The relay's listeners bound how long a client may take (server.ts SERVER_TIMEOUTS) and refuse an
 * unauthenticated request before its body is read. Fastify's default had switched Node's request
 * deadline off: a silent or dripping client held a connection indefinitely, unauthenticated too.
 * Raw sockets against the real server (startServer), with the deadlines shortened.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { createRelayPki, TestIdentityService, type RelayPki } from '../testing/relay-pki.js';
import type { AgentCredentials } from '../relay/identity-types.js';
import { startTestServer, type TestServer } from './testing-kit.js';
import { registerAgentRoutes } from './ingest.js';
import { SERVER_TIMEOUTS } from './server.js';

let pki: RelayPki;
let s: TestServer;
let alpha: AgentCredentials;
const REQUEST_MS = 1_500;

before(async () => {
  pki = await createRelayPki();
  const identity = new TestIdentityService(pki);
  await identity.registerCluster('alpha');
  alpha = await pki.issueClient('alpha');
  s = await startTestServer({ identity, agentRoutes: [registerAgentRoutes], agentPort: 0, timeouts: { headersMs: 1_000, apiRequestMs: REQUEST_MS, agentRequestMs: REQUEST_MS } });
});
after(() => s.close());

interface Outcome {
  /** The first line of what the server answered ('' when nothing). */
  status: string;
  /** When the server closed the connection, ms after the request was sent (null: still open at the end). */
  closedMs: number | null;
}

/** Sends `head` (and nothing more) and waits up to `waitMs` for the server to answer and close. */
function hold(url: string, head: string, waitMs: number, opts: { tls?: boolean; creds?: AgentCredentials } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const started = performance.now();
    let got = '';
    const socket = opts.tls
      ? tls.connect({ host: u.hostname, port: Number(u.port), ca: pki.caPem, rejectUnauthorized: false, ...(opts.creds ? { cert: opts.creds.certificatePem, key: opts.creds.keyPem } : {}) }, () => socket.write(head))
      : net.connect({ host: u.hostname, port: Number(u.port) }, () => socket.write(head));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: got.split('\r\n')[0] ?? '', closedMs: null });
    }, waitMs);
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: got.split('\r\n')[0] ?? '', closedMs: performance.now() - started });
    });
    socket.on('error', (e) => (/ECONNRESET|EPIPE/.test(String(e)) ? undefined : reject(e)));
  });
}

test('API: no token, a body announced and never sent: 401 at once and the connection closed', async () => {
  const r = await hold(s.url, 'POST /api/suppressions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n', 10_000);
  assert.match(r.status, / 401 /);
  assert.ok(r.closedMs !== null && r.closedMs < 1_000, `closed after ${r.closedMs} ms`);
});

test('API: an authenticated body that never comes, headers that never end: cut at the deadlines', async () => {
  const [body, headers] = await Promise.all([
    hold(s.url, `POST /api/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.admin}\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{`, 10_000),
    hold(s.url, 'GET /api/clusters HTTP/1.1\r\nHost: x\r\n', 10_000),
  ]);
  assert.match(body.status, / 408 /);
  // Node checks the deadlines every 1 s here (the headers deadline): within one check of them.
  assert.ok(body.closedMs !== null && body.closedMs >= REQUEST_MS - 100 && body.closedMs < REQUEST_MS + 2_000, `body: closed after ${body.closedMs} ms`);
  assert.ok(headers.closedMs !== null && headers.closedMs < 3_000, `headers: closed after ${headers.closedMs} ms`);
});

test('agent port: enroll without a token and a batch without a certificate are refused before their body; a silent batch is cut', async () => {
  const agentUrl = s.server.agentUrl!;
  const [enroll, noCert, silent, handshake] = await Promise.all([
    hold(agentUrl, 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n', 10_000, { tls: true }),
    hold(agentUrl, 'POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 6000000\r\n\r\n', 10_000, { tls: true }),
    hold(agentUrl, 'POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 6000000\r\n\r\n', 10_000, { tls: true, creds: alpha }),
    // A TCP connection that never starts TLS.
    hold(agentUrl, '', 10_000),
  ]);
  assert.match(enroll.status, / 401 /);
  assert.ok(enroll.closedMs !== null && enroll.closedMs < 1_000, `enroll: closed after ${enroll.closedMs} ms`);
  assert.match(noCert.status, / 401 /);
  assert.ok(noCert.closedMs !== null && noCert.closedMs < 1_000, `no certificate: closed after ${noCert.closedMs} ms`);
  assert.match(silent.status, / 408 /);
  assert.ok(silent.closedMs !== null && silent.closedMs < REQUEST_MS + 2_000, `silent batch: closed after ${silent.closedMs} ms`);
  assert.ok(handshake.closedMs !== null && handshake.closedMs < 3_000, `no handshake: closed after ${handshake.closedMs} ms`);
});

test('the defaults: bounded deadlines (a full batch fits 120 s at 600 kbit/s) and connection caps on both listeners', async () => {
  assert.ok(SERVER_TIMEOUTS.agentRequestMs >= ((8 * 1024 * 1024 * 8) / 600_000) * 1000, 'the largest batch fits on a 600 kbit/s link');
  const plain = await startTestServer();
  try {
    const api = plain.server.api.server;
    assert.equal(api.requestTimeout, SERVER_TIMEOUTS.apiRequestMs);
    assert.equal(api.headersTimeout, SERVER_TIMEOUTS.headersMs);
    assert.equal(api.maxConnections, SERVER_TIMEOUTS.apiMaxConnections);
  } finally {
    await plain.close();
  }
  const agent = s.server.agent!.server;
  assert.equal(agent.maxConnections, SERVER_TIMEOUTS.agentMaxConnections);
});
