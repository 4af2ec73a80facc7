/**
 * Telemetry with two `meshward server` replicas in one process on a real PostgreSQL (issue 15): a
 * report stored on the replica that does not hold the cluster reaches the holder by a notice and its
 * INS findings appear; a document stored without a notice (a lost NOTIFY) is found by the holder's
 * poll and its findings follow (here: resolved); the server's own Prometheus queries run only on the
 * replica holding the cluster's lease. Waits on conditions, never on fixed sleeps.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { startPostgres, type TestPostgres } from '../../testing/postgres.js';
import { openPostgresStore } from '../../store/postgres.js';
import type { Store, TelemetryRecord } from '../../store/types.js';
import type { WireTrafficEdge } from '../../relay/protocol.js';
import { startServer, type RunningServer } from '../server.js';
import { upsert } from '../testing-kit.js';
import { decodeNotice, decodeTelemetryNotice, encodeNotice, encodeTelemetryNotice } from './notify.js';
import { until } from '../../testing/until.js';

let pgServer: TestPostgres;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

const log = pino({ level: 'silent' });
const LEASE_MS = 1500;


/** A STRICT namespace with one workload behind a Service: plaintext into it is INS001. */
const MESH = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0' }] } } },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
];

function edge(security: WireTrafficEdge['security']): WireTrafficEdge {
  return {
    source: { workload: 'legacy', namespace: 'old', principal: security === 'none' ? 'unknown' : 'spiffe://cluster.local/ns/old/sa/default' },
    destination: { workload: 'web', namespace: 'shop', principal: 'spiffe://cluster.local/ns/shop/sa/default' },
    destinationService: 'web.shop.svc.cluster.local',
    reporter: 'destination',
    protocol: 'http',
    security,
    requests: 600,
    responses: [['200', 600]],
    connectionsOpened: 0,
    bytes: 0,
  };
}

function record(cluster: string, edges: WireTrafficEdge[]): TelemetryRecord {
  const now = new Date().toISOString();
  return { cluster, via: 'agent', receivedAt: now, sourceName: 'http://prometheus:9090', windowSeconds: 3600, end: now, intervalSeconds: 300, edges, notes: [] };
}

async function openIns001(store: Store, cluster: string): Promise<number> {
  return (await store.findings({ cluster: [cluster], ruleId: ['INS001'], state: ['open'] })).items.length;
}

