/**
 * The telemetry flags of `meshward agent` and `meshward server` (src/cli/telemetry-relay.ts): usage
 * errors through the built CLI, and `server --prometheus CLUSTER=URL` assembled from its flags
 * querying a real Prometheus into the store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { runCli } from '../testing/kit.js';
import { bookinfoTraffic, openMetricsFor, startPrometheus } from '../testing/prometheus.js';
import { startServerFromFlags } from './commands/server.js';
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
describe('telemetry flags of agent and server', () => {
    it('refuses what cannot work, naming the flag', async () => {
        const bare = await runCli(['server', '--data', os.tmpdir(), '--prometheus', 'http://prometheus:9090']);
        assert.equal(bare.code, 2, bare.stderr);
        assert.match(bare.stderr, /whose Prometheus it is: give CLUSTER=URL/);
        const badName = await runCli(['server', '--data', os.tmpdir(), '--prometheus', 'East_1=http://prometheus:9090']);
        assert.equal(badName.code, 2, badName.stderr);
        assert.match(badName.stderr, /not a cluster name/);
        const interval = await runCli(['server', '--data', os.tmpdir(), '--prometheus', 'east=http://prometheus:9090', '--telemetry-interval', '5s']);
        assert.equal(interval.code, 2);
        assert.match(interval.stderr, /--telemetry-interval 5s: give a duration from 1m to 24h/);
        const secret = await runCli(['server', '--data', os.tmpdir(), '--prometheus', 'http://user:hunter2-canary@prometheus:9090']);
        assert.equal(secret.code, 2);
        assert.ok(!secret.stderr.includes('hunter2-canary'), 'the password never shows');
        const noUrl = await runCli(['agent', '--server', 'https://127.0.0.1:1', '--cluster', 'east', '--server-ca', '/nonexistent', '--window', '1h']);
        assert.equal(noUrl.code, 2);
        assert.match(noUrl.stderr, /give --prometheus URL too/);
        const two = await runCli(['agent', '--server', 'https://127.0.0.1:1', '--cluster', 'east', '--server-ca', '/nonexistent', '--prometheus', 'http://a:9090', '--prometheus', 'http://b:9090']);
        assert.equal(two.code, 2);
        assert.match(two.stderr, /give --prometheus once/);
    });
    describe('server --prometheus CLUSTER=URL', () => {
        let prom;
        let dir;
        before(async () => {
            prom = await startPrometheus(openMetricsFor(bookinfoTraffic(), { endSeconds: END, windowSeconds: 3600 }));
            dir = await mkdtemp(path.join(os.tmpdir(), 'meshward-server-telemetry-'));
        });
        after(async () => {
            await prom?.stop();
            if (dir)
                await rm(dir, { recursive: true, force: true });
        });
        it('queries the cluster Prometheus on start and stores its aggregates (via server)', async () => {
            const flags = { data: dir, host: '127.0.0.1', agentPort: '0', apiPort: '0', retention: '0', prometheus: [`east=${prom.url}`], window: '2h', telemetryInterval: '1h' };
            const io = { cwd: dir, env: {}, stdout: process.stdout, stderr: process.stderr };
            const { server } = await startServerFromFlags(flags, io, pino({ level: 'silent' }));
            try {
                // The poller's first round runs at start; the store is the only place to see it finish.
                const { openStore } = await import('../store/index.js');
                const store = await openStore({ engine: 'sqlite', dataDir: dir });
                try {
                    const deadline = Date.now() + 60_000;
                    let rec = await store.getTelemetry('east');
                    while (!rec && Date.now() < deadline) {
                        await new Promise((r) => setTimeout(r, 50));
                        rec = await store.getTelemetry('east');
                    }
                    assert.ok(rec, 'telemetry stored within 60 s');
                    assert.equal(rec.via, 'server');
                    assert.equal(rec.windowSeconds, 7200);
                    assert.ok(rec.edges.length >= 10, `edges: ${rec.edges.length}; notes: ${rec.notes.join('; ')}`);
                }
                finally {
                    await store.close();
                }
            }
            finally {
                await server.close();
            }
        });
    });
});
