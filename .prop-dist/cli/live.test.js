/**
 * The live-cluster wiring of the CLI, in process, over a fake `ReadClusters` (the contract of
 * src/cluster/types.ts): flags to selection, per-cluster analysis, reports, exit codes, and that a
 * finished cluster's objects are not kept. The e2e tests (live*.e2e.test.ts) run the built CLI against
 * the stand-in API server; these need no server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { main } from './main.js';
import { loadPaths } from '../loader/load.js';
import { scanPaths } from '../engine/scan.js';
import { REPO_ROOT } from '../testing/kit.js';
import { compareObjects, DEFAULT_CLUSTER_CONCURRENCY, liveSelection, parseDuration } from './live.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { UsageError } from './io.js';
import { progressWanted } from './progress.js';
class Sink extends Writable {
    text = '';
    isTTY;
    columns;
    rows;
    constructor(tty = false) {
        super();
        if (tty) {
            this.isTTY = true;
            this.columns = 100;
            this.rows = 30;
        }
    }
    _write(chunk, _enc, cb) {
        this.text += chunk.toString();
        cb();
    }
}
function io(readClusters, opts = {}) {
    return { stdout: new Sink(opts.tty), stderr: new Sink(opts.tty), env: { NO_COLOR: '1', ...opts.env }, cwd: REPO_ROOT, homedir: '/nonexistent-home', readClusters };
}
/** examples/insecure as a cluster would serve it: the same objects, no file positions, named after the cluster. */
async function exampleObjects(folder) {
    const load = await loadPaths([path.join(REPO_ROOT, 'examples', folder)], { jobs: 1 });
    return load.resources;
}
/**
 * The objects as one YAML file in the order a live scan analyses them (inCanonicalOrder): a file scan
 * of it is a file scan of the same objects, listed alike in messages.
 */
