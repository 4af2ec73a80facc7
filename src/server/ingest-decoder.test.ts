import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { RELAY_LIMITS, type Batch, type Change } from '../relay/protocol.js';
import { wireObjectJson } from '../store/common.js';
import type { SerializedUpsert } from '../store/types.js';
import { Refusal, decodeBatchBody, validateBatch } from './batch-decode.js';
import { IngestDecoders } from './ingest-decoder.js';

const CANARY = 'canary-7f3c1e-do-not-store';

const pod = (ns: string, name: string): Change => ({ op: 'upsert', object: { apiVersion: 'v1', kind: 'Pod', namespaced: true, obj: { metadata: { namespace: ns, name }, spec: { containers: [{ name: 'app', image: 'x' }] } } } });
const secret = (ns: string, name: string): Change => ({ op: 'upsert', object: { apiVersion: 'v1', kind: 'Secret', namespaced: true, obj: { metadata: { namespace: ns, name }, type: 'Opaque', data: { password: Buffer.from(CANARY).toString('base64') }, stringData: { token: CANARY } } } });

function batch(changes: Change[], seq = 1): Batch {
  return { v: 1, cluster: 'alpha', agentVersion: 'test', epoch: 'e1', seq, type: 'delta', sentAt: new Date(0).toISOString(), changes };
}
const gz = (v: unknown) => gzipSync(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Refusal, `expected a Refusal, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

test('a batch decoded in a decoder thread: upserts serialized as the store keeps them (re-sanitized), deletes and header as sent', async () => {
  const decoders = new IngestDecoders(1);
  try {
    const sent = batch([pod('ns', 'a'), secret('ns', 's'), { op: 'delete', key: { kind: 'Pod', namespace: 'ns', name: 'gone' } }]);
    const got = await decoders.decode(gz(sent), 'gzip');
    assert.deepEqual({ ...got, changes: [] }, { ...sent, changes: [] });
    assert.equal(got.changes.length, 3);
    const [a, s, d] = got.changes as [SerializedUpsert, SerializedUpsert, Change];
    assert.deepEqual(a.key, { kind: 'Pod', namespace: 'ns', name: 'a' });
    // Exactly the text the store would have written for the validated object (the same function in this thread).
    const expected = validateBatch(JSON.parse(JSON.stringify(sent)));
    assert.equal(a.body, wireObjectJson((expected.changes[0] as { object: Parameters<typeof wireObjectJson>[0] }).object));
    assert.deepEqual(s.key, { kind: 'Secret', namespace: 'ns', name: 's' });
    assert.ok(!s.body.includes(CANARY) && !s.body.includes(Buffer.from(CANARY).toString('base64')), 'a Secret value crossed the decoder');
    assert.deepEqual(d, { op: 'delete', key: { kind: 'Pod', namespace: 'ns', name: 'gone' } });
  } finally {
    await decoders.close();
  }
});

test('refusals come back from the thread with their status and code, and never quote the body', async () => {
  const decoders = new IngestDecoders(1);
  try {
    let r = await refusal(decoders.decode(Buffer.from(`not gzip ${CANARY}`), 'gzip'));
    assert.deepEqual([r.status, r.body.code], [400, 'malformed']);
    r = await refusal(decoders.decode(gz(batch([pod('ns', 'a')])), 'br'));
    assert.deepEqual([r.status, r.body.code], [400, 'malformed']);
    r = await refusal(decoders.decode(gz(`{"v":1, ${CANARY}`), 'gzip'));
    assert.deepEqual([r.status, r.body.code], [400, 'malformed']);
    assert.ok(!r.message.includes(CANARY));
    r = await refusal(decoders.decode(gz({ ...batch([]), cluster: `bad\u0007${CANARY}` }), 'gzip'));
    assert.deepEqual([r.status, r.body.code], [400, 'malformed']);
    assert.ok(!r.message.includes(CANARY));
    // A gzip bomb: stops at the decompressed cap.
    r = await refusal(decoders.decode(gzipSync(Buffer.alloc(RELAY_LIMITS.maxDecompressedBytes + 1024, 0x20)), 'gzip'));
    assert.deepEqual([r.status, r.body.code], [413, 'too-large']);
    // The thread is still there for the next batch.
    assert.equal((await decoders.decode(gz(batch([pod('ns', 'b')])), 'gzip')).changes.length, 1);
  } finally {
    await decoders.close();
  }
});

test('batches decoded at once on two threads each get their own answer', async () => {
  const decoders = new IngestDecoders(2);
  try {
    const bodies = Array.from({ length: 24 }, (_, i) => batch(Array.from({ length: 1 + (i % 5) * 50 }, (_, j) => pod(`ns-${i}`, `p-${j}`)), i + 1));
    const got = await Promise.all(bodies.map((b) => decoders.decode(gz(b), 'gzip')));
    got.forEach((g, i) => {
      assert.equal(g.seq, i + 1);
      assert.equal(g.changes.length, bodies[i].changes.length);
      assert.ok(g.changes.every((c) => c.op === 'upsert-json' && c.key.namespace === `ns-${i}`));
    });
  } finally {
    await decoders.close();
  }
});

test('the caller\'s buffer: a Buffer that is a view into a larger one is copied, never detached', async () => {
  const decoders = new IngestDecoders(1);
  try {
    const body = gz(batch([pod('ns', 'a')]));
    const big = Buffer.alloc(body.length + 64, 7);
    body.copy(big, 32);
    const view = big.subarray(32, 32 + body.length);
    assert.equal((await decoders.decode(view, 'gzip')).changes.length, 1);
    assert.equal(big.length, body.length + 64);
    assert.equal(big[0], 7);
    assert.ok(view.equals(body));
  } finally {
    await decoders.close();
  }
});

test('a decoder thread that dies (out of memory on a huge batch) fails that batch only; the next one gets a new thread', async () => {
  // Small heaps, so a batch of a few megabytes is too much; the default has room for the largest batch.
  const decoders = new IngestDecoders(1, { maxOldGenerationSizeMb: 12, maxYoungGenerationSizeMb: 4 });
  try {
    const huge = batch(Array.from({ length: RELAY_LIMITS.maxChangesPerBatch }, (_, j) => ({ op: 'upsert', object: { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true, obj: { metadata: { namespace: 'ns', name: `c-${j}`, labels: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`l${k}`, `v${j}-${k}`])) } } } })));
    await assert.rejects(decoders.decode(gz(huge), 'gzip'), (err: Error) => !(err instanceof Refusal) && /ingest decoder/.test(err.message));
    assert.equal((await decoders.decode(gz(batch([pod('ns', 'after')])), 'gzip')).changes.length, 1);
  } finally {
    await decoders.close();
  }
});

test('closed decoders refuse new batches, and the batch in flight is failed, never left hanging', async () => {
  const decoders = new IngestDecoders(1);
  // The thread is still starting when close comes: the batch is not stored, its request answers 503.
  const inFlight = decoders.decode(gz(batch(Array.from({ length: 2000 }, (_, j) => pod('ns', `p-${j}`)))), 'gzip');
  const failed = assert.rejects(inFlight, /closed/);
  await decoders.close();
  await failed;
  await assert.rejects(decoders.decode(gz(batch([])), 'gzip'), /closed/);
  assert.throws(() => new IngestDecoders(0), RangeError);
});

test('decodeBatchBody itself (what the thread runs) agrees: refuses an empty body', () => {
  assert.throws(() => decodeBatchBody(Buffer.alloc(0), 'gzip'), (e: unknown) => e instanceof Refusal && e.status === 400);
});
