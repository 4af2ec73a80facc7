// Three `meshward server --database postgres://...` replicas of the BUILT CLI (node dist/cli/bin.js)
// on one throwaway PostgreSQL, simulated agents (the real RelayAgent over mutual TLS) pushing to
// different replicas through per-agent TCP proxies (a Service's connections), a steady delta load,
// then `kill -9` of a replica holding clusters. Proves: its clusters' leases are taken over within a
// lease period; no acknowledged delta is lost (every object any replica acknowledged is in the store);
// no finding duplicated (unique fingerprints, a clean history per finding, and each cluster's open
// findings exactly a from-scratch analysis of its stored objects); the API answers the same on every
// replica. Synchronised on log lines, acknowledgements and database state, never on sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { REPO_ROOT, runCli } from '../../testing/kit.js';
import { startPostgres } from '../../testing/postgres.js';
import { until as waitUntil } from '../../testing/until.js';
import { startFaultProxy, type FaultProxy } from '../../testing/relay-proxy.js';
import { sha256Hex } from '../api/auth.js';
import { RelayAgent } from '../../relay/agent.js';
import { HttpsTransport } from '../../relay/transport.js';
import { openAgentIdentity } from '../../relay/enroll.js';
import { ObjectCache } from '../../webhook/object-cache.js';
import { objectKeyString, type Batch } from '../../relay/protocol.js';
import { wireObjectKey } from '../../store/common.js';
import { openPostgresStore } from '../../store/postgres.js';
import { loadResources } from '../analysis.js';
import { analyse } from '../../engine/scan.js';
import { LiveLocator } from '../../cluster/live-locator.js';
import { allRules } from '../../rules/index.js';

const BIN = path.join(REPO_ROOT, 'dist', 'cli', 'bin.js');
const LEASE_MS = 3000;
/** Scheduling slack on a shared 2-core machine, on top of the lease period. */
const SLACK_MS = 1500;
const CLUSTERS = ['c-alpha', 'c-bravo', 'c-charlie', 'c-delta', 'c-echo', 'c-foxtrot'];
const OBJECTS = 120;

interface Proc {
  child: ChildProcess;
  out: () => string;
  waitFor: (pred: (line: any) => boolean, what: string) => Promise<any>;
  exited: Promise<number | null>;
}

function spawnCli(args: string[], cwd: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let scanned = 0;
  const waiters: Array<{ pred: (l: any) => boolean; resolve: (l: any) => void }> = [];
  const lines: any[] = [];
  const scan = () => {
    const all = out.split('\n');
    for (; scanned < all.length - 1; scanned++) {
      const line = all[scanned]!;
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      const hit = lines.find((l) => waiters[i]!.pred(l));
      if (hit) {
        waiters[i]!.resolve(hit);
        waiters.splice(i, 1);
      }
    }
  };
  child.stdout!.on('data', (d) => {
    out += d;
    scan();
  });
  child.stderr!.on('data', (d) => {
    out += d;
    scan();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    exited,
    waitFor: (pred, what) =>
      new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        scan();
        void exited.then(() => reject(new Error(`process exited before ${what}:\n${out.slice(-3000)}`)));
      }),
  };
}

async function objectsOf(cluster: string, n: number): Promise<Array<Record<string, unknown>>> {
  const mod = (await import(pathToFileURL(path.join(REPO_ROOT, 'bench', 'lib', 'fleet-objects.js')).href)) as { objectsOf(c: string, m: number): Array<Record<string, unknown>> };
  return mod.objectsOf(cluster, n);
}

// The shared wait at this test's pace: a check every 50 ms, for 60 s unless told.
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> => waitUntil(what, fn, { timeoutMs, everyMs: 50 });

