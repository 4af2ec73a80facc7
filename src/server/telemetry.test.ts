/**
 * Telemetry through the relay (issue 15): the agent's pusher against a real Prometheus and the
 * server's /v1/telemetry over mutual TLS, hostile reports, an old server without the route, and the
 * server path (--prometheus CLUSTER=URL) ending in an INS finding served by the API.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createRelayPki, TestIdentityService, type RelayPki } from '../testing/relay-pki.js';
import { gz, rawRequest } from '../testing/relay-client.js';
import { bookinfoTraffic, edgeLabels, openMetricsFor, startPrometheus, type GeneratedSeries, type TestPrometheus } from '../testing/prometheus.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { AGENT_PATHS, RELAY_LIMITS, type TelemetryReport } from '../relay/protocol.js';
import type { AgentCredentials } from '../relay/identity-types.js';
import { HttpsTransport } from '../relay/transport.js';
import { TelemetryPusher } from '../relay/telemetry.js';
import { createIngestRoutes } from './ingest.js';
import { createTelemetryRoutes, TelemetryPoller } from './telemetry.js';
import { startTestServer, upsert } from './testing-kit.js';
import type { AgentLog } from '../relay/agent.js';

const WINDOW = 3600;
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
const CANARY = `canary-${randomBytes(8).toString('hex')}`;

/** bookinfo's traffic plus a source whose name carries a canary between terminal escapes. */
function traffic(): GeneratedSeries[] {
  return [
    ...bookinfoTraffic(),
    { metric: 'istio_requests_total', labels: edgeLabels({ from: { workload: `\u001b]0;${CANARY}\u0007`, namespace: 'bookinfo' }, to: { workload: 'ratings-v1', namespace: 'bookinfo' }, service: 'ratings.bookinfo.svc.cluster.local', code: '200', mtls: false }), total: 60 },
  ];
}

function memoryLog(): AgentLog & { lines: Array<{ level: string; obj: object; msg: string }> } {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return {
    lines,
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
  };
}

let prom: TestPrometheus;
let pki: RelayPki;
let identity: TestIdentityService;
let east: AgentCredentials;
let dir: string;
let store: Store;

