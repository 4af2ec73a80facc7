/**
 * The analysis worker pool (analyse-worker-pool.ts, analyse-worker.ts) against the stand-in API server:
 * each cluster read and analysed in a worker thread gives what the main thread gives; a worker that
 * throws or dies turns its cluster into `status: error` (kind `analysis`) and the others go on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { loadObjectSet, startStandIn } from '../testing/apiserver/index.js';
import { REPO_ROOT } from '../testing/kit.js';
import { allRules } from '../rules/index.js';
import { analysisWorkers, liveKinds, liveSelection, scanClusters } from '../cli/live.js';
const CLUSTERS = ['c0', 'c1', 'c2'];
let standIn;
let dir;
let kubeconfig;
before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-analyse-worker-'));
    const objects = await loadObjectSet([path.join(REPO_ROOT, 'examples/insecure')], { crds: ['istio', 'gateway-api'] });
    standIn = await startStandIn({ clusters: CLUSTERS.map((name) => ({ name, objects })) });
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await fs.writeFile(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
});
after(async () => {
    await standIn?.stop();
    if (dir)
        await fs.rm(dir, { recursive: true, force: true });
});
class Sink extends Writable {
    text = '';
    _write(chunk, _enc, cb) {
        this.text += chunk.toString();
        cb();
    }
}
async function scan(workers, concurrency, faults) {
    const selection = liveSelection({ kubeconfig, allContexts: true, clusterConcurrency: String(concurrency) });
    const io = { stdout: new Sink(), stderr: new Sink(), env: { MESHWARD_LIVE_WORKERS: workers }, cwd: dir, homedir: dir };
    return scanClusters({ selection, kinds: liveKinds(allRules), io, format: 'json', ...(faults ? { faults } : {}) }, { rules: allRules, compactFindings: true });
}
/** Findings as the JSON report writes them (compact findings serialize through toJSON). */
const asJson = (a, cluster) => JSON.stringify(a.results.get(cluster)?.findings ?? null);
test('a cluster analysed in a worker gives the findings, errors and notes the main thread gives', async () => {
    const inThread = await scan('0', 3);
    const inWorkers = await scan('2', 3);
    assert.deepEqual(inWorkers.summaries.map((s) => [s.name, s.status, s.resources]), inThread.summaries.map((s) => [s.name, s.status, s.resources]));
    for (const name of CLUSTERS) {
        const a = inThread.results.get(name);
        const b = inWorkers.results.get(name);
        assert.ok(a.findings.length > 50, `${name}: the example has findings to compare`);
        assert.equal(asJson(inWorkers, name), asJson(inThread, name), `${name}: findings differ`);
        assert.deepEqual(b.errors, a.errors);
        assert.deepEqual(b.notes, a.notes);
        assert.deepEqual(b.failures, a.failures);
        assert.equal(b.meshConfig, a.meshConfig);
        assert.deepEqual([...b.ignoreAnnotations], [...a.ignoreAnnotations]);
    }
});
test('a worker that throws on a cluster: that cluster is an error of kind analysis, the others are analysed', async () => {
    const r = await scan('1', 1, { throw: 'c1' });
    const byName = new Map(r.summaries.map((s) => [s.name, s]));
    assert.equal(byName.get('c0').status, 'ok');
    assert.equal(byName.get('c2').status, 'ok');
    const failed = byName.get('c1');
    assert.equal(failed.status, 'error');
    const err = failed.errors.find((e) => e.kind === 'analysis');
    assert.ok(err, JSON.stringify(failed.errors));
    assert.match(err.message, /fault injected by a test/);
    assert.equal(r.results.get('c1').findings.length, 0);
    assert.ok(r.results.get('c0').findings.length > 50 && r.results.get('c2').findings.length > 50);
    // The failure is a report error too, so the run exits 1 like an unreadable cluster.
    assert.ok(r.errors.some((e) => e.cluster === 'c1' && e.kind === 'analysis'));
});
test('a worker that dies mid-cluster: that cluster is an error saying so, a new worker takes the rest', async () => {
    const r = await scan('1', 1, { crash: 'c0' });
    const byName = new Map(r.summaries.map((s) => [s.name, s]));
    const failed = byName.get('c0');
    assert.equal(failed.status, 'error');
    assert.equal(failed.resources, 0);
    assert.match(failed.errors[0].message, /analysis worker thread stopped \(exit code 71\)/);
    assert.equal(failed.server, standIn.cluster('c0').url);
    for (const name of ['c1', 'c2']) {
        assert.equal(byName.get(name).status, 'ok', name);
        assert.ok(r.results.get(name).findings.length > 50, name);
    }
});
test('pool size: MESHWARD_LIVE_WORKERS, else the cores, never more than the clusters in flight', () => {
    assert.equal(analysisWorkers({ MESHWARD_LIVE_WORKERS: '0' }, 4), 0);
    assert.equal(analysisWorkers({ MESHWARD_LIVE_WORKERS: '3' }, 2), 2);
    assert.equal(analysisWorkers({}, 1), 1);
    assert.equal(analysisWorkers({}, 64), Math.min(os.availableParallelism(), 16));
    assert.throws(() => analysisWorkers({ MESHWARD_LIVE_WORKERS: 'many' }, 4), /MESHWARD_LIVE_WORKERS takes a whole number/);
});
test('clusters in flight across the pool never exceed --cluster-concurrency (memory follows it, not the fleet)', async () => {
    const { readAndAnalyseInWorkers } = await import('./analyse-worker-pool.js');
    for (const concurrency of [1, 2]) {
        const selection = liveSelection({ kubeconfig, allContexts: true, clusterConcurrency: String(concurrency) });
        const inFlight = new Set();
        let most = 0;
        const finished = [];
        const summaries = await readAndAnalyseInWorkers({
            ...selection,
            kinds: liveKinds(allRules),
            env: {},
            homedir: dir,
            cwd: dir,
            onProgress: (e) => {
                if (e.phase === 'connecting')
                    inFlight.add(e.cluster);
                most = Math.max(most, inFlight.size);
            },
        }, { ruleIds: null, model: {}, disabled: [], advisories: null, now: new Date().toISOString() }, { size: 2 }, (summary, result) => {
            // A cluster's objects are gone once its findings are handed over: it is no longer in flight.
            inFlight.delete(summary.name);
            finished.push(summary.name);
            assert.ok(result && result.findings.length > 50);
        });
        assert.deepEqual(summaries.map((s) => s.name), CLUSTERS, 'summaries in selection order');
        assert.deepEqual([...finished].sort(), CLUSTERS);
        assert.ok(most >= 1 && most <= concurrency, `at --cluster-concurrency ${concurrency}, ${most} clusters were in flight at once`);
    }
});
