import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { createRelayPki, TestIdentityService, type RelayPki } from '../testing/relay-pki.js';
import { MemoryIngestStore } from '../testing/relay-store.js';
import { startTestAgentListener, type TestAgentListener } from '../testing/relay-server.js';
import { gz, rawRequest } from '../testing/relay-client.js';
import { AGENT_PATHS, RELAY_LIMITS, type Batch, type Change, type WireObject } from '../relay/protocol.js';
import { sanitizeObject } from '../cluster/sanitize.js';
import type { AgentCredentials } from '../relay/identity-types.js';

let pki: RelayPki;
let identity: TestIdentityService;
let store: MemoryIngestStore;
let srv: TestAgentListener;
let alpha: AgentCredentials;
let beta: AgentCredentials;

before(async () => {
  pki = await createRelayPki();
  identity = new TestIdentityService(pki);
  for (const c of ['alpha', 'beta', 'gone', 'flood']) await identity.registerCluster(c);
  store = new MemoryIngestStore();
  srv = await startTestAgentListener({ store, identity, ingest: { batchesPerSecond: 1000, burst: 1000 } });
  alpha = await pki.issueClient('alpha');
  beta = await pki.issueClient('beta');
});
after(async () => {
  await srv.close();
});

const pod = (ns: string, name: string, extra: Record<string, unknown> = {}): Change => ({ op: 'upsert', object: { apiVersion: 'v1', kind: 'Pod', namespaced: true, obj: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { containers: [{ name: 'app', image: 'x' }] }, ...extra } } });

function batch(cluster: string, epoch: string, seq: number, changes: Change[], type: 'snapshot' | 'delta' = 'snapshot', last = true): Batch {
  const b: Batch = { v: 1, cluster, agentVersion: 'test', epoch, seq, type, sentAt: new Date().toISOString(), changes };
  if (type === 'snapshot') b.last = last;
  return b;
}

const post = (creds: AgentCredentials | null, body: Buffer, headers?: Record<string, string>) => rawRequest(srv.url, { path: AGENT_PATHS.batch, caPem: pki.caPem, creds, body, headers });

test('cursor: the calling cluster, empty before anything is stored', async () => {
  const r = await rawRequest(srv.url, { path: AGENT_PATHS.cursor, caPem: pki.caPem, creds: beta });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { cluster: 'beta', epoch: null, seq: 0, snapshotComplete: false });
});

test('no client certificate, a certificate of another CA, an unknown or revoked cluster: refused before the body is read', async () => {
  const body = gz(batch('alpha', 'e1', 1, []));
  assert.equal((await post(null, body)).status, 401);
  const other = await (await createRelayPki('other-ca')).issueClient('alpha');
  const r = await post(other, body);
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'unauthenticated');
  const stranger = await pki.issueClient('stranger');
  assert.equal((await post(stranger, body)).status, 401);
  const noCluster = await pki.issueClient('alpha', { uris: ['spiffe://meshward/cluster/alpha/../beta'] });
  assert.equal((await post(noCluster, body)).status, 401);
  const gone = await pki.issueClient('gone');
  await identity.revokeCluster('gone');
  const rv = await post(gone, gz(batch('gone', 'e1', 1, [])));
  assert.equal(rv.status, 403);
  assert.equal(rv.body.code, 'revoked');
  assert.equal((await store.cursor('gone')).epoch, null);
});

test('a certificate for alpha cannot write beta (403 forbidden-cluster, beta untouched)', async () => {
  const r = await post(alpha, gz(batch('beta', 'evil', 1, [pod('default', 'planted')])));
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'forbidden-cluster');
  assert.equal(store.snapshotOf('beta').size, 0);
  assert.equal((await store.cursor('beta')).epoch, null);
});