async function canonicalFile(objects) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-live-'));
    const file = path.join(dir, 'objects.json');
    await fs.writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...objects].sort(compareObjects).map((r) => r.obj) }));
    return file;
}
function fresh(objects, cluster) {
    return objects.map((r, id) => ({ ...structuredClone({ ...r, source: null }), id, cluster }));
}
function summary(name, over = {}) {
    return { name, context: name, server: `https://${name}.example:6443`, status: 'ok', resources: 0, durationMs: 5, errors: [], notes: [], ...over };
}
/** A reader over given clusters; `seen` records the options it was called with. */
function fakeReader(clusters, seen = [], beforeEach) {
    return async (opts, consume) => {
        seen.push(opts);
        const out = [];
        for (const c of clusters) {
            // A real reader waits on the network between clusters; a new macrotask also lets WeakRefs clear.
            await new Promise((resolve) => setImmediate(resolve));
            await beforeEach?.();
            opts.onProgress?.({ cluster: c.summary.name, phase: 'listing', detail: 'Pod 3/?' });
            // No local holds the objects: only `read` does, and the CLI empties it once analysed.
            const read = { summary: { ...c.summary }, resources: c.summary.status === 'error' ? [] : c.objects() };
            read.summary.resources = read.resources.length;
            await consume(read);
            out.push(read.summary);
        }
        return out;
    };
}
test('flags: a selection only with a live flag, contradictions and bad values are usage errors', () => {
    assert.equal(liveSelection({}), null);
    const sel = liveSelection({ context: ['a', 'b'], clusterName: ['a=prod-eu'], allowExec: ['my-plugin'], requestTimeout: '10s', clusterTimeout: '2m' });
    assert.deepEqual(sel.contexts, ['a', 'b']);
    assert.equal(sel.clusterNames.get('a'), 'prod-eu');
    assert.equal(sel.concurrency, DEFAULT_CLUSTER_CONCURRENCY);
    assert.equal(sel.requestTimeoutMs, 10_000);
    assert.equal(sel.clusterTimeoutMs, 120_000);
    assert.deepEqual(sel.allowExec, ['my-plugin']);
    for (const bad of [
        { clusterName: ['a=b'] },
        { inCluster: true, context: ['x'] },
        { allContexts: true, context: ['x'] },
        { context: ['x'], clusterName: ['nope'] },
        { context: ['x', 'y'], clusterName: ['x=same', 'y=same'] },
        { context: ['x'], clusterConcurrency: '0' },
        { context: ['x'], clusterConcurrency: '65' },
        { context: ['x'], allowExec: [' '] },
        { context: ['x'], requestTimeout: 'soon' },
    ]) {
        assert.throws(() => liveSelection(bad), UsageError, JSON.stringify(bad));
    }
    assert.equal(parseDuration('500ms', 'f'), 500);
    assert.equal(parseDuration('3', 'f'), 3000, 'a bare number is seconds, as kubectl takes it');
    assert.equal(parseDuration('1.5m', 'f'), 90_000);
    assert.throws(() => parseDuration('0s', 'f'), UsageError);
    assert.throws(() => parseDuration('25h', 'f'), UsageError);
});
test('scan with no paths and no live flag is a usage error; a live flag alone is enough', async () => {
    const none = io(fakeReader([]));
    assert.equal(await main(['scan'], none), 2);
    assert.match(none.stderr.text, /nothing to scan: give files or folders .* --context NAME/);
    const alone = io(fakeReader([{ summary: summary('empty'), objects: () => [] }]));
    assert.equal(await main(['scan', '--context', 'empty'], alone), 0, alone.stderr.text);
    const stray = io(fakeReader([]));
    assert.equal(await main(['scan', 'examples/secure', '--cluster-name', 'a=b'], stray), 2);
    assert.match(stray.stderr.text, /--cluster-name applies to live clusters/);
});
test('the reader gets the flags, the enabled rules\' kinds and the environment; Secrets only when a rule reads them', async () => {
    const seen = [];
    const x = io(fakeReader([{ summary: summary('a'), objects: () => [] }], seen), { env: { KUBECONFIG: '/k1:/k2' } });
    await main(['scan', '--kubeconfig', 'kc.yaml', '--context', 'a', '--cluster-name', 'a=prod', '--cluster-concurrency', '3', '--allow-insecure-kubeconfig', '-f', 'json'], x);
    const o = seen[0];
    assert.equal(o.kubeconfig, 'kc.yaml');
    assert.deepEqual(o.contexts, ['a']);
    assert.equal(o.clusterNames.get('a'), 'prod');
    assert.equal(o.concurrency, 3);
    assert.equal(o.allowInsecureKubeconfig, true);
    assert.equal(o.env.KUBECONFIG, '/k1:/k2');
    assert.equal(o.homedir, '/nonexistent-home');
    assert.ok(o.kinds.includes('networking.istio.io/VirtualService'));
    assert.ok(o.kinds.includes('ConfigMap'), 'the mesh config is found in the cluster');
    assert.ok(o.kinds.includes('Secret'), 'some rules read Secrets');
    const only = [];
    await main(['scan', '--context', 'a', '--only', 'HJK001', '-f', 'json'], io(fakeReader([{ summary: summary('a'), objects: () => [] }], only)));
    assert.ok(!only[0].kinds.includes('Secret'), `HJK001 reads no Secret, so none is listed: ${only[0].kinds.join(' ')}`);
    assert.ok(only[0].kinds.includes('networking.istio.io/VirtualService'));
});
test('each cluster is analysed like the files: same findings as a file scan, named by cluster, summary.clusters in JSON', async () => {
    const objects = await exampleObjects('insecure');
    const reader = fakeReader([
        { summary: summary('east'), objects: () => fresh(objects, 'east') },
        { summary: summary('west', { status: 'partial', errors: [{ kind: 'Pod', status: 403, message: 'pods is forbidden' }], notes: ['Pod not read: BYP001 weakened'] }), objects: () => fresh(objects, 'west') },
    ]);
    const x = io(reader);
    const code = await main(['scan', '--context', 'east', '--context', 'west', '-f', 'json', '--fail-on', 'none'], x);
    assert.equal(code, 0, `--fail-on none: a partial cluster does not fail the run\n${x.stderr.text}`);
    const report = JSON.parse(x.stdout.text);
    const files = await scanPaths([await canonicalFile(objects)], { jobs: 1 });
    const key = (f) => `${f.ruleId} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.message}`;
    const expected = files.findings.map(key).sort();
    for (const cluster of ['east', 'west']) {
        const got = report.findings.filter((f) => f.resource.cluster === cluster);
        assert.deepEqual(got.map(key).sort(), expected, `cluster ${cluster} has the file scan's findings`);
    }
    assert.equal(report.findings.length, expected.length * 2);
    assert.deepEqual(report.summary.clusters.map((c) => [c.name, c.status, c.resources]), [['east', 'ok', objects.length], ['west', 'partial', objects.length]]);
    assert.deepEqual(report.summary.clusters[1].errors, [{ kind: 'Pod', status: 403, message: 'pods is forbidden' }]);
    assert.equal(report.summary.resources, objects.length * 2);
    assert.ok(report.errors.some((e) => e.cluster === 'west' && e.kind === 'Pod' && e.status === 403));
    // Fingerprints include the cluster: a baseline of one cluster does not hide the other's findings.
    const fps = new Set(report.findings.map((f) => f.fingerprint));
    assert.equal(fps.size, report.findings.length);
    const failing = io(reader);
    assert.equal(await main(['scan', '--context', 'east', '--context', 'west', '-f', 'json', '--fail-on', 'critical', '--only', 'HJK001'], failing), 1, 'a partial cluster fails the run');
});
test('text names each cluster, lists its errors in its own section; SARIF and JUnit carry the cluster', async () => {
    const objects = await exampleObjects('insecure');
    const reader = fakeReader([
        { summary: summary('prod-eu'), objects: () => fresh(objects, 'prod-eu') },
        { summary: summary('broken', { status: 'error', errors: [{ kind: 'kubeconfig', status: null, message: 'users[0].user.exec runs "evil" (KCF001); allow it with --allow-exec evil' }] }), objects: () => [] },
    ]);
    const t = io(reader);
    assert.equal(await main(['scan', '--all-contexts', '--fail-on', 'none'], t), 0);
    assert.match(t.stdout.text, /\[prod-eu\]/);
    assert.match(t.stdout.text, /CLUSTERS \(2\)\n {2}prod-eu {2}ok {2}\d+ objects from https:\/\/prod-eu\.example:6443/);
    assert.match(t.stdout.text, / {2}broken {2}error .*\n {4}✖ kubeconfig: users\[0\]\.user\.exec runs "evil" \(KCF001\); allow it with --allow-exec evil/);
    assert.match(t.stdout.text, /from 2 clusters \(1 not fully read\)/);
    const s = io(reader);
    await main(['scan', '--all-contexts', '-f', 'sarif', '--fail-on', 'none'], s);
    const sarif = JSON.parse(s.stdout.text);
    const results = sarif.runs[0].results;
    assert.ok(results.length > 0, 'live findings are results, not notifications');
    for (const r of results) {
        assert.equal(r.properties.cluster, 'prod-eu');
        assert.match(r.locations[0].logicalLocations[0].fullyQualifiedName, /^prod-eu\/[A-Za-z]+\//);
    }
    assert.ok(sarif.runs[0].invocations[0].toolExecutionNotifications.some((n) => n.properties?.cluster === 'broken' && n.properties.kind === 'kubeconfig'));
    assert.deepEqual(sarif.runs[0].invocations[0].properties.clusters.map((c) => c.name), ['prod-eu', 'broken']);
    const j = io(reader);
    await main(['scan', '--all-contexts', '-f', 'junit', '--fail-on', 'none'], j);
    assert.match(j.stdout.text, /classname="prod-eu\/[A-Za-z]+\/[^"]+" name="[A-Z]+\d+ cluster prod-eu"/);
    assert.match(j.stdout.text, /name="cluster broken: kubeconfig"/);
});
test('files and clusters in one run: files keep their positions, clusters their names', async () => {
    const objects = await exampleObjects('insecure');
    const x = io(fakeReader([{ summary: summary('live'), objects: () => fresh(objects, 'live') }]));
    await main(['scan', 'examples/insecure', '--context', 'live', '-f', 'json', '--fail-on', 'none'], x);
    const r = JSON.parse(x.stdout.text);
    const fromFiles = r.findings.filter((f) => f.resource.cluster === 'default');
    const fromCluster = r.findings.filter((f) => f.resource.cluster === 'live');
    assert.ok(fromFiles.length > 0 && fromFiles.length === fromCluster.length);
    assert.ok(fromFiles.every((f) => f.location?.file?.startsWith('examples/insecure/')));
    // A cluster's object has no file: its findings point at cluster, object and field (none for the default mesh config, an object made up).
    assert.ok(fromCluster.every((f) => f.location === null || (f.location.cluster === 'live' && f.location.file === undefined && f.location.line === undefined)));
    assert.ok(fromCluster.filter((f) => f.location).length > fromCluster.length / 2);
    assert.equal(r.summary.files, readdirSync(path.join(REPO_ROOT, 'examples', 'insecure')).filter((f) => f.endsWith('.yaml')).length);
    // Files first, then clusters: a stable order whatever order clusters finish in.
    assert.equal(r.findings.findIndex((f) => f.resource.cluster === 'live'), fromFiles.length);
});
test('annotation suppressions apply to cluster objects though the objects are gone by the report', async () => {
    const objects = await exampleObjects('insecure');
    const base = io(fakeReader([{ summary: summary('c'), objects: () => fresh(objects, 'c') }]));
    await main(['scan', '--context', 'c', '-f', 'json', '--fail-on', 'none'], base);
    const target = JSON.parse(base.stdout.text).findings.find((f) => f.severity !== 'critical' && f.resource.namespace);
    assert.ok(target);
    const annotated = () => fresh(objects, 'c').map((r) => r.kind === target.resource.kind && r.namespace === target.resource.namespace && r.name === target.resource.name ? { ...r, annotations: { ...r.annotations, 'meshward.io/ignore': target.ruleId } } : r);
    const x = io(fakeReader([{ summary: summary('c'), objects: annotated }]));
    await main(['scan', '--context', 'c', '-f', 'json', '--fail-on', 'none', '--show-suppressed'], x);
    const f = JSON.parse(x.stdout.text).findings.find((g) => g.fingerprint === target.fingerprint);
    assert.equal(f.suppressed?.kind, 'annotation');
});
test('a finished cluster\'s objects and model are not kept while the next clusters are analysed', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const objects = await exampleObjects('insecure');
    const refs = [];
    const alive = [];
    const reachable = () => {
        gc();
        return refs.filter((r) => r.deref() !== undefined).length;
    };
    // Before each cluster is asked for, the earlier ones are finished: none of their objects may stay
    // reachable. The reader waits for this check, so the run cannot move on (and free what it wrongly
    // kept) meanwhile. A V8 optimising-compile job may still hold a closure over the last model for a
    // few milliseconds (seen in a heap snapshot: persistent handles of the compiler, not meshward's), so
    // the check collects again a few times before it counts; what meshward keeps stays kept and fails.
    const beforeEach = async () => {
        let n = reachable();
        for (let tries = 0; n > 0 && tries < 20; tries++) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            n = reachable();
        }
        alive.push(n);
    };
    const clusters = Array.from({ length: 30 }, (_, i) => ({
        summary: summary(`c${i}`),
        objects: () => {
            const made = fresh(objects, `c${i}`);
            refs.push(new WeakRef(made[0]), new WeakRef(made[made.length - 1]));
            return made;
        },
    }));
    const x = io(fakeReader(clusters, [], beforeEach));
    assert.equal(await main(['scan', '--all-contexts', '-f', 'json', '--only', 'HJK001', '--fail-on', 'none'], x), 0, x.stderr.text);
    assert.deepEqual(alive, new Array(30).fill(0), `objects of finished clusters still reachable: ${alive.join(',')}`);
    assert.equal(JSON.parse(x.stdout.text).summary.clusters.length, 30);
});
test('progress: drawn on a terminal, never in CI, never with a machine format piped', async () => {
    const tty = { isTTY: true };
    const pipe = {};
    assert.equal(progressWanted({ stdout: tty, stderr: tty, env: {} }, 'text'), true);
    assert.equal(progressWanted({ stdout: tty, stderr: tty, env: { CI: 'true' } }, 'text'), false);
    assert.equal(progressWanted({ stdout: pipe, stderr: pipe, env: {} }, 'text'), false);
    assert.equal(progressWanted({ stdout: pipe, stderr: tty, env: {} }, 'json'), false);
    assert.equal(progressWanted({ stdout: pipe, stderr: tty, env: {} }, 'text'), true);
    const objects = await exampleObjects('secure');
    const reader = fakeReader([
        { summary: summary('one'), objects: () => fresh(objects, 'one') },
        { summary: summary('two', { status: 'error', errors: [{ kind: 'connection', status: null, message: 'connect ECONNREFUSED' }] }), objects: () => [] },
    ]);
    const x = io(reader, { tty: true });
    await main(['scan', '--all-contexts', '--fail-on', 'none'], x);
    assert.match(x.stderr.text, /✔ one {2}done {2}\d+ objects/);
    assert.match(x.stderr.text, /✖ two {2}error {2}connect ECONNREFUSED/);
    assert.match(x.stderr.text, /2 clusters: 1 done, 1 failed, 0 in progress/);
    assert.match(x.stderr.text, /\x1b\[\d+F/, 'rewritten in place');
    const ci = io(reader, { tty: true, env: { CI: 'true' } });
    await main(['scan', '--all-contexts', '--fail-on', 'none'], ci);
    assert.equal(ci.stderr.text, '');
});
test('posture and tenants: each cluster under its own heading, JSON clusters with their posture', async () => {
    const objects = await exampleObjects('insecure');
    const reader = () => fakeReader([
        { summary: summary('prod'), objects: () => fresh(objects, 'prod') },
        { summary: summary('down', { status: 'error', errors: [{ kind: 'connection', status: null, message: 'connect ECONNREFUSED 127.0.0.1:1' }] }), objects: () => [] },
    ]);
    const p = io(reader());
    assert.equal(await main(['posture', '--all-contexts', '-f', 'json'], p), 1, 'a cluster not read fails posture');
    const pj = JSON.parse(p.stdout.text);
    assert.ok(pj.workloads.length > 0 && pj.workloads.every((w) => w.cluster === 'prod'));
    assert.deepEqual(pj.clusters.map((c) => [c.name, c.status]), [['prod', 'ok'], ['down', 'error']]);
    assert.ok(pj.errors.some((e) => e.cluster === 'down' && e.kind === 'connection'));
    const files = io(reader());
    await main(['posture', 'examples/insecure', '-f', 'json'], files);
    assert.equal(pj.workloads.length, JSON.parse(files.stdout.text).workloads.length, 'the live cluster shows the workloads the files do');
    const pt = io(reader());
    await main(['posture', '--all-contexts'], pt);
    assert.match(pt.stdout.text, /^== cluster prod: ok, \d+ objects from https:\/\/prod\.example:6443\n/);
    assert.match(pt.stdout.text, /\n== cluster down: error, 0 objects/);
    const t = io(reader());
    assert.equal(await main(['tenants', '--context', 'prod', '--context', 'down', '-f', 'json'], t), 1);
    const tj = JSON.parse(t.stdout.text);
    const fileMap = io(reader());
    await main(['tenants', await canonicalFile(objects), '-f', 'json'], fileMap);
    assert.deepEqual(tj.clusters[0].tenants, JSON.parse(fileMap.stdout.text).tenants, 'the same tenant map as from the files');
    assert.match(t.stderr.text, /cluster down: connection: connect ECONNREFUSED/);
    const none = io(reader());
    assert.equal(await main(['tenants'], none), 2);
});
test('blast-radius from live clusters keeps only RBAC, credential Secrets and the mesh config of each', async () => {
    const byCluster = new Map();
    for (const name of ['east', 'north', 'west'])
        byCluster.set(name, await exampleObjects(`multicluster/${name}`));
    const reader = fakeReader([...byCluster].map(([name, objs]) => ({ summary: summary(name), objects: () => fresh(objs, name) })));
    const live = io(reader);
    assert.equal(await main(['blast-radius', '--all-contexts', '-f', 'json'], live), 0, live.stderr.text);
    const files = io(reader);
    await main(['blast-radius', '--cluster', 'east=examples/multicluster/east', '--cluster', 'north=examples/multicluster/north', '--cluster', 'west=examples/multicluster/west', '-f', 'json'], files);
    const lj = JSON.parse(live.stdout.text);
    const fj = JSON.parse(files.stdout.text);
    const reach = (j) => j.clusters.map((c) => `${c.cluster} => ${c.reach.map((r) => `${r.cluster}:${r.summary}`).join(',')}`);
    assert.deepEqual(reach(lj), reach(fj), 'the same reach as from the files');
    assert.ok(reach(fj).some((l) => /=> \w/.test(l)), 'the example has credential edges');
    assert.deepEqual(lj.trust.map((t) => t.kind).sort(), fj.trust.map((t) => t.kind).sort());
    assert.deepEqual(lj.liveClusters.map((c) => c.name), ['east', 'north', 'west']);
    const none = io(reader);
    assert.equal(await main(['blast-radius'], none), 2);
});
