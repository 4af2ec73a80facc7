import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundError, DEFAULT_TUNING, listKind, retryAfterMs } from './list.js';
const POD = { key: 'Pod', group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, apiVersion: 'v1' };
/** A server that never ends its list: a new continue token on every page. */
function endless(fresh) {
    const api = {
        calls: 0,
        async getJson() {
            api.calls++;
            return { items: [{ metadata: { name: `p${api.calls}` } }], metadata: { continue: fresh ? `t${api.calls}` : 'same' } };
        },
    };
    return api;
}
test('a list that never ends is cut at the page bound, with an error for that kind', async () => {
    const api = endless(true);
    await assert.rejects(listKind(api, POD, { ...DEFAULT_TUNING, maxPagesPerKind: 50 }, { remaining: 1e9 }), (e) => e instanceof BoundError && /did not end after 50 pages/.test(e.message));
    assert.equal(api.calls, 50);
});
test('a repeated continue token is cut at once', async () => {
    const api = endless(false);
    await assert.rejects(listKind(api, POD, DEFAULT_TUNING, { remaining: 1e9 }), (e) => e instanceof BoundError && /same continue token twice/.test(e.message));
    assert.equal(api.calls, 2);
});
test('the object bound is shared by the kinds of a cluster', async () => {
    const budget = { remaining: 3 };
    const api = endless(true);
    await assert.rejects(listKind(api, POD, DEFAULT_TUNING, budget), (e) => e instanceof BoundError && /more than/.test(e.message));
    assert.equal(budget.remaining, 0);
});
test('Retry-After: seconds or an HTTP date, bounded, unreadable ignored', () => {
    assert.equal(retryAfterMs('3', 10_000), 3000);
    assert.equal(retryAfterMs('999999', 10_000), 10_000);
    assert.equal(retryAfterMs(undefined, 10_000), null);
    assert.equal(retryAfterMs('soon', 10_000), null);
    const at = new Date(Date.now() + 60_000).toUTCString();
    assert.equal(retryAfterMs(at, 10_000), 10_000);
    assert.equal(retryAfterMs(new Date(Date.now() - 60_000).toUTCString(), 10_000), 0);
});