test('snapshot then delta are stored and acknowledged; script in names and annotations is data', async () => {
  const script = '<script>alert(1)</script>';
  const s = await post(alpha, gz(batch('alpha', 'ep1', 1, [pod('shop', `web${script}`, { metadata: { namespace: 'shop', name: `web${script}`, annotations: JSON.parse(`{"note":${JSON.stringify(script)},"__proto__":"x"}`) } })], 'snapshot', false)));
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.body, { epoch: 'ep1', seq: 1 });
  assert.equal((await store.cursor('alpha')).snapshotComplete, false);
  const s2 = await post(alpha, gz(batch('alpha', 'ep1', 2, [pod('shop', 'api')], 'snapshot', true)));
  assert.equal(s2.status, 200, s2.text);
  const d = await post(alpha, gz(batch('alpha', 'ep1', 3, [{ op: 'delete', key: { kind: 'Pod', namespace: 'shop', name: 'api' } }, pod('shop', 'db')], 'delta')));
  assert.equal(d.status, 200, d.text);
  const objs = store.snapshotOf('alpha');
  assert.deepEqual([...objs.keys()].sort(), [`Pod|shop|db`, `Pod|shop|web${script}`]);
  const web = objs.get(`Pod|shop|web${script}`)!.object.obj as any;
  assert.equal(web.metadata.annotations.note, script);
  assert.ok(Object.hasOwn(web.metadata.annotations, '__proto__'));
  assert.equal(Object.getPrototypeOf(web.metadata.annotations), Object.prototype);
  assert.deepEqual(srv.stored.filter((x) => x.cluster === 'alpha').map((x) => [x.seq, x.last]), [[1, false], [2, true], [3, false]]);
  // A retry of an acknowledged batch is acknowledged again, and changes nothing.
  const again = await post(alpha, gz(batch('alpha', 'ep1', 3, [pod('shop', 'other')], 'delta')));
  assert.deepEqual(again.body, { epoch: 'ep1', seq: 3 });
  assert.equal(store.snapshotOf('alpha').has('Pod|shop|other'), false);
});

test('a gap is 409 out-of-order with the cursor to resume from', async () => {
  const r = await post(alpha, gz(batch('alpha', 'ep1', 9, [pod('shop', 'late')], 'delta')));
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'out-of-order');
  assert.deepEqual(r.body.cursor, { cluster: 'alpha', epoch: 'ep1', seq: 3, snapshotComplete: true });
});

test('hostile values are sanitized again on ingest: Secret data, env values, ConfigMap values off the allowlist never stored', async () => {
  const canaries = Array.from({ length: 5 }, (_, i) => `CANARY${i}${randomBytes(8).toString('hex')}`);
  const changes: Change[] = [
    { op: 'upsert', object: { apiVersion: 'v1', kind: 'Secret', namespaced: true, obj: { metadata: { namespace: 'shop', name: 'db' }, data: { password: Buffer.from(canaries[0]!).toString('base64') }, stringData: { p: canaries[1] } } } },
    // The object claims to be a ConfigMap; the wire says Secret: it is sanitized as a Secret.
    { op: 'upsert', object: { apiVersion: 'v1', kind: 'Secret', namespaced: true, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'disguised' }, data: { k: canaries[2] } } } },
    { op: 'upsert', object: { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true, obj: { metadata: { namespace: 'shop', name: 'app-config' }, data: { token: canaries[3] } } } },
    pod('shop', 'envs', { spec: { containers: [{ name: 'c', env: [{ name: 'API_TOKEN', value: canaries[4] }, { name: 'PILOT_SCOPE_GATEWAY_TO_NAMESPACE', value: 'true' }] }] } }),
  ];
  const r = await post(beta, gz(batch('beta', 'b1', 1, changes)));
  assert.equal(r.status, 200, r.text);
  const stored = JSON.stringify([...store.snapshotOf('beta').values()]);
  for (const c of canaries) assert.ok(!stored.includes(c), `canary ${c.slice(0, 7)} reached the store`);
  assert.ok(stored.includes('PILOT_SCOPE_GATEWAY_TO_NAMESPACE'));
  assert.ok(stored.includes('"value":"true"'));
});

