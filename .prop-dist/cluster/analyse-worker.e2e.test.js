/**
 * The built CLI reads the bundled examples from the stand-in API server twice, clusters analysed in
 * worker threads and on the main thread (MESHWARD_LIVE_WORKERS=0): every report format is the same,
 * byte for byte, but for the times measured (durations).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandIn } from '../testing/apiserver/index.js';
import { REPO_ROOT, runCli } from '../testing/kit.js';
const EXAMPLES = [
    ['insecure', 'examples/insecure'],
    ['secure', 'examples/secure'],
    ...['east', 'north', 'west'].map((n) => [n, `examples/multicluster/${n}`]),
];
let standIn;
let dir;
let kubeconfig;
before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-analyse-worker-e2e-'));
    standIn = await startStandIn({ clusters: EXAMPLES.map(([name, folder]) => ({ name, folders: [path.join(REPO_ROOT, folder)], crds: ['istio', 'gateway-api'] })) });
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await fs.writeFile(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
});
after(async () => {
    await standIn?.stop();
    if (dir)
        await fs.rm(dir, { recursive: true, force: true });
});
/** Times measured differ from run to run; nothing else may. */
function withoutTimes(s) {
    return s
        .replace(/"durationMs":\s*\d+/g, '"durationMs":0')
        .replace(/\b\d+ ms\b/g, '0 ms')
        .replace(/ time="[\d.]+"/g, ' time="0"');
}
for (const format of ['json', 'sarif', 'junit', 'text', 'compact', 'gitlab']) {
    test(`${format}: clusters analysed in worker threads report what the main thread reports`, async () => {
        // Files and clusters in one run, with a baseline-free config: the merged report must not depend on where clusters were analysed.
        const args = ['scan', 'examples/secure', '--kubeconfig', kubeconfig, '--all-contexts', '--cluster-concurrency', '3', '-f', format, '--fail-on', 'none'];
        const env = { HOME: dir, KUBECONFIG: '', CI: '1' };
        const [inThread, inWorkers] = await Promise.all([runCli(args, { env: { ...env, MESHWARD_LIVE_WORKERS: '0' } }), runCli(args, { env: { ...env, MESHWARD_LIVE_WORKERS: '2' } })]);
        assert.equal(inWorkers.code, inThread.code, inWorkers.stderr);
        assert.equal(inThread.code, 0, inThread.stderr);
        assert.ok(inThread.stdout.length > 5000, 'a report with findings to compare');
        // GitLab's issues name rules and objects, not clusters.
        if (format !== 'gitlab')
            for (const [name] of EXAMPLES)
                assert.ok(inThread.stdout.includes(name), `${format}: cluster ${name} is in the report`);
        assert.equal(withoutTimes(inWorkers.stdout), withoutTimes(inThread.stdout));
        assert.equal(withoutTimes(inWorkers.stderr), withoutTimes(inThread.stderr));
    });
}