test('three replicas on PostgreSQL: agents on every replica, kill -9 under load, takeover within a lease period, nothing lost or duplicated, the same API everywhere', { timeout: 600_000 }, async (t) => {
  const pgServer = await startPostgres();
  const url = await pgServer.createDatabase('replicas');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-replicas-e2e-'));
  const token = `tok_${randomBytes(20).toString('hex')}`;
  await fs.writeFile(path.join(dir, 'tokens.yaml'), `tokens:\n  - {name: ops, role: viewer, sha256: ${sha256Hex(token)}}\n`);
  const replicas: Proc[] = [];
  const proxies: FaultProxy[] = [];
  const agents: Array<{ cluster: string; agent: RelayAgent; running: Promise<void>; transport: HttpsTransport; cache: ObjectCache; proxy: FaultProxy; replica: number }> = [];
  const sql = new pg.Client({ connectionString: url });
  t.after(async () => {
    for (const a of agents) a.agent.stop();
    await Promise.all(agents.map((a) => a.running.catch(() => undefined)));
    for (const a of agents) a.transport.close();
    for (const p of proxies) await p.close();
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await sql.end().catch(() => undefined);
    await pgServer.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  // Replica 0 generates the agent CA and serving certificate in its --data; the others share the files (one Secret in Kubernetes).
  const common = ['server', '--database', url, '--host', '127.0.0.1', '--agent-port', '0', '--api-port', '0', '--tokens-file', 'tokens.yaml', '--lease-period', `${LEASE_MS / 1000}s`];
  replicas.push(spawnCli([...common, '--data', 'r0', '--replica-id', 'replica-0'], dir));
  const first = await replicas[0]!.waitFor((l) => l.msg === 'meshward server listening', 'replica 0 listening');
  const id = (f: string) => path.join('r0', 'identity', f);
  for (const i of [1, 2]) {
    replicas.push(spawnCli([...common, '--replica-id', `replica-${i}`, '--ca-cert', id('ca.crt'), '--ca-key', id('ca.key'), '--serving-cert', id('server.crt'), '--serving-key', id('server.key')], dir));
  }
  const listening = [first, ...(await Promise.all([1, 2].map((i) => replicas[i]!.waitFor((l) => l.msg === 'meshward server listening', `replica ${i} listening`))))];
  const apiUrls: string[] = listening.map((l) => l.apiUrl);
  const agentPorts = listening.map((l) => Number(new URL(l.agentUrl).port));
  const caPem = await fs.readFile(path.join(dir, id('ca.crt')), 'utf8');
  await sql.connect();

  // Agents: cluster i pushes to replica i % 3, each through its own proxy (retargeted when its replica dies).
  const acked = new Map<string, Set<string>>();
  for (const [i, cluster] of CLUSTERS.entries()) {
    const reg = await runCli(['server', '--database', url, 'register-cluster', cluster], { cwd: dir });
    assert.equal(reg.code, 0, reg.stderr);
    const replica = i % 3;
    const proxy = await startFaultProxy(agentPorts[replica]!);
    proxies.push(proxy);
    const server = new URL(`https://127.0.0.1:${proxy.port}`);
    const cache = new ObjectCache({ name: cluster, objects: await objectsOf(cluster, OBJECTS) });
    let held: any = null;
    const identity = await openAgentIdentity({ server, cluster, serverCaPem: caPem, bootstrapToken: reg.stdout.trim(), store: { load: async () => held, save: async (c: any) => void (held = c), describe: () => 'memory' }, agentVersion: 'e2e' });
    const transport = new HttpsTransport({ server, serverCaPem: caPem, identity });
    const agent = new RelayAgent({ cluster, agentVersion: 'e2e', cache, client: transport, identity, log: { info() {}, warn() {}, error() {} }, heartbeatMs: 3_600_000, backoffBaseMs: 50, backoffCapMs: 500 });
    const mine = new Set<string>();
    acked.set(cluster, mine);
    agent.onAck((_s, batch: Batch) => {
      for (const ch of batch.changes) if (ch.op === 'upsert') mine.add(objectKeyString(wireObjectKey(ch.object)));
    });
    agents.push({ cluster, agent, running: agent.run(), transport, cache, proxy, replica });
  }

  // Every cluster analysed once, each by exactly one replica, the work spread over all three.
  await until('every cluster analysed', async () => {
    const r = await sql.query(`SELECT count(*)::int AS n FROM clusters WHERE name <> '(fleet)' AND last_analysis_at IS NOT NULL AND analysed_seq = seq`);
    return r.rows[0].n === CLUSTERS.length;
  });
  const holders = await until('leases spread over the three replicas', async () => {
    const r = await sql.query(`SELECT holder, count(*)::int AS n FROM replica_leases WHERE name <> '(fleet)' AND expires_at > now() GROUP BY holder`);
    const total = r.rows.reduce((s: number, x: any) => s + x.n, 0);
    return r.rows.length === 3 && total === CLUSTERS.length && r.rows.every((x: any) => x.n === 2) ? r.rows : null;
  });
  assert.equal(holders.length, 3);

  // Steady load: every agent adds a new Service every few milliseconds (never changed or deleted after, so an acknowledged one must stay stored).
  let stopLoad = false;
  let sent = 0;
  const load = (async () => {
    for (let tick = 0; !stopLoad; tick++) {
      const a = agents[tick % agents.length]!;
      a.cache.apply({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'load', name: `svc-${tick}`, resourceVersion: String(10 + tick) }, spec: { selector: { app: `svc-${tick}` }, ports: [{ port: 80 }] } });
      sent++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await until('load acknowledged on every cluster', async () => [...acked.values()].every((s) => [...s].some((k) => k.startsWith('Service|load|'))));

  // kill -9 the replica that holds the most clusters (with its agents' connections in flight).
  const victimName = (await sql.query(`SELECT holder FROM replica_leases WHERE name <> '(fleet)' AND expires_at > now() GROUP BY holder ORDER BY count(*) DESC, holder LIMIT 1`)).rows[0].holder as string;
  const victim = Number(victimName.split('-')[1]);
  const orphaned = (await sql.query(`SELECT name FROM replica_leases WHERE holder = $1 AND name <> '(fleet)'`, [victimName])).rows.map((r: any) => r.name as string);
  assert.ok(orphaned.length > 0);
  const killedAt = performance.now();
  replicas[victim]!.child.kill('SIGKILL');
  await replicas[victim]!.exited;
  // The Service sends its connections to the live replicas.
  const live = [0, 1, 2].filter((i) => i !== victim);
  for (const [k, a] of agents.filter((x) => x.replica === victim).entries()) {
    a.proxy.retarget(agentPorts[live[k % live.length]!]!);
    a.proxy.cut();
  }
  // Acknowledged before the kill, by any replica the victim included: all stored.
  await checkAckedStored('right after the kill');

  const takeover = await until(
    'the dead replica\'s clusters taken over',
    async () => {
      const r = await sql.query(`SELECT name, holder FROM replica_leases WHERE name = ANY($1) AND expires_at > now() AND holder <> $2`, [orphaned, victimName]);
      return r.rows.length === orphaned.length ? Math.max(1, Math.round(performance.now() - killedAt)) : null;
    },
    LEASE_MS * 10,
  );
  t.diagnostic(`takeover of ${orphaned.length} clusters ${takeover} ms after kill -9 (lease period ${LEASE_MS} ms)`);
  assert.ok(takeover <= LEASE_MS + SLACK_MS, `the clusters moved ${takeover} ms after the kill; the lease period is ${LEASE_MS} ms`);

  // Load goes on a little after the takeover, then stops; agents catch up.
  const sentAtTakeover = sent;
  await until('more load acknowledged after the takeover', async () => sent > sentAtTakeover + 60 && agents.every((a) => a.agent.stats.queued < 1000));
  stopLoad = true;
  await load;
  await until('agents caught up', async () => agents.every((a) => a.agent.stats.queued === 0 && a.agent.stats.snapshotComplete));
  await checkAckedStored('after the load');

  // A change on an orphaned cluster after the takeover: analysed by its new holder, visible on every live replica.
  const probe = agents.find((a) => a.cluster === orphaned[0])!;
  probe.cache.apply({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { namespace: 'ns-0', name: 'probe-disable', resourceVersion: '99999' }, spec: { mtls: { mode: 'DISABLE' } } });
  const api = async (i: number, p: string) => {
    const res = await fetch(apiUrls[i] + p, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${p} on replica ${i}`);
    return res.json() as Promise<any>;
  };
  for (const i of live) {
    await until(`the probe finding on replica ${i}`, async () => (await api(i, `/api/findings?cluster=${probe.cluster}&rule=AUT002&limit=1000`)).items.some((f: any) => f.resource.name === 'probe-disable'));
  }
  await until('every stored batch analysed', async () => {
    const r = await sql.query(`SELECT count(*)::int AS n FROM clusters WHERE name <> '(fleet)' AND analysed_seq = seq AND analysed_epoch = epoch`);
    return r.rows[0].n === CLUSTERS.length;
  });
  for (const a of agents) a.agent.stop();
  await Promise.all(agents.map((a) => a.running.catch(() => undefined)));

  // No finding duplicated: one row per fingerprint, and no finding opened twice without a resolve between.
  const dup = await sql.query(`SELECT cluster, fingerprint, count(*) FROM findings GROUP BY cluster, fingerprint HAVING count(*) > 1`);
  assert.equal(dup.rowCount, 0);
  const events = await sql.query(`SELECT cluster, fingerprint, type FROM finding_events WHERE type <> 'severity-changed' ORDER BY cluster, fingerprint, id`);
  const last = new Map<string, string>();
  for (const e of events.rows) {
    const k = `${e.cluster}|${e.fingerprint}`;
    const prev = last.get(k);
    if (e.type === 'opened') assert.equal(prev, undefined, `${k} opened twice`);
    else if (e.type === 'reopened') assert.equal(prev, 'resolved', `${k} reopened while open`);
    else assert.ok(prev === 'opened' || prev === 'reopened', `${k} resolved while not open`);
    last.set(k, e.type);
  }

  // Each cluster's open findings are exactly what a from-scratch analysis of its stored objects finds.
  const store = await openPostgresStore({ connectionString: url });
  try {
    for (const cluster of CLUSTERS) {
      const resources = await loadResources(store, cluster);
      const expected = new Set(analyse({ files: [], resources, errors: [], notes: [] }, { rules: allRules, locator: new LiveLocator(), compactFindings: true }).findings.map((f) => f.fingerprint));
      const open: string[] = [];
      for (let cursor: string | null = null; ; ) {
        const page = await store.findings({ cluster: [cluster], limit: 1000, ...(cursor ? { cursor } : {}) });
        open.push(...page.items.map((f) => f.fingerprint));
        if (!(cursor = page.next)) break;
      }
      assert.equal(new Set(open).size, open.length, `${cluster}: a fingerprint listed twice`);
      assert.deepEqual([...open].sort(), [...expected].sort(), `${cluster}: open findings differ from a from-scratch analysis`);
    }
  } finally {
    await store.close();
  }

  // The same answers on every live replica.
  for (const p of ['/api/clusters', ...CLUSTERS.map((c) => `/api/findings?cluster=${c}&limit=1000`), '/api/findings?limit=1000&state=open&state=resolved', '/api/blast-radius']) {
    // Ages are measured at the moment of each request; everything else must be identical.
    const answers = (await Promise.all(live.map((i) => api(i, p)))).map((a) => JSON.parse(JSON.stringify(a, (k, v) => (k === 'lastSeenAgeSeconds' || k === 'lagSeconds' ? undefined : v))));
    for (const a of answers.slice(1)) assert.deepEqual(a, answers[0], `${p} differs between replicas`);
  }
  const findingCount = (await api(live[0]!, '/api/findings?limit=1000')).items.length;
  assert.ok(findingCount > 0);
  t.diagnostic(`${sent} load deltas sent; ${[...acked.values()].reduce((s, x) => s + x.size, 0)} objects acknowledged; ${findingCount} open findings`);

  async function checkAckedStored(when: string): Promise<void> {
    for (const [cluster, keys] of acked) {
      const r = await sql.query(
        `SELECT o.kind || '|' || o.namespace || '|' || o.name AS k FROM objects o JOIN clusters c ON c.id = o.cluster_id AND o.gen = c.live_gen WHERE c.name = $1`,
        [cluster],
      );
      const stored = new Set(r.rows.map((x: any) => x.k as string));
      const missing = [...keys].filter((k) => !stored.has(k));
      assert.deepEqual(missing.slice(0, 5), [], `${when}: ${missing.length} acknowledged objects of ${cluster} are not stored`);
    }
  }
});

test('meshward server refuses replica mode on SQLite, and says what to do', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-replicas-sqlite-'));
  try {
    for (const flag of [['--lease-period', '15s'], ['--replica-id', 'pod-0']]) {
      const r = await runCli(['server', '--data', dir, ...flag]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /replica mode needs PostgreSQL/);
      assert.match(r.stderr, /--database postgres:\/\//);
    }
    const bad = await runCli(['server', '--database', 'postgres://127.0.0.1:1/x', '--data', dir, '--lease-period', '2h']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--lease-period takes a duration/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