async function agentListener(withTelemetry: boolean, onTelemetry: (c: string) => void = () => {}): Promise<{ app: FastifyInstance; url: URL; logs: string[] }> {
  const logs: string[] = [];
  const log = pino({ base: null }, { write: (s: string) => void logs.push(s) });
  const app = Fastify({ https: identity.agentTlsOptions(), logger: false, forceCloseConnections: true }) as unknown as FastifyInstance;
  const deps = { store, identity, listener: { onStored() {}, onTelemetry }, log };
  createIngestRoutes()(app, deps);
  if (withTelemetry) createTelemetryRoutes({ perMinute: 1000 })(app, deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  return { app, url: new URL(`https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`), logs };
}

before(async () => {
  prom = await startPrometheus(openMetricsFor(traffic(), { endSeconds: END, windowSeconds: WINDOW }));
  pki = await createRelayPki();
  identity = new TestIdentityService(pki);
  for (const c of ['east', 'west']) await identity.registerCluster(c);
  east = await pki.issueClient('east');
  dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-telemetry-'));
  store = await openStore({ engine: 'sqlite', dataDir: dir });
  await store.createCluster('east', new Date());
});
after(async () => {
  await prom?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('agent → server telemetry over mutual TLS', () => {
  test('the pusher queries the real Prometheus and the server stores the aggregates; labels escaped, never raw samples', async () => {
    const told: string[] = [];
    const srv = await agentListener(true, (c) => told.push(c));
    const client = new HttpsTransport({ server: srv.url, serverCaPem: pki.caPem, identity: { current: () => east } });
    const log = memoryLog();
    try {
      const pusher = new TelemetryPusher({ cluster: 'east', agentVersion: 'test/1', client, log, url: prom.url, windowSeconds: WINDOW, intervalMs: 60_000, now: () => new Date(END * 1000) });
      await pusher.once();
      assert.equal(pusher.stats.sent, 1, JSON.stringify(pusher.stats));
      assert.deepEqual(told, ['east']);
      const rec = await store.getTelemetry('east');
      assert.ok(rec);
      assert.equal(rec.via, 'agent');
      assert.equal(rec.windowSeconds, WINDOW);
      assert.equal(rec.intervalSeconds, 60, 'the report says how often the agent sends (staleness is three intervals)');
      assert.ok(rec.edges.length >= 10, `edges: ${rec.edges.length}`);
      const ratingsPlain = rec.edges.filter((e) => e.destination.workload === 'ratings-v1' && e.security === 'none' && e.reporter === 'destination');
      assert.ok(ratingsPlain.some((e) => e.source.workload === 'unknown' && Math.round(e.requests) === 720));
      // The canary label is kept, its control characters made visible; nothing raw reaches the store.
      const stored = JSON.stringify(rec);
      assert.ok(stored.includes(`\\\\u001b]0;${CANARY}\\\\u0007`), 'the canary source is stored escaped');
      assert.ok(!/\\u001b|\\u0007/.test(stored.replace(/\\\\u00/g, '')), 'no raw control character stored');
      assert.ok(rec.edges.some((e) => e.source.namespace === '__proto__'), '__proto__ is a namespace like any other');
      assert.equal(({} as Record<string, unknown>).workload, undefined);
      // The server's log names the cluster and counts, never a label.
      assert.ok(srv.logs.some((l) => l.includes('telemetry-stored')));
      assert.ok(!srv.logs.join('\n').includes(CANARY));
      assert.ok(!JSON.stringify(log.lines).includes(CANARY));
    } finally {
      client.close();
      await srv.app.close();
    }
  });

  test('hostile reports: unauthenticated, another cluster, gzip bomb, too many edges, bad shapes; the stored document is untouched', async () => {
    const srv = await agentListener(true);
    try {
      const before = JSON.stringify(await store.getTelemetry('east'));
      const good: TelemetryReport = { v: 1, cluster: 'east', agentVersion: 't', sentAt: new Date().toISOString(), sourceName: 'p', windowSeconds: 60, end: new Date().toISOString(), edges: [], notes: [] };
      const post = (creds: AgentCredentials | null, body: Buffer, headers?: Record<string, string>) => rawRequest(srv.url, { path: AGENT_PATHS.telemetry, caPem: pki.caPem, creds, body, headers });
      assert.equal((await post(null, gz(good))).status, 401);
      const west = await pki.issueClient('west');
      const other = await post(west, gz(good));
      assert.equal(other.status, 403);
      assert.equal(other.body.code, 'forbidden-cluster');
      const bomb = gzipSync(Buffer.alloc(RELAY_LIMITS.maxTelemetryDecompressedBytes + 1024, 0x20));
      const b = await post(east, bomb);
      assert.equal(b.status, 413);
      assert.equal(b.body.code, 'too-large');
      const edge = { source: { workload: 'a', namespace: 'b', principal: 'c' }, destination: { workload: 'a', namespace: 'b', principal: 'c' }, destinationService: 's', reporter: 'destination', protocol: 'http', security: 'none', requests: 1, responses: [], connectionsOpened: 0, bytes: 0 };
      const many = await post(east, gz({ ...good, edges: Array.from({ length: RELAY_LIMITS.maxTelemetryEdges + 1 }, () => edge) }));
      assert.equal(many.status, 413);
      const proto = await post(east, gz(`{"v":1,"cluster":"east","agentVersion":"t","sentAt":"${good.sentAt}","sourceName":"p","windowSeconds":60,"end":"${good.end}","notes":[],"edges":[{"__proto__":{"polluted":1}}]}`));
      assert.equal(proto.status, 400);
      assert.match(proto.body.message, /edges\[0\]/);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((await post(east, Buffer.from(JSON.stringify(good)))).status, 400, 'not gzip');
      assert.equal((await post(east, gz(good), { 'content-encoding': 'identity' })).status, 400);
      assert.equal((await post(east, gz('{"v":1'))).status, 400);
      assert.equal((await post(east, gz({ ...good, v: 9 }))).body.code, 'unsupported-version');
      assert.equal(JSON.stringify(await store.getTelemetry('east')), before);
    } finally {
      await srv.app.close();
    }
  });

  test('a cluster revoked after its certificate was checked: the report is refused 403 revoked and nothing is stored; revocation deleted what was', async () => {
    const srv = await agentListener(true);
    try {
      await store.createCluster('west', new Date());
      const west = await pki.issueClient('west');
      const report: TelemetryReport = { v: 1, cluster: 'west', agentVersion: 't', sentAt: new Date().toISOString(), sourceName: 'p', windowSeconds: 60, end: new Date().toISOString(), intervalSeconds: 120, edges: [], notes: [] };
      const post = () => rawRequest(srv.url, { path: AGENT_PATHS.telemetry, caPem: pki.caPem, creds: west, body: gz(report) });
      assert.equal((await post()).status, 200);
      assert.equal((await store.getTelemetry('west'))?.intervalSeconds, 120);
      // Revoked in the store only: the test identity service still accepts the certificate, as a
      // server would for a request authenticated just before the revocation committed.
      assert.equal(await store.revokeCluster('west', new Date()), true);
      assert.equal(await store.getTelemetry('west'), null, 'revoking deletes the stored telemetry');
      const refused = await post();
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'revoked');
      assert.equal(await store.getTelemetry('west'), null);
      assert.ok(srv.logs.some((l) => l.includes('"code":"revoked"')));
      // A bad interval is refused as malformed (never stored).
      const bad = await rawRequest(srv.url, { path: AGENT_PATHS.telemetry, caPem: pki.caPem, creds: east, body: gz({ ...report, cluster: 'east', intervalSeconds: 5 }) });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /intervalSeconds/);
    } finally {
      await srv.app.close();
    }
  });

  test('an old server without /v1/telemetry answers with its own 4xx (not a RelayError): the pusher says so once, keeps going, and the object routes still answer', async () => {
    const srv = await agentListener(false);
    const client = new HttpsTransport({ server: srv.url, serverCaPem: pki.caPem, identity: { current: () => east } });
    const log = memoryLog();
    try {
      const pusher = new TelemetryPusher({ cluster: 'east', agentVersion: 'test/1', client, log, url: prom.url, windowSeconds: WINDOW, intervalMs: 60_000, now: () => new Date(END * 1000) });
      await pusher.once();
      await pusher.once();
      assert.equal(pusher.stats.sent, 0);
      assert.equal(pusher.stats.failed, 2);
      assert.equal(pusher.stats.unsupported, true, JSON.stringify(pusher.stats));
      const warnings = log.lines.filter((l) => (l.obj as { event?: string }).event === 'telemetry-unsupported');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.msg, /older than this agent/);
      const cursor = await client.cursor();
      assert.equal(cursor.ok, true, JSON.stringify(cursor));
    } finally {
      client.close();
      await srv.app.close();
    }
  });

  test('a Prometheus that is down is a note in the report, not a failure', async () => {
    const srv = await agentListener(true);
    const client = new HttpsTransport({ server: srv.url, serverCaPem: pki.caPem, identity: { current: () => east } });
    try {
      const pusher = new TelemetryPusher({ cluster: 'east', agentVersion: 'test/1', client, log: memoryLog(), url: 'http://user:hunter2-secret@127.0.0.1:1/', windowSeconds: WINDOW, intervalMs: 60_000 });
      await pusher.once();
      assert.equal(pusher.stats.sent, 1);
      const rec = await store.getTelemetry('east');
      assert.equal(rec?.edges.length, 0);
      assert.ok(rec?.notes.some((n) => /cannot be reached/.test(n)));
      assert.ok(!JSON.stringify(rec).includes('hunter2-secret'));
    } finally {
      client.close();
      await srv.app.close();
    }
  });
});

