/**
 * kill -9 of the server during ingest: every batch the agent saw acknowledged is in the store after
 * the crash (the ack follows the commit), and after a restart on the same data the agent resumes in
 * the same epoch and catches up. The server runs in a child process; the agent reaches it through a
 * proxy that is pointed at the restarted one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRelayPki } from '../testing/relay-pki.js';
import { startRelayRig } from '../testing/relay-rig.js';
import { openStore } from '../store/index.js';
const MAIN = fileURLToPath(new URL('../testing/relay-server-main.js', import.meta.url));
function startChild(config) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [MAIN, config], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.stdout.on('data', (d) => {
            out += d;
            const m = /port (\d+)/.exec(out);
            if (m)
                resolve({ child, port: Number(m[1]) });
        });
        child.once('exit', (code) => reject(new Error(`server child exited (${code}) before listening: ${err}`)));
    });
}
test('kill -9 of the server mid-ingest loses no acknowledged batch; restarted, the agent resumes and catches up', { timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshward-relay-crash-'));
    const pki = await createRelayPki();
    const config = join(dir, 'server.json');
    writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'data'), caPem: pki.caPem, certPem: pki.server.certPem, keyPem: pki.server.keyPem, clusters: ['east'] }), { mode: 0o600 });
    let server = await startChild(config);
    const store = await openStore({ engine: 'sqlite', dataDir: join(dir, 'data') });
    const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, ...Array.from({ length: 30 }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: `s${i}` } }))];
    const rig = await startRelayRig({ objects, external: { port: server.port, pki, store }, agent: { maxBatchChanges: 4, flushChanges: 4 } });
    t.after(async () => {
        await rig.stop();
        server.child.kill('SIGKILL');
        await store.close();
        rmSync(dir, { recursive: true, force: true });
    });
    // Changes keep flowing while the server dies: one new Service per acknowledged batch.
    const h = rig.standIn.cluster('east').objects;
    let made = 0;
    let killedAt = null;
    const killed = new Promise((resolve) => {
        const off = rig.agent.onAck((s) => {
            if (made < 60)
                h.create({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: `live-${made++}` } }, null);
            if (s.snapshotComplete && s.acked >= 14 && !killedAt) {
                killedAt = { epoch: s.epoch, acked: s.acked };
                server.child.kill('SIGKILL');
                off();
                server.child.once('exit', () => resolve());
            }
        });
    });
    await killed;
    const after = await store.cursor('east');
    assert.equal(after.epoch, killedAt.epoch);
    assert.ok(after.seq >= killedAt.acked, `acknowledged seq ${killedAt.acked} but the store holds ${after.seq} after kill -9`);
    server = await startChild(config);
    rig.proxy.retarget(server.port);
    rig.proxy.cut();
    for (let i = 0; i < 5; i++)
        h.create({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: `after-${i}` } }, null);
    await rig.cacheSees((c) => !!c.get('Service', 'shop', 'after-4'));
    await rig.converged(60_000);
    assert.equal(rig.agent.stats.resyncs, 1, 'resumed in the same epoch, no new snapshot');
    assert.equal((await store.cursor('east')).epoch, killedAt.epoch);
});