test('malformed batches: 400 with a code, nothing stored', async () => {
  const cases: Array<[string, Buffer, Record<string, string>?]> = [
    ['not gzip', Buffer.from('{"v":1}')],
    ['gzip of not JSON', gzipSync(Buffer.from('{nope'))],
    ['no content-encoding', Buffer.from(JSON.stringify(batch('alpha', 'x', 1, []))), { 'content-encoding': 'identity' }],
    ['an array', gz([1, 2])],
    ['seq 0', gz({ ...batch('alpha', 'x', 1, []), seq: 0 })],
    ['seq as string', gz({ ...batch('alpha', 'x', 1, []), seq: '1' })],
    ['epoch with control chars', gz({ ...batch('alpha', 'x', 1, []), epoch: 'a\u0000b' })],
    ['kind __proto__', gz(batch('alpha', 'x', 1, [{ op: 'upsert', object: { apiVersion: 'v1', kind: '__proto__', namespaced: true, obj: { metadata: { namespace: 'a', name: 'b' } } } } as Change]))],
    ['name with a newline', gz(batch('alpha', 'x', 1, [pod('shop', 'a\nb')]))],
    ['namespaced without namespace', gz(batch('alpha', 'x', 1, [{ op: 'upsert', object: { apiVersion: 'v1', kind: 'Pod', namespaced: true, obj: { metadata: { name: 'b' } } } }]))],
    ['unknown op', gz(batch('alpha', 'x', 1, [{ op: 'patch' } as unknown as Change]))],
    ['delete without key', gz(batch('alpha', 'x', 1, [{ op: 'delete' } as unknown as Change]))],
    ['last on a delta', gz({ ...batch('alpha', 'x', 1, [], 'delta'), last: true })],
  ];
  const before = (await store.cursor('alpha'));
  for (const [what, body, headers] of cases) {
    const r = await post(alpha, body, headers);
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    assert.equal(r.body.code, 'malformed', what);
    assert.ok(!/\u0000|\n/.test(r.body.message), what);
  }
  const v2 = await post(alpha, gz({ ...batch('alpha', 'x', 1, []), v: 2 }));
  assert.equal(v2.body.code, 'unsupported-version');
  assert.deepEqual(await store.cursor('alpha'), before);
});

test("a Secret's facts from the agent: stored when they are exactly a SecretFacts, refused naming the field otherwise", async () => {
  const remote = { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'istio-system', name: 'istio-remote-secret-east', labels: { 'istio/multiCluster': 'true' } }, stringData: { east: 'apiVersion: v1\nkind: Config\nclusters: [{name: east, cluster: {server: "https://east.example:6443"}}]\nusers: [{name: u, user: {exec: {command: /bin/sh}}}]\ncontexts: [{name: c, context: {cluster: east, user: u}}]\ncurrent-context: c\n' } };
  // As the agent sends it: sanitized there, its facts beside the object.
  const { obj, secretFacts } = sanitizeObject(remote);
  const facts = JSON.parse(JSON.stringify(secretFacts));
  assert.equal(facts.kubeconfigs[0].users.length, 1);
  const secret = (f: unknown): Change => ({ op: 'upsert', object: { apiVersion: 'v1', kind: 'Secret', namespaced: true, obj, secretFacts: f } as WireObject });
  const before = await store.cursor('alpha');
  const cases: Array<[string, unknown, RegExp]> = [
    ['kubeconfigs a string', { ...facts, kubeconfigs: 'x' }, /^changes\[0\]\.object\.secretFacts\.kubeconfigs is not a list/],
    ['users null', { ...facts, kubeconfigs: [{ ...facts.kubeconfigs[0], users: null }] }, /secretFacts\.kubeconfigs\[0\]\.users is not a list/],
    ['empty', {}, /secretFacts\.version/],
    ['pem of nulls', { ...facts, pem: [null, 1] }, /secretFacts\.pem\[0\] is not an object/],
    ['a string', 'x', /secretFacts is not an object/],
  ];
  for (const [what, f, message] of cases) {
    const r = await post(alpha, gz(batch('alpha', 'facts', 1, [secret(f)])));
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    assert.equal(r.body.code, 'malformed', what);
    assert.match(r.body.message, message, what);
  }
  assert.deepEqual(await store.cursor('alpha'), before, 'nothing of a refused batch was stored');
  const ok = await post(alpha, gz(batch('alpha', 'facts', 1, [secret({ ...facts, extra: 'dropped' })])));
  assert.equal(ok.status, 200, ok.text);
  const stored = [...store.snapshotOf('alpha').values()].find((o) => o.key.kind === 'Secret')!;
  assert.deepEqual(stored.object.secretFacts, facts, 'stored as sent, unknown fields dropped');
});

