/**
 * The relay end to end on one machine, for tests: the stand-in API server as the cluster, the
 * informer cache the agent reads, a SQLite store, the ingest listener over mutual TLS behind a fault
 * proxy, and the agent. Everything on 127.0.0.1 with ports from the OS, in a temp dir; `stop()` ends it all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startStandIn } from './apiserver/index.js';
import { openClusterCache } from '../cluster/informer.js';
import { openStore } from '../store/index.js';
import { RelayAgent } from '../relay/agent.js';
import { HttpsTransport } from '../relay/transport.js';
import { relayKinds } from '../relay/kinds.js';
import { objectKeyString } from '../relay/protocol.js';
import { wireKeyString } from '../relay/snapshot.js';
import { createRelayPki, fixedAgentIdentity, TestIdentityService } from './relay-pki.js';
import { startTestAgentListener } from './relay-server.js';
import { startFaultProxy } from './relay-proxy.js';
export async function startRelayRig(o = {}) {
    const cluster = o.cluster ?? 'east';
    const dir = mkdtempSync(join(tmpdir(), 'meshward-relay-'));
    const standIn = await startStandIn({ clusters: [{ name: cluster, objects: o.objects ?? [], folders: o.folders, bookmarkIntervalMs: 200 }] });
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, standIn.kubeconfig({ clusters: [cluster] }), { mode: 0o600 });
    const cache = await openClusterCache({ kubeconfig, inCluster: false, clusterNames: new Map(), allowExec: [], allowInsecureKubeconfig: false, requestTimeoutMs: 15_000, kinds: relayKinds(), env: {}, homedir: dir, cwd: dir });
    const store = o.external?.store ?? (await openStore({ engine: 'sqlite', dataDir: join(dir, 'data') }));
    if (!o.external)
        await store.createCluster(cluster, new Date());
    const pki = o.external?.pki ?? (await createRelayPki());
    const identity = new TestIdentityService(pki);
    await identity.registerCluster(cluster);
    const listener = o.external ? null : await startTestAgentListener({ store, identity, ingest: o.ingest, telemetry: o.telemetry });
    const proxy = await startFaultProxy(o.external?.port ?? listener.port);
    const creds = await pki.issueClient(cluster);
    const bodies = [];
    const client = new HttpsTransport({ server: new URL(`https://127.0.0.1:${proxy.port}`), serverCaPem: pki.caPem, identity: fixedAgentIdentity(cluster, creds), requestTimeoutMs: 10_000, onBody: (b) => bodies.push(b) });
    const log = pino({ level: o.verbose ? 'debug' : 'silent' }, process.stderr);
    const agent = new RelayAgent({ cluster, agentVersion: 'test', cache, client, log, flushIntervalMs: 20, backoffBaseMs: 20, backoffCapMs: 200, heartbeatMs: 60_000, ...o.agent });
    const running = agent.run();
    running.catch(() => undefined);
    const consistent = async () => {
        const want = new Map();
        for (const r of cache.resources())
            want.set(wireKeyString(r), String(r.obj?.metadata?.resourceVersion ?? ''));
        const missing = [];
        const extra = [];
        const stale = [];
        const seen = new Set();
        for await (const s of store.objects(cluster)) {
            const k = objectKeyString(s.key);
            seen.add(k);
            const rv = want.get(k);
            if (rv === undefined)
                extra.push(k);
            else if (String(s.object.obj.metadata?.resourceVersion ?? '') !== rv)
                stale.push(k);
        }
        for (const k of want.keys())
            if (!seen.has(k))
                missing.push(k);
        return { ok: !missing.length && !extra.length && !stale.length, missing, extra, stale };
    };
    const converged = (timeoutMs = 20_000) => new Promise((resolve, reject) => {
        let settled = false;
        let checking = false;
        const check = async () => {
            if (settled || checking)
                return;
            checking = true;
            try {
                const c = await consistent();
                if (c.ok && agent.stats.snapshotComplete)
                    finish();
            }
            finally {
                checking = false;
            }
        };
        const finish = (err) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            off();
            unsub();
            if (err)
                reject(err);
            else
                resolve();
        };
        const off = agent.onAck(() => void check());
        // A cache change with nothing to send yet (already stored) also settles it.
        const unsub = cache.subscribe(() => void check());
        const timer = setTimeout(async () => {
            const c = await consistent();
            finish(new Error(`the store did not converge on the cache within ${timeoutMs} ms: ${JSON.stringify({ missing: c.missing.slice(0, 5), extra: c.extra.slice(0, 5), stale: c.stale.slice(0, 5), stats: agent.stats })}`));
        }, timeoutMs);
        void check();
    });
    const cacheSees = (check, timeoutMs = 20_000) => new Promise((resolve, reject) => {
        const done = (err) => {
            clearTimeout(timer);
            unsub();
            if (err)
                reject(err);
            else
                resolve();
        };
        const unsub = cache.subscribe(() => {
            if (check(cache))
                done();
        });
        const timer = setTimeout(() => done(new Error(`the cache did not see the change within ${timeoutMs} ms`)), timeoutMs);
        if (check(cache))
            done();
    });
    return {
        dir,
        cacheSees,
        cluster,
        standIn,
        cache,
        store,
        pki,
        identity,
        listener,
        proxy,
        agent,
        client,
        running,
        bodies,
        converged,
        consistent,
        async stop() {
            agent.stop();
            await running.catch(() => undefined);
            client.close();
            await cache.close();
            await proxy.close();
            await listener?.close();
            if (!o.external)
                await store.close();
            await standIn.stop();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