describe('server path and analysis', () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } };
  const strict = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'bookinfo' }, spec: { mtls: { mode: 'STRICT' } } };
  const ratings = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ratings-v1', namespace: 'bookinfo' },
    spec: { selector: { matchLabels: { app: 'ratings' } }, template: { metadata: { labels: { app: 'ratings' } }, spec: { containers: [{ name: 'ratings', image: 'ratings:1' }] } } },
  };

  for (const worker of [false, true]) test(`--prometheus CLUSTER=URL: the server queries, stores (via server), re-analyses${worker ? ' in the worker thread' : ''}, and the API shows the INS finding and the freshness`, async () => {
    const t = await startTestServer({}, { worker });
    try {
      await t.store.createCluster('east', new Date());
      await t.send('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: [upsert(ns, false), upsert(strict), upsert(ratings)] });
      await t.server.analysis.idle();
      const beforeTelemetry = await t.get('/api/findings?cluster=east&rule=INS001');
      assert.equal(beforeTelemetry.status, 200);
      assert.equal(beforeTelemetry.body.items.length, 0);
      assert.equal((await t.get('/api/clusters/east')).body.telemetry, null);

      const poller = new TelemetryPoller({ store: t.store, log: pino({ level: 'silent' }), targets: new Map([['east', prom.url]]), windowSeconds: WINDOW, intervalMs: 3_600_000, onStored: (c) => t.server.listener.onTelemetry!(c), now: () => new Date(END * 1000) });
      const incrementalBefore = t.server.analysis.modes.incremental;
      await poller.round();
      await poller.stop();
      await t.server.analysis.idle();
      // Nothing stored but the telemetry: the kept model is reused, every rule re-run over it.
      assert.equal(t.server.analysis.modes.incremental, incrementalBefore + 1);

      const found = await t.get('/api/findings?cluster=east&rule=INS001');
      assert.equal(found.body.items.length, 1, found.text);
      const f = found.body.items[0];
      assert.equal(f.resource.name, 'ratings-v1');
      assert.equal(f.severity, 'high');
      assert.match(f.message, /plaintext/);
      // The canary source is named escaped, as text.
      assert.ok(!/[\u0000-\u001f]/.test(found.text.replace(/\\u00[0-9a-f]{2}/g, '')));
      const c = (await t.get('/api/clusters/east')).body;
      assert.equal(c.telemetry.source, 'server');
      assert.equal(c.telemetry.windowSeconds, WINDOW);
      assert.ok(c.telemetry.edges >= 10);
      assert.match(c.telemetry.prometheus, /127\.0\.0\.1/);
      assert.ok(typeof c.telemetry.ageSeconds === 'number');
      assert.equal(c.telemetry.stale, false);
      assert.equal(c.telemetry.intervalSeconds, 3600);
      assert.equal(c.telemetry.staleAfterSeconds, 3 * 3600, 'three of the poller\'s intervals');
      const list = (await t.get('/api/clusters')).body.items;
      assert.equal(list.find((x: { name: string }) => x.name === 'east').telemetry.source, 'server');
    } finally {
      await t.close();
    }
  });
});