test('oversized: too many changes, a body over the compressed limit, a gzip bomb: 413, bounded', async () => {
  const many = Array.from({ length: RELAY_LIMITS.maxChangesPerBatch + 1 }, (_, i) => pod('a', `p${i}`));
  const r1 = await post(alpha, gz(batch('alpha', 'big', 1, many)));
  assert.equal(r1.status, 413);
  assert.equal(r1.body.code, 'too-large');
  const r2 = await post(alpha, randomBytes(RELAY_LIMITS.maxCompressedBytes + 1));
  assert.equal(r2.status, 413);
  // 1 GiB of zeros is about 1 MiB compressed: decompression stops at the cap.
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  const bomb = gzipSync(Buffer.concat([Buffer.from('{"v":1,"pad":"'), ...Array(8).fill(zeros)]), { level: 9 });
  assert.ok(bomb.length < RELAY_LIMITS.maxCompressedBytes);
  const rss = process.memoryUsage().rss;
  const r3 = await post(alpha, bomb);
  assert.equal(r3.status, 413, r3.text);
  assert.equal(r3.body.code, 'too-large');
  assert.ok(process.memoryUsage().rss - rss < 256 * 1024 * 1024, 'the bomb did not inflate past the cap');
  // Each string under the sanitizer's own bound, together over the object limit.
  const huge = pod('a', 'huge', { spec: { x: Array.from({ length: 5 }, () => 'y'.repeat(600 * 1024)) } });
  const r4 = await post(alpha, gz(batch('alpha', 'big', 1, [huge])));
  assert.equal(r4.status, 413);
  // Under the limit in characters, over it in UTF-8 bytes (three bytes each): measured in bytes.
  const wide = pod('a', 'wide', { spec: { x: Array.from({ length: 5 }, () => '€'.repeat(150 * 1024)) } });
  assert.ok(JSON.stringify(wide).length < RELAY_LIMITS.maxObjectBytes && Buffer.byteLength(JSON.stringify(wide)) > RELAY_LIMITS.maxObjectBytes);
  const r5 = await post(alpha, gz(batch('alpha', 'big', 1, [wide])));
  assert.equal(r5.status, 413);
  assert.equal(r5.body.code, 'too-large');
});

test('a flooding agent gets 429 with Retry-After; another cluster is served meanwhile', async (t) => {
  const slow = await startTestAgentListener({ store, identity, ingest: { batchesPerSecond: 5, burst: 5 } });
  t.after(() => slow.close());
  const post = (creds: AgentCredentials | null, body: Buffer) => rawRequest(slow.url, { path: AGENT_PATHS.batch, caPem: pki.caPem, creds, body });
  const flood = await pki.issueClient('flood');
  const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => post(flood, gz(batch('flood', 'f', i + 1, [], i === 0 ? 'snapshot' : 'delta')))));
  const limited = replies.filter((r) => r.status === 429);
  assert.ok(limited.length >= 5, `only ${limited.length} of 15 were rate-limited`);
  assert.ok(limited.every((r) => r.body.code === 'rate-limited' && Number(r.headers['retry-after']) >= 1));
  const other = await rawRequest(slow.url, { path: AGENT_PATHS.cursor, caPem: pki.caPem, creds: beta });
  assert.equal(other.status, 200);
  const b = await post(beta, gz(batch('beta', 'b1', 2, [pod('x', 'y')], 'delta')));
  assert.equal(b.status, 200, b.text);
});

