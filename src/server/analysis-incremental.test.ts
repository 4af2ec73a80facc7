/**
 * Incremental analysis (src/server/analysis-incremental.ts) must record exactly what a from-scratch
 * analysis records: random clusters (the admission corpus's object generator), random deltas
 * (upserts of new and changed objects, deletes), each applied to the store as ingest would and
 * noted in a ChangeLog; after every step the incremental analyser's recorded open findings equal a
 * fresh full analysis of the same store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openStore } from '../store/index.js';
import type { FindingInput, Store } from '../store/types.js';
import { wireObjectKey } from '../store/common.js';
import type { Change, ObjectKey, WireObject } from '../relay/protocol.js';
import { isClusterScoped } from '../model/resource.js';
import { allRules } from '../rules/index.js';
import { objectArb, type Obj } from '../testing/decide-corpus.js';
import { AGENT_SILENT_MS, ChangeLog, IncrementalAnalyser, normaliseKind } from './analysis-incremental.js';
import { analyseStoredCluster } from './analysis.js';
import { propertySeed } from '../testing/property-seed.js';

const wire = (o: Obj): WireObject => ({ apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind), obj: structuredClone(o) });

async function openFindings(store: Store, cluster: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null | undefined = undefined;
  do {
    const page = await store.findings({ cluster: [cluster], state: ['open'], limit: 1000, cursor: cursor ?? undefined });
    for (const f of page.items) out.push(`${f.fingerprint} ${f.ruleId} ${f.severity} ${f.message}`);
    cursor = page.next;
  } while (cursor);
  return out.sort();
}

type Step = { op: 'upsert'; object: Obj } | { op: 'delete'; pick: number } | { op: 'touch'; pick: number; label: string };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: objectArb.map((object) => ({ op: 'upsert' as const, object })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: 'delete' as const, pick })) },
  // The same object again with a label changed: a replacement in place (the overlay path).
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), label: fc.constantFrom('a', 'b', 'c') }).map(({ pick, label }) => ({ op: 'touch' as const, pick, label })) },
);

test('incremental analysis records the same open findings as a full analysis after random deltas', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-incremental-'));
  let run = 0;
  let overlaid = 0;
  let scoped = 0;
  let compacted = 0;
  try {
    await fc.assert(
      // compact: before the step's analysis, the kept model is built again as an idle lane does (IncrementalAnalyser.compact).
      fc.asyncProperty(fc.array(objectArb, { minLength: 1, maxLength: 12 }), fc.array(fc.record({ batch: fc.array(stepArb, { minLength: 1, maxLength: 3 }), compact: fc.boolean() }), { minLength: 1, maxLength: 6 }), async (base, steps) => {
        run++;
        // Two stores fed the same batches: one analysed incrementally, one from scratch each time.
        const stores = [await openStore({ engine: 'sqlite', dataDir: path.join(dir, `i${run}`) }), await openStore({ engine: 'sqlite', dataDir: path.join(dir, `f${run}`) })];
        try {
          const at = new Date('2026-01-01T00:00:00Z');
          const apply = async (seq: number, type: 'snapshot' | 'delta', changes: Change[]) => {
            for (const s of stores) {
              const r = await s.applyBatch('c', { v: 1, cluster: 'c', agentVersion: 't', epoch: 'e', seq, type, last: type === 'snapshot' ? true : undefined, sentAt: at.toISOString(), changes }, at, { maxObjects: 10_000 });
              assert.equal(r.status, 'stored');
            }
          };
          for (const s of stores) await s.createCluster('c', at);
          const live = new Map<string, ObjectKey>();
          const objects = new Map<string, Obj>();
          const snapshot = base.map((o) => ({ op: 'upsert' as const, object: wire(o) }));
          for (const c of snapshot) {
            live.set(JSON.stringify(wireObjectKey(c.object)), wireObjectKey(c.object));
            objects.set(JSON.stringify(wireObjectKey(c.object)), c.object.obj);
          }
          await apply(1, 'snapshot', snapshot);
          // Scoped records (only the rules that re-ran compared in the store) must leave the same findings.
          const record = stores[0].recordAnalysis.bind(stores[0]);
          stores[0].recordAnalysis = (cluster, fs, when, fence, scope) => {
            if (scope) scoped++;
            return record(cluster, fs, when, fence, scope);
          };
          const log = new ChangeLog();
          const analyser = new IncrementalAnalyser(allRules);
          await analyser.run(stores[0], 'c', at, log.take('c'));
          let seq = 1;
          for (const { batch, compact } of steps) {
            seq++;
            const changes: Change[] = batch.map((s) => {
              if (s.op === 'upsert' || live.size === 0) {
                const o = s.op === 'upsert' ? s.object : base[0];
                const w = wire(o);
                live.set(JSON.stringify(wireObjectKey(w)), wireObjectKey(w));
                objects.set(JSON.stringify(wireObjectKey(w)), w.obj);
                return { op: 'upsert', object: w };
              }
              const keys = [...live.keys()];
              const k = keys[s.pick % keys.length];
              if (s.op === 'touch') {
                const o = structuredClone(objects.get(k)!);
                o.metadata = { ...(o.metadata ?? {}), labels: { ...(o.metadata?.labels ?? {}), touched: s.label } };
                objects.set(k, o);
                return { op: 'upsert', object: wire(o) };
              }
              const key = live.get(k)!;
              live.delete(k);
              return { op: 'delete', key };
            });
            await apply(seq, 'delta', changes);
            log.note('c', { epoch: 'e', seq, type: 'delta', keys: changes.map((c) => (c.op === 'upsert' ? wireObjectKey(c.object) : c.key)) });
            if (compact && analyser.compact('c', 1)) compacted++;
            const r = await analyser.run(stores[0], 'c', at, log.take('c'));
            assert.equal(r?.mode, 'incremental');
            await analyseStoredCluster(stores[1], 'c', allRules, at);
            assert.deepEqual(await openFindings(stores[0], 'c'), await openFindings(stores[1], 'c'), `after delta ${seq}: ${JSON.stringify(changes.map((c) => (c.op === 'upsert' ? `upsert ${c.object.kind} ${String((c.object.obj.metadata as Obj)?.namespace)}/${String((c.object.obj.metadata as Obj)?.name)}` : `delete ${c.key.kind} ${c.key.namespace}/${c.key.name}`)))}`);
          }
          assert.ok(analyser.stats.incremental >= 1);
          overlaid += analyser.stats.incremental - analyser.stats.rebuilt;
        } finally {
          for (const s of stores) await s.close();
        }
      }),
      { numRuns: Number(process.env.MESHWARD_PROPERTY_RUNS ?? 40), seed: propertySeed('MESHWARD_PROPERTY_SEED') },
    );
    assert.ok(overlaid > 0, 'some steps took the overlay path');
    assert.ok(scoped > 0, 'some analyses were recorded with a scope');
    assert.ok(compacted > 0, 'some kept models were compacted between analyses');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a cluster's ReplicaSets and Pods: recorded folded into their Deployment's findings, incrementally as from scratch", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-incremental-owned-'));
  const stores = [await openStore({ engine: 'sqlite', dataDir: path.join(dir, 'i') }), await openStore({ engine: 'sqlite', dataDir: path.join(dir, 'f') })];
  try {
    const at = new Date('2026-01-01T00:00:00Z');
    const template = { metadata: { labels: { app: 'orders' } }, spec: { containers: [{ name: 'orders', image: 'registry.example.com/orders:1', securityContext: { runAsUser: 1337 } }] } };
    const owner = (kind: string, name: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
    const pod = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels: { app: 'orders' }, ownerReferences: owner('ReplicaSet', 'orders-5d8f7', 'rs-1') }, spec: template.spec });
    const base: Obj[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop', uid: 'dep-1' }, spec: { selector: { matchLabels: { app: 'orders' } }, template } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orders-5d8f7', namespace: 'shop', uid: 'rs-1', ownerReferences: owner('Deployment', 'orders', 'dep-1') }, spec: { template } },
      pod('orders-5d8f7-a'),
    ];
    const apply = async (seq: number, type: 'snapshot' | 'delta', objects: Obj[]) => {
      for (const s of stores) await s.applyBatch('c', { v: 1, cluster: 'c', agentVersion: 't', epoch: 'e', seq, type, last: type === 'snapshot' ? true : undefined, sentAt: at.toISOString(), changes: objects.map((o) => ({ op: 'upsert' as const, object: wire(o) })) }, at, { maxObjects: 10_000 });
    };
    for (const s of stores) await s.createCluster('c', at);
    await apply(1, 'snapshot', base);
    const log = new ChangeLog();
    const analyser = new IncrementalAnalyser(allRules);
    await analyser.run(stores[0], 'c', at, log.take('c'));
    const byp001 = async (store: Store) => (await store.findings({ cluster: ['c'], state: ['open'], limit: 100 })).items.filter((f) => f.ruleId === 'BYP001');
    const named = (f: FindingInput) => f.evidence.filter((e) => e.role === 'same-in-owned').map((e) => e.resource?.name).sort();
    let open = await byp001(stores[0]);
    assert.deepEqual(open.map((f) => `${f.resource.kind} ${f.resource.name}`), ['Deployment orders']);
    assert.deepEqual(named(open[0]), ['orders-5d8f7', 'orders-5d8f7-a']);
    // A second Pod comes: nothing opens, the Deployment's finding names it too.
    const second = pod('orders-5d8f7-b');
    await apply(2, 'delta', [second]);
    log.note('c', { epoch: 'e', seq: 2, type: 'delta', keys: [wireObjectKey(wire(second))] });
    const r = await analyser.run(stores[0], 'c', at, log.take('c'));
    assert.equal(r?.mode, 'incremental');
    await analyseStoredCluster(stores[1], 'c', allRules, at);
    open = await byp001(stores[0]);
    assert.deepEqual(open.map((f) => `${f.resource.kind} ${f.resource.name}`), ['Deployment orders']);
    assert.deepEqual(named(open[0]), ['orders-5d8f7', 'orders-5d8f7-a', 'orders-5d8f7-b']);
    assert.deepEqual(await openFindings(stores[0], 'c'), await openFindings(stores[1], 'c'));
    assert.deepEqual((await byp001(stores[1])).map(named), [named(open[0])]);
  } finally {
    for (const s of stores) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ChangeLog: a gap, another epoch, a snapshot or a batch without keys means a full reload', () => {
  const k = (name: string): ObjectKey => ({ kind: 'Service', namespace: 'a', name });
  const log = new ChangeLog();
  log.note('c', { epoch: 'e', seq: 5, type: 'delta', keys: [k('x')] });
  log.note('c', { epoch: 'e', seq: 6, type: 'delta', keys: [k('y'), k('x')] });
  assert.deepEqual(log.take('c'), { epoch: 'e', fromSeq: 5, toSeq: 6, keys: [k('x'), k('y')] });
  assert.equal(log.take('c'), null, 'taken: nothing known until the next batch');
  log.note('c', { epoch: 'e', seq: 7, type: 'delta', keys: [k('x')] });
  log.note('c', { epoch: 'e', seq: 9, type: 'delta', keys: [k('x')] });
  assert.equal(log.take('c'), null, 'a gap');
  log.note('c', { epoch: 'e', seq: 7, type: 'delta', keys: [k('x')] });
  log.note('c', { epoch: 'f', seq: 8, type: 'delta', keys: [k('x')] });
  assert.equal(log.take('c'), null, 'another epoch');
  log.note('c', { epoch: 'e', seq: 7, type: 'delta' });
  assert.equal(log.take('c'), null, 'no keys');
  log.note('c', { epoch: 'e', seq: 1, type: 'snapshot', keys: [] });
  assert.equal(log.take('c'), null, 'a snapshot');
  log.note('__proto__', { epoch: 'e', seq: 1, type: 'delta', keys: [k('x')] });
  assert.equal(log.take('__proto__')?.keys.length, 1, 'cluster names are data');
});

test('normaliseKind: rule reads in the store key form', () => {
  assert.equal(normaliseKind('Deployment'), 'apps/Deployment');
  assert.equal(normaliseKind('apps/Deployment'), 'apps/Deployment');
  assert.equal(normaliseKind('Service'), 'Service');
  assert.equal(normaliseKind('security.istio.io/PeerAuthentication'), 'security.istio.io/PeerAuthentication');
});

test('IncrementalAnalyser: the cache is bounded by objects, least recently analysed dropped first', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-incremental-lru-'));
  const store = await openStore({ engine: 'sqlite', dataDir: dir });
  try {
    const at = new Date('2026-01-01T00:00:00Z');
    const analyser = new IncrementalAnalyser(allRules, 25);
    for (const c of ['a', 'b', 'c']) {
      await store.createCluster(c, at);
      const changes: Change[] = Array.from({ length: 10 }, (_, i) => ({ op: 'upsert', object: wire({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'x' }, spec: {} }) }));
      await store.applyBatch(c, { v: 1, cluster: c, agentVersion: 't', epoch: 'e', seq: 1, type: 'snapshot', last: true, sentAt: at.toISOString(), changes }, at, { maxObjects: 100 });
      await analyser.run(store, c, at, null);
    }
    assert.deepEqual(analyser.held(), { clusters: 2, objects: 20 });
    // 'a' was dropped: its next run is full even with a change log.
    await store.applyBatch('a', { v: 1, cluster: 'a', agentVersion: 't', epoch: 'e', seq: 2, type: 'delta', sentAt: at.toISOString(), changes: [{ op: 'delete', key: { kind: 'Service', namespace: 'x', name: 's0' } }] }, at, { maxObjects: 100 });
    const r = await analyser.run(store, 'a', at, { epoch: 'e', fromSeq: 2, toSeq: 2, keys: [{ kind: 'Service', namespace: 'x', name: 's0' }] });
    assert.equal(r?.mode, 'full');
    assert.equal(r?.objects, 9);
    assert.ok(analyser.held().objects <= 25);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('IncrementalAnalyser: models of clusters whose agents are silent are dropped before those of clusters whose agents are alive', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-incremental-live-'));
  const store = await openStore({ engine: 'sqlite', dataDir: dir });
  try {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = new Date(t0.getTime() + 10 * 60_000);
    const analyser = new IncrementalAnalyser(allRules, 25);
    // 'live' sends its snapshot (an agent request: seen) just before its analysis; the others were
    // last heard from ten minutes before theirs (agents that sent their snapshot and went away).
    const snapshot = async (c: string, sentAt: Date, seen: boolean) => {
      await store.createCluster(c, t0);
      const changes: Change[] = Array.from({ length: 10 }, (_, i) => ({ op: 'upsert', object: wire({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'x' }, spec: {} }) }));
      await store.applyBatch(c, { v: 1, cluster: c, agentVersion: 't', epoch: 'e', seq: 1, type: 'snapshot', last: true, sentAt: sentAt.toISOString(), changes }, sentAt, { maxObjects: 100, ...(seen ? { seen: { agentVersion: 't', clockSkewMs: 0 } } : {}) });
    };
    await snapshot('live', new Date(at.getTime() - AGENT_SILENT_MS + 1000), true);
    await analyser.run(store, 'live', at, null);
    for (const c of ['gone-1', 'gone-2', 'gone-3']) {
      await snapshot(c, t0, true);
      await analyser.run(store, c, at, null);
    }
    // Room for two: the live cluster's model stays although it is the least recently analysed.
    assert.deepEqual(analyser.held(), { clusters: 2, objects: 20 });
    await store.applyBatch('live', { v: 1, cluster: 'live', agentVersion: 't', epoch: 'e', seq: 2, type: 'delta', sentAt: at.toISOString(), changes: [{ op: 'delete', key: { kind: 'Service', namespace: 'x', name: 's0' } }] }, at, { maxObjects: 100, seen: { agentVersion: 't', clockSkewMs: 0 } });
    const r = await analyser.run(store, 'live', at, { epoch: 'e', fromSeq: 2, toSeq: 2, keys: [{ kind: 'Service', namespace: 'x', name: 's0' }] });
    assert.equal(r?.mode, 'incremental');
    // Among silent ones, the least recently analysed went: gone-3 is kept, gone-1 and gone-2 are not.
    await store.applyBatch('gone-2', { v: 1, cluster: 'gone-2', agentVersion: 't', epoch: 'e', seq: 2, type: 'delta', sentAt: at.toISOString(), changes: [] }, at, { maxObjects: 100 });
    assert.equal((await analyser.run(store, 'gone-2', at, { epoch: 'e', fromSeq: 2, toSeq: 2, keys: [] }))?.mode, 'full');

    // Liveness is read again when a model must go: 'y' and 'x' were both alive when analysed (in that
    // order); five minutes later only y's agent still sends (a heartbeat), so x's model goes, not y's.
    const fresh = new IncrementalAnalyser(allRules, 25);
    const later = new Date(at.getTime() + 5 * 60_000);
    for (const c of ['y', 'x']) {
      await snapshot(c, at, true);
      await fresh.run(store, c, at, null);
    }
    await store.applyBatch('y', { v: 1, cluster: 'y', agentVersion: 't', epoch: 'e', seq: 2, type: 'delta', sentAt: later.toISOString(), changes: [] }, later, { maxObjects: 100, seen: { agentVersion: 't', clockSkewMs: 0 } });
    await snapshot('z', later, true);
    await fresh.run(store, 'z', later, null);
    assert.deepEqual(fresh.held(), { clusters: 2, objects: 20 });
    assert.equal((await fresh.run(store, 'y', later, { epoch: 'e', fromSeq: 2, toSeq: 2, keys: [] }))?.mode, 'incremental');

    // A liveness read that fails does not fail the analysis (already recorded): what was known stands.
    const failing = new Proxy(store, { get: (s, k) => (k === 'getCluster' ? (c: string) => (c === 'y' ? Promise.reject(new Error('read failed')) : s.getCluster(c)) : Reflect.get(s, k)) });
    await snapshot('w', later, true);
    assert.equal((await fresh.run(failing, 'w', later, null))?.mode, 'full');
    assert.deepEqual(fresh.held(), { clusters: 2, objects: 20 });
    // y stayed alive as last known (z, alive too and less recently analysed, went).
    assert.equal((await fresh.run(store, 'y', later, null))?.mode, 'incremental');
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('server with its worker: a delta with keys is analysed incrementally and the finding it opens is served by the API', async () => {
  const { startTestServer, upsert } = await import('./testing-kit.js');
  const t = await startTestServer({}, { worker: true });
  try {
    const at = new Date();
    await t.store.createCluster('east', at);
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
      ...Array.from({ length: 50 }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'shop' }, spec: { selector: { app: `s${i}` }, ports: [{ name: 'http', port: 80 }] } })),
    ];
    await t.send('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: objects.map((o) => upsert(o, o.kind !== 'Namespace')) });
    await t.server.analysis.idle();
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'probe', namespace: 'shop' }, spec: { mtls: { mode } } });
    const delta = async (seq: number, mode: string) => {
      // As ingest calls it: the delta's keys go along.
      await t.send('east', { epoch: 'e1', seq, type: 'delta', changes: [upsert(pa(mode))] }, { keys: true });
      await t.server.analysis.idle();
      return (await t.get('/api/findings?cluster=east&rule=AUT002')).body.items.filter((f: { resource: { name: string } }) => f.resource.name === 'probe');
    };
    const before = t.server.analysis.modes.incremental;
    assert.equal((await delta(2, 'STRICT')).length, 0);
    assert.equal((await delta(3, 'DISABLE')).length, 1, 'DISABLE opens AUT002');
    assert.equal((await delta(4, 'STRICT')).length, 0, 'STRICT resolves it');
    assert.ok(t.server.analysis.modes.incremental - before >= 3, `incremental runs: ${JSON.stringify(t.server.analysis.modes)}`);
    // A batch without keys (as an older ingest sends) still works: a full analysis.
    const full = t.server.analysis.modes.full;
    await t.send('east', { epoch: 'e1', seq: 5, type: 'delta', changes: [upsert(pa('DISABLE'))] });
    await t.server.analysis.idle();
    assert.equal(t.server.analysis.modes.full, full + 1);
    assert.equal((await t.get('/api/findings?cluster=east&rule=AUT002')).body.items.length, 1);
  } finally {
    await t.close();
  }
});

test('sameFindings: a re-run rule\'s findings count as unchanged only when every stored field is equal', async () => {
  const { IncrementalEngine } = await import('../engine/incremental.js');
  const { liveResource } = await import('../cluster/live-resource.js');
  const { LiveLocator } = await import('../cluster/live-locator.js');
  const { findingInput } = await import('./analysis.js');
  const { sameFindings } = await import('./analysis-incremental.js');
  const objects = new Map(
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'off', namespace: 'shop' }, spec: { mtls: { mode: 'DISABLE' } } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'ghost', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'nobody' } }, rules: [{}] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } } },
    ].map((o) => {
      const r = liveResource(structuredClone(o), { apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind) }, 'c');
      return [`${r.kind}/${r.namespace}/${r.name}`, r] as const;
    }),
  );
  const engine = new IncrementalEngine(allRules, { locator: () => new LiveLocator() });
  const first = [...engine.analyse(objects, null).byRule.values()].filter((l) => l.length > 0);
  assert.ok(first.length >= 2, 'the fixture has findings');
  const stored = first.map((l) => l.map(findingInput));
  // The same objects analysed again from scratch: new Finding objects, the same content.
  const again = [...new IncrementalEngine(allRules, { locator: () => new LiveLocator() }).analyse(objects, null).byRule.values()].filter((l) => l.length > 0);
  for (let i = 0; i < first.length; i++) {
    assert.notEqual(again[i], first[i]);
    assert.equal(sameFindings(stored[i], again[i]), true, first[i][0].ruleId);
  }
  const withEvidence = stored.findIndex((l) => l.some((f) => f.evidence.length > 0));
  const edits: Array<[string, (f: FindingInput) => void]> = [
    ['message', (f) => (f.message += ' ')],
    ['severity', (f) => (f.severity = f.severity === 'low' ? 'high' : 'low')],
    ['title', (f) => (f.title = 'other')],
    ['remediation', (f) => (f.remediation = 'other')],
    ['fingerprint', (f) => (f.fingerprint = 'x')],
    ['resource name', (f) => (f.resource = { ...f.resource, name: 'other' })],
    ['location', (f) => (f.location = f.location ? { ...f.location, path: `${f.location.path}.x` } : { cluster: 'c', object: 'x', path: 'spec' })],
    ['traffic', (f) => (f.seenInTraffic = { requests: 1 } as unknown as FindingInput['seenInTraffic'])],
  ];
  for (const [what, edit] of edits) {
    const copy = structuredClone(stored[0]);
    edit(copy[0]);
    assert.equal(sameFindings(copy, again[0]), false, what);
  }
  const ev = structuredClone(stored[withEvidence]);
  const f = ev.find((x) => x.evidence.length > 0)!;
  f.evidence[0] = { ...f.evidence[0], description: `${f.evidence[0].description}!` };
  assert.equal(sameFindings(ev, again[withEvidence]), false, 'an evidence description');
  assert.equal(sameFindings(stored[0].slice(1), again[0]), false, 'one finding fewer');
  assert.equal(sameFindings([...stored[0]].reverse(), again[0]), again[0].length === 1, 'another order');
});