describe('telemetry freshness: stale after three report intervals, in the API and /metrics', () => {
  test('age, stale and staleAfterSeconds per cluster; gauges for registered clusters only; revocation removes both', async () => {
    const T = Date.parse('2026-03-01T12:00:00.000Z');
    let clock = T;
    const t = await startTestServer({ now: () => new Date(clock) });
    const edge = { source: { workload: 'a', namespace: 'b', principal: 'c' }, destination: { workload: 'd', namespace: 'e', principal: 'f' }, destinationService: 's', reporter: 'destination' as const, protocol: 'http' as const, security: 'none' as const, requests: 1, responses: [] as Array<[string, number]>, connectionsOpened: 0, bytes: 0 };
    const doc = (cluster: string, intervalSeconds?: number) => ({ cluster, via: 'agent' as const, receivedAt: new Date(T).toISOString(), sourceName: 'p', windowSeconds: 600, end: new Date(T).toISOString(), ...(intervalSeconds ? { intervalSeconds } : {}), edges: [edge, edge], notes: [] });
    const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
    try {
      for (const c of ['east', 'old']) await t.store.createCluster(c, new Date(T));
      await t.store.putTelemetry(doc('east', 60));
      await t.store.putTelemetry(doc('old')); // an older agent: no interval said, 5 min assumed
      await t.store.putTelemetry(doc('ghost', 60)); // not registered (a --prometheus target): no series
      clock = T + 180_000;
      let east = (await t.get('/api/clusters/east')).body.telemetry;
      assert.deepEqual([east.ageSeconds, east.stale, east.staleAfterSeconds, east.intervalSeconds], [180, false, 180, 60], 'exactly three intervals: not yet stale');
      const old = (await t.get('/api/clusters/old')).body.telemetry;
      assert.deepEqual([old.stale, old.staleAfterSeconds, old.intervalSeconds], [false, 900, null]);
      clock = T + 181_000;
      east = (await t.get('/api/clusters')).body.items.find((c: { name: string }) => c.name === 'east').telemetry;
      assert.equal(east.stale, true, 'past three intervals: stale');
      const m = await t.get('/metrics');
      assert.equal(m.status, 200);
      assert.deepEqual(series(m.text, 'meshward_server_telemetry_age_seconds'), ['meshward_server_telemetry_age_seconds{cluster="east"} 181', 'meshward_server_telemetry_age_seconds{cluster="old"} 181']);
      assert.deepEqual(series(m.text, 'meshward_server_telemetry_edges'), ['meshward_server_telemetry_edges{cluster="east"} 2', 'meshward_server_telemetry_edges{cluster="old"} 2']);
      assert.deepEqual(series(m.text, 'meshward_server_telemetry_stale'), ['meshward_server_telemetry_stale{cluster="east"} 1', 'meshward_server_telemetry_stale{cluster="old"} 0']);
      assert.ok(!m.text.includes('ghost'), 'a document no registered cluster owns adds no series');
      assert.equal((await t.get('/metrics', null)).status, 401, '/metrics needs a token');

      await t.store.revokeCluster('east', new Date(clock));
      assert.equal((await t.get('/api/clusters/east')).body.telemetry, null);
      const after = await t.get('/metrics');
      assert.deepEqual(series(after.text, 'meshward_server_telemetry_age_seconds'), ['meshward_server_telemetry_age_seconds{cluster="old"} 181']);
      // The server's own query of a revoked cluster's Prometheus is not stored, and says why.
      const lines: string[] = [];
      const poller = new TelemetryPoller({ store: t.store, log: pino({ base: null }, { write: (l: string) => void lines.push(l) }), targets: new Map([['east', prom.url]]), windowSeconds: WINDOW, intervalMs: 3_600_000, onStored: () => assert.fail('nothing is stored for a revoked cluster'), now: () => new Date(END * 1000) });
      await poller.round();
      await poller.stop();
      assert.equal(poller.queried, 0);
      assert.equal(await t.store.getTelemetry('east'), null);
      assert.ok(lines.some((l) => l.includes('"event":"telemetry-revoked"')), lines.join(''));
    } finally {
      await t.close();
    }
  });
});