test('batches in flight are bounded across clusters: past the bound, 503 unavailable with Retry-After', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const slowStore = new MemoryIngestStore();
  const applyBatch = slowStore.applyBatch.bind(slowStore);
  slowStore.applyBatch = async (...args: Parameters<typeof applyBatch>) => {
    entered();
    await gate;
    return applyBatch(...args);
  };
  const one = await startTestAgentListener({ store: slowStore, identity, ingest: { maxConcurrentBatches: 1 } });
  t.after(() => one.close());
  const first = rawRequest(one.url, { path: AGENT_PATHS.batch, caPem: pki.caPem, creds: alpha, body: gz(batch('alpha', 'slow', 1, [pod('a', 'b')])) });
  await inside;
  const second = await rawRequest(one.url, { path: AGENT_PATHS.batch, caPem: pki.caPem, creds: beta, body: gz(batch('beta', 'slow', 1, [pod('a', 'b')])) });
  assert.equal(second.status, 503);
  assert.equal(second.body.code, 'unavailable');
  assert.equal(second.headers['retry-after'], '1');
  release();
  assert.equal((await first).status, 200);
});

test('one cluster holds at most two batches in flight, counted before the body is read: a third gets 429, other clusters keep their slots', { timeout: 20_000 }, async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let inside = 0;
  let twoInside!: () => void;
  const both = new Promise<void>((r) => (twoInside = r));
  const slowStore = new MemoryIngestStore();
  const applyBatch = slowStore.applyBatch.bind(slowStore);
  slowStore.applyBatch = async (...args: Parameters<typeof applyBatch>) => {
    if (args[0] === 'alpha') {
      if (++inside === 2) twoInside();
      await gate;
    }
    return applyBatch(...args);
  };
  const srv2 = await startTestAgentListener({ store: slowStore, identity, ingest: { batchesPerSecond: 1000, burst: 1000 } });
  t.after(() => srv2.close());
  const post2 = (creds: AgentCredentials, body: Buffer) => rawRequest(srv2.url, { path: AGENT_PATHS.batch, caPem: pki.caPem, creds, body });
  const held = [post2(alpha, gz(batch('alpha', 'a', 1, [pod('a', 'b')]))), post2(alpha, gz(batch('alpha', 'b', 1, [pod('a', 'b')])))];
  await both;
  // A third whose body never comes: refused from its headers, not left waiting for the body.
  const flood = await new Promise<{ status: number; retryAfter: unknown; code: string }>((resolve, reject) => {
    const req = https.request(new URL(AGENT_PATHS.batch, srv2.url), { method: 'POST', ca: pki.caPem, cert: alpha.certificatePem, key: alpha.keyPem, agent: false, headers: { 'content-encoding': 'gzip', 'content-length': '1000000' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], code: JSON.parse(text).code }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.deepEqual(flood, { status: 429, retryAfter: '1', code: 'rate-limited' });
  // Beta is served while alpha's two are held.
  const b = await post2(beta, gz(batch('beta', 'fair', 1, [pod('x', 'y')])));
  assert.equal(b.status, 200, b.text);
  release();
  assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200]);
  // The slots are given back: alpha sends again.
  const again = await post2(alpha, gz(batch('alpha', 'c', 1, [pod('a', 'b')])));
  assert.equal(again.status, 200, again.text);
});