test('two replicas: telemetry stored on either reaches the holder (notice, then polling); the server polls a Prometheus only where it holds the lease', { timeout: 180_000 }, async () => {
  const url = await pgServer.createDatabase('telemetry-replicas');
  // A Prometheus stand-in: every query answers an empty vector, counted.
  let promQueries = 0;
  const prom = http.createServer((_req, res) => {
    promQueries++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
  const promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;

  const seed = await openPostgresStore({ connectionString: url });
  for (const cluster of ['east', 'west']) {
    await seed.createCluster(cluster, new Date());
    const outcome = await seed.applyBatch(
      cluster,
      { v: 1, cluster, agentVersion: 'test/1', sentAt: new Date().toISOString(), epoch: `e-${cluster}`, seq: 1, type: 'snapshot', last: true, changes: MESH.map((o) => upsert(o, o.kind !== 'Namespace')) },
      new Date(),
      { maxObjects: 1000 },
    );
    assert.equal(outcome.status, 'stored');
  }
  await seed.close();

  const servers: RunningServer[] = [];
  const start = async (id: string) => {
    const store = await openPostgresStore({ connectionString: url });
    const s = await startServer({
      store,
      identity: null,
      agentRoutes: [],
      log,
      auth: { tokens: [], proxyUsers: [], proxyHeader: null, proxyCidrs: [] },
      apiPort: 0,
      debounceMs: 20,
      fleetDebounceMs: 20,
      defaultMetrics: false,
      dashboardDir: null,
      replicas: { connectionString: url, replicaId: id, leaseMs: LEASE_MS },
      // Only `west` is polled by the server; `east`'s telemetry comes from its agent.
      telemetry: { targets: new Map([['west', promUrl]]), windowSeconds: 3600, intervalMs: 3_600_000 },
    });
    servers.push(s);
    return { s, store };
  };
  try {
    const a = await start('replica-a');
    // Alone at its start, A holds both clusters: its first round queries west's Prometheus.
    await until('A queried west', () => a.s.telemetryPoller!.queried === 1);
    const b = await start('replica-b');
    // B started while A held everything: its first round queried nothing (one query per interval, not one per replica).
    await until("B's first round", () => b.s.telemetryPoller!.rounds === 1);
    assert.equal(b.s.telemetryPoller!.queried, 0, 'a replica that does not hold the cluster does not query its Prometheus');
    assert.equal(b.s.telemetryPoller!.skipped, 1);
    assert.ok(promQueries > 0);
    const westDoc = await a.store.getTelemetry('west');
    assert.equal(westDoc?.via, 'server');
    assert.equal(westDoc?.intervalSeconds, 3600, 'the poller records its interval (staleness is three of them)');

    // Balanced: one cluster each.
    await until('one cluster each', () => a.s.replicas!.heldClusters().length === 1 && b.s.replicas!.heldClusters().length === 1);
    const [holder, other] = a.s.replicas!.holds('east') ? [a, b] : [b, a];
    await until('east analysed', async () => (await holder.store.getCluster('east'))?.lastAnalysisAt);
    assert.equal(await openIns001(holder.store, 'east'), 0, 'no traffic yet: no INS001');

    // 1. An agent's report arrives at the replica that does not hold east (as the /v1/telemetry route does: store, then tell the listener).
    const noticesBefore = holder.s.replicas!.stats.telemetryNotices;
    const plaintext = record('east', [edge('none')]);
    await other.store.putTelemetry(plaintext);
    other.s.listener.onTelemetry!('east', plaintext.receivedAt);
    await until('INS001 open on east, analysed by the holder', async () => (await openIns001(holder.store, 'east')) > 0);
    assert.ok(holder.s.replicas!.stats.telemetryNotices > noticesBefore, 'the holder heard a telemetry notice');
    assert.equal(holder.s.replicas!.stats.telemetryPolled, 0, 'told by the notice, not found by polling');

    // 2. A document stored with no notice (a NOTIFY lost between commit and send): the holder's poll finds it; mTLS traffic only resolves INS001.
    await new Promise((r) => setTimeout(r, 5)); // a later receivedAt than the last document
    await other.store.putTelemetry(record('east', [edge('mutual_tls')]));
    await until('INS001 resolved after the poll', async () => (await openIns001(holder.store, 'east')) === 0, { timeoutMs: 30_000 });
    assert.ok(holder.s.replicas!.stats.telemetryPolled >= 1, 'found by the polling fallback');
  } finally {
    for (const s of servers.reverse()) await s.close();
    await new Promise((r) => prom.close(r));
  }
});

test('telemetry notices: round trip; batch and telemetry notices are told apart; hostile payloads are ignored', () => {
  const at = '2026-12-04T16:00:00.123Z';
  const payload = encodeTelemetryNotice('replica-a', 'east', at)!;
  assert.deepEqual(decodeTelemetryNotice(payload), { replica: 'replica-a', cluster: 'east', receivedAt: at });
  assert.equal(decodeNotice(payload), null, 'a replica that only knows batch notices ignores it');
  const batch = encodeNotice('replica-a', 'east', { epoch: 'e', seq: 1, type: 'delta', last: false, changes: 0 })!;
  assert.equal(decodeTelemetryNotice(batch), null);
  const hostile = [
    'not json',
    '{"v":1,"r":"x","c":"__proto__","t":"telemetry","a":"2026-12-04T16:00:00Z"}',
    '{"v":1,"r":"x","c":"east","t":"telemetry","a":"yesterday"}',
    '{"v":1,"r":"x","c":"east","t":"telemetry","a":"2026-13-45T99:99:99Z"}',
    '{"v":2,"r":"x","c":"east","t":"telemetry","a":"2026-12-04T16:00:00Z"}',
    '{"v":1,"r":"x","c":"east","t":"telemetry"}',
    JSON.stringify({ v: 1, r: 'x'.repeat(300), c: 'east', t: 'telemetry', a: at }),
    JSON.stringify({ v: 1, r: 'x', c: 'east', t: 'telemetry', a: at, pad: 'y'.repeat(9000) }),
    '{"__proto__":{"polluted":1},"v":1}',
  ];
  for (const h of hostile) assert.equal(decodeTelemetryNotice(h), null, h.slice(0, 80));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