describe("the agent's Prometheus URL is redacted again by the server", () => {
  test('a password, a user token and query values an agent left in sourceName are fingerprinted before /api/clusters shows them; fingerprints already there are kept', async () => {
    const t = await startTestServer({ identity, agentRoutes: [createTelemetryRoutes({ perMinute: 1000 })], agentPort: 0 });
    try {
      await t.store.createCluster('east', new Date());
      const report = (sourceName: string): TelemetryReport => ({ v: 1, cluster: 'east', agentVersion: 't', sentAt: new Date().toISOString(), sourceName, windowSeconds: 60, end: new Date().toISOString(), edges: [], notes: [] });
      const shown = async (sourceName: string): Promise<string> => {
        const r = await rawRequest(new URL(t.server.agentUrl!), { path: AGENT_PATHS.telemetry, caPem: pki.caPem, creds: east, body: gz(report(sourceName)) });
        assert.equal(r.status, 200, r.text);
        return ((await t.get('/api/clusters/east')).body as { telemetry: { prometheus: string } }).telemetry.prometheus;
      };
      const leaked = await shown('http://admin:hunter2-canary@prometheus.monitoring:9090/prom?access_token=tok-canary');
      assert.ok(!/canary/.test(leaked), leaked);
      assert.match(leaked, /^http:\/\/admin:sha256:[0-9a-f]{12}@prometheus\.monitoring:9090\/prom\?access_token=sha256:[0-9a-f]{12}$/);
      assert.doesNotMatch(await shown('https://tok-canary@prometheus.monitoring'), /canary/);
      // What an agent of this version sends (already redacted) is shown as sent.
      for (const agentShown of [leaked, 'http://prometheus.monitoring:9090', 'https://sha256:0123456789ab@prom.example/']) assert.equal(await shown(agentShown), agentShown);
    } finally {
      await t.close();
    }
  });
});
