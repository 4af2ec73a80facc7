import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DeltaQueue } from './queue.js';
import { AGENT_GZIP_LEVEL, HttpsTransport } from './transport.js';
import { SnapshotPlan, batchBytes, batchJson, sized, wireKeyString } from './snapshot.js';
import type { Batch, Change } from './protocol.js';
import type { Resource } from '../model/resource.js';

const res = (name: string, extra: Record<string, unknown> = {}): Resource => ({ id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Service', namespace: 'ns', name, labels: {}, annotations: {}, obj: { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name }, ...extra }, source: null });
const up = (r: Resource): Change => ({ op: 'upsert', object: { apiVersion: r.apiVersion, kind: r.kind, namespaced: true, obj: r.obj } });
const del = (r: Resource): Change => ({ op: 'delete', key: { kind: 'Service', namespace: 'ns', name: r.name } });

test('changes to the same object coalesce: the last one wins and keeps its place', () => {
  const q = new DeltaQueue({ maxObjects: 10, maxBytes: 1 << 20 });
  const a = res('a');
  const b = res('b');
  q.push(wireKeyString(a), up(a));
  q.push(wireKeyString(b), up(b));
  q.push(wireKeyString(a), del(a));
  assert.equal(q.size, 2);
  const out = q.take();
  assert.deepEqual(out.map((c) => c.op), ['delete', 'upsert']);
  assert.equal(q.size, 0);
  assert.equal(q.bytes, 0);
  assert.equal(q.oldestAt, null);
});

test('past its object bound the queue empties itself and says so, until reset', () => {
  const q = new DeltaQueue({ maxObjects: 3, maxBytes: 1 << 20 });
  for (const n of ['a', 'b', 'c']) assert.equal(q.push(n, up(res(n))), true);
  assert.equal(q.push('d', up(res('d'))), false);
  assert.equal(q.overflowed, true);
  assert.equal(q.size, 0);
  assert.equal(q.push('e', up(res('e'))), false, 'stays overflowed until the resync resets it');
  q.reset();
  assert.equal(q.overflowed, false);
  assert.equal(q.push('e', up(res('e'))), true);
});

test('past its byte bound too', () => {
  const q = new DeltaQueue({ maxObjects: 1000, maxBytes: 2000 });
  assert.equal(q.push('a', up(res('a', { spec: { pad: 'x'.repeat(1000) } }))), true);
  assert.equal(q.push('b', up(res('b', { spec: { pad: 'x'.repeat(1000) } }))), false);
  assert.equal(q.overflowed, true);
});

test('take respects the change and byte limits, and always makes progress', () => {
  const q = new DeltaQueue({ maxObjects: 100, maxBytes: 1 << 20 });
  for (let i = 0; i < 10; i++) q.push(`k${i}`, up(res(`k${i}`, { spec: { pad: 'x'.repeat(100) } })));
  assert.equal(q.take(3).length, 3);
  assert.equal(q.take(100, 1).length, 1, 'one change even over the byte limit');
  const one = sized(up(res('k0', { spec: { pad: 'x'.repeat(100) } }))).bytes;
  assert.equal(q.take(100, Math.floor(2.5 * one)).length, 2);
  assert.equal(q.size, 4);
});

test('snapshot parts: bounded in changes and bytes, objects over the object limit skipped, rewind replays', () => {
  const rs = Array.from({ length: 11 }, (_, i) => res(`s${i}`));
  rs.push(res('huge', { spec: { pad: 'x'.repeat(2 * 1024 * 1024 + 1) } }));
  const plan = new SnapshotPlan(rs);
  assert.equal(plan.total, 12);
  const first = plan.next(5);
  assert.equal(first.length, 5);
  const pos = plan.position;
  const second = plan.next(5);
  plan.rewind(pos);
  assert.deepEqual(plan.next(5), second);
  const rest = plan.next(5);
  assert.equal(rest.length, 1, 'the last small object; the huge one skipped');
  assert.equal(plan.skipped, 1);
  assert.equal(plan.done, true);
  const byBytes = new SnapshotPlan(rs.slice(0, 10));
  assert.ok(byBytes.next(100, 300).length < 10);
});

test('a batch is serialized once: batchJson is the JSON of the batch, batchBytes its size, from the parts kept', () => {
  // Hostile-looking names and values: quotes, backslashes, a prototype key, non-ASCII (bytes, not characters).
  const names = ['a', 'quote"d', 'back\\slash', '__proto__', 'ünïcode-名'];
  const plan = new SnapshotPlan(names.map((n) => res(n, { spec: { note: `x${n}`, ['__proto__']: { polluted: true } } })));
  const changes = plan.next();
  assert.equal(changes.length, names.length);
  const batch: Batch = { v: 1, cluster: 'c1', agentVersion: 'v"1', epoch: 'e', seq: 1, type: 'snapshot', sentAt: '2026-12-05T00:00:00.000Z', changes, last: true };
  assert.deepEqual(JSON.parse(batchJson(batch)), JSON.parse(JSON.stringify(batch)));
  assert.equal(batchBytes(batch, plan.lastPartBytes), Buffer.byteLength(batchJson(batch)));
  // A change the plan did not size (a queued delta) is serialized on the spot, with the same result.
  const more: Batch = { ...batch, changes: [...changes, del(res('gone'))], kinds: [{ kind: 'Service', served: true, synced: true, objects: 5, error: null }] };
  assert.deepEqual(JSON.parse(batchJson(more)), JSON.parse(JSON.stringify(more)));
  // Kept texts are the changes' own: a change object serialized after it was sized still reads as sized.
  assert.equal(JSON.stringify(JSON.parse(batchJson(batch)).changes[3]), JSON.stringify(changes[3]));
  // An empty part (a heartbeat) is still a valid batch.
  assert.deepEqual(JSON.parse(batchJson({ ...batch, changes: [] })), JSON.parse(JSON.stringify({ ...batch, changes: [] })));
});

test('the agent compresses at AGENT_GZIP_LEVEL: what it measures against the compressed limit is what that level makes', async () => {
  const plan = new SnapshotPlan(Array.from({ length: 200 }, (_, i) => res(`svc-${i}`, { spec: { selector: { app: `a${i % 7}` }, ports: [{ port: 80 + (i % 13) }] } })));
  const batch: Batch = { v: 1, cluster: 'c1', agentVersion: '1', epoch: 'e', seq: 1, type: 'snapshot', sentAt: '2026-12-06T00:00:00.000Z', changes: plan.next(), last: true };
  const size = await HttpsTransport.compressedSize(batch);
  assert.equal(AGENT_GZIP_LEVEL, 3);
  assert.equal(size, gzipSync(Buffer.from(batchJson(batch)), { level: AGENT_GZIP_LEVEL }).length);
  assert.notEqual(size, gzipSync(Buffer.from(batchJson(batch))).length, 'zlib\'s default level makes other bytes');
});
