/**
 * Memory follows --cluster-concurrency, not the number of clusters: many small clusters served by the
 * stand-in, read by the real reader, and scanned in process, with a weak reference to one object of
 * every cluster. When a cluster is handed over for analysis, the objects of clusters analysed before it
 * are gone; only clusters still in flight may be alive.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadObjectSet, startStandIn } from '../testing/apiserver/index.js';
import { REPO_ROOT } from '../testing/kit.js';
import { readClusters } from '../cluster/read.js';
import { main } from './main.js';
const CLUSTERS = 24;
const CONCURRENCY = 2;
let standIn;
let dir;
before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-live-memory-'));
    // One object set shared by every cluster: the stand-in holds one copy, each cluster is read in full.
    const objects = await loadObjectSet([path.join(REPO_ROOT, 'examples/secure')], { crds: ['istio', 'gateway-api'] });
    standIn = await startStandIn({ clusters: Array.from({ length: CLUSTERS }, (_, i) => ({ name: `c${i}`, objects })) });
    await fs.writeFile(path.join(dir, 'kubeconfig.yaml'), standIn.kubeconfig(), { mode: 0o600 });
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
test(`${CLUSTERS} clusters at --cluster-concurrency ${CONCURRENCY}: a finished cluster's objects are not kept`, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const refs = [];
    const aliveAtHandover = [];
    let handedOver = 0;
    // The real reader, watched: before each cluster goes to the CLI, count the earlier ones still reachable.
    const watched = (opts, consume) => readClusters(opts, async (read) => {
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        aliveAtHandover.push(refs.filter((r) => r.deref() !== undefined).length);
        if (read.resources.length)
            refs.push(new WeakRef(read.resources[0]));
        handedOver++;
        await consume(read);
    });
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await main(['scan', '--kubeconfig', path.join(dir, 'kubeconfig.yaml'), '--all-contexts', '--cluster-concurrency', String(CONCURRENCY), '-f', 'json', '--fail-on', 'none'], { stdout, stderr, env: { NO_COLOR: '1' }, cwd: REPO_ROOT, homedir: dir, readClusters: watched });
    assert.equal(code, 0, stderr.text);
    const report = JSON.parse(stdout.text);
    assert.equal(report.summary.clusters.length, CLUSTERS);
    assert.ok(report.summary.clusters.every((c) => c.status === 'ok' && c.resources > 0));
    assert.equal(handedOver, CLUSTERS);
    // At a handover, the clusters still being analysed by the other workers may be alive; no more.
    assert.ok(Math.max(...aliveAtHandover) < CONCURRENCY, `objects of finished clusters still reachable at handovers: ${aliveAtHandover.join(',')}`);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'nothing of any cluster is left after the report');
});
