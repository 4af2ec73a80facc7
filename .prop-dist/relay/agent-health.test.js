import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_ACK_AGE_MS, readiness, startHealthServer } from './agent-health.js';
const NOW = 1_800_000_000_000;
const running = (lastAckAt) => ({ enrolled: true, synced: true, stats: { lastAckAt, snapshotComplete: lastAckAt !== null, resyncs: 1 } });
test('readiness: enrolled, synced and acknowledged within the bound; each missing part says which', () => {
    assert.equal(readiness(running(NOW - 1_000), NOW).ready, true);
    assert.equal(readiness(running(NOW - DEFAULT_MAX_ACK_AGE_MS), NOW).ready, true, 'the bound itself is still ready');
    const stale = readiness(running(NOW - DEFAULT_MAX_ACK_AGE_MS - 1), NOW);
    assert.deepEqual([stale.ready, stale.checks.acked, stale.lastAckAgeSeconds], [false, false, 120]);
    assert.deepEqual(readiness(running(null), NOW).checks, { enrolled: true, synced: true, acked: false });
    assert.deepEqual(readiness({ ...running(NOW), enrolled: false }, NOW).checks, { enrolled: false, synced: true, acked: true });
    assert.deepEqual(readiness({ ...running(NOW), synced: false }, NOW).checks, { enrolled: true, synced: false, acked: true });
    assert.equal(readiness({ enrolled: false, synced: null, stats: null }, NOW).ready, false, 'before anything');
    assert.equal(readiness(running(NOW - 5_000), NOW, 1_000).ready, false, 'a tighter bound');
});
test('health server: /healthz 200 always, /readyz 200 or 503 from the state, nothing else; closes cleanly', async (t) => {
    let state = { enrolled: false, synced: null, stats: null };
    const h = await startHealthServer({ host: '127.0.0.1', port: 0, state: () => state, now: () => NOW });
    t.after(() => h.close());
    const base = `http://127.0.0.1:${h.port}`;
    const live = await fetch(`${base}/healthz`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'ok' });
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal((await notReady.json()).status, 'not ready');
    state = running(NOW - 2_000);
    const ready = await fetch(`${base}/readyz?verbose=1`);
    assert.equal(ready.status, 200);
    const body = await ready.json();
    assert.deepEqual(body, { status: 'ready', ready: true, checks: { enrolled: true, synced: true, acked: true }, lastAckAgeSeconds: 2, snapshotComplete: true });
    assert.equal((await fetch(`${base}/metrics`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST', body: 'x' })).status, 405);
    assert.equal((await fetch(`${base}/healthz`, { method: 'HEAD' })).status, 200);
});
test('health server: a state that throws answers 500 and the server keeps serving', async (t) => {
    let fail = true;
    const h = await startHealthServer({
        host: '127.0.0.1',
        port: 0,
        state: () => {
            if (fail)
                throw new Error('boom');
            return running(NOW);
        },
        now: () => NOW,
    });
    t.after(() => h.close());
    assert.equal((await fetch(`http://127.0.0.1:${h.port}/readyz`)).status, 500);
    fail = false;
    assert.equal((await fetch(`http://127.0.0.1:${h.port}/readyz`)).status, 200);
});
