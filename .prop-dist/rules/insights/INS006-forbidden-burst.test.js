import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule, { MIN_FORBIDDEN } from './INS006-forbidden-burst.js';
import { deployment, insightsFor, namespace } from '../../testing/insights.js';
const shop = namespace('shop') + deployment('shop', 'web');
test('a burst of 403 from one source across destinations is medium, with counts and share', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'shop/web', to: 'pay/payments', requests: 200, codes: { '403': 180, '200': 20 } },
        { from: 'shop/web', to: 'pay/ledger', requests: 50, codes: { '403': 50 } },
        { from: 'shop/web', to: 'shop/cart', requests: 250, codes: { '200': 250 } },
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /^Deployment shop\/web was refused 230 times with 403 over the last 1h \(92% of its 250 requests to them\), by 2 destinations: "pay"\/"payments" \(180\), "pay"\/"ledger" \(50\)\./);
});
test('thresholds: below the count, or a small share of a busy client, is not probing', async () => {
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/web', to: 'pay/payments', requests: MIN_FORBIDDEN - 1, codes: { '403': MIN_FORBIDDEN - 1 } }]), []);
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/web', to: 'pay/payments', requests: 10000, codes: { '403': 100, '200': 9900 } }]), []);
    // Busy elsewhere: the share counts only requests to the refusing destinations.
    const busy = await insightsFor(rule, shop, [
        { from: 'shop/web', to: 'pay/payments', requests: 30, codes: { '403': 30 } },
        { from: 'shop/web', to: 'shop/cart', requests: 100000 },
    ]);
    assert.equal(busy.length, 1);
    assert.match(busy[0].message, /100% of its 30 requests to them/);
    const at = await insightsFor(rule, shop, [{ from: 'shop/web', to: 'pay/payments', requests: MIN_FORBIDDEN, codes: { '403': MIN_FORBIDDEN } }]);
    assert.equal(at.length, 1);
});
test('each request counts once: source-side reports of the same requests are ignored', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'shop/web', to: 'pay/payments', reporter: 'source', requests: 15, codes: { '403': 15 } },
        { from: 'shop/web', to: 'pay/payments', reporter: 'destination', requests: 15, codes: { '403': 15 } },
    ]);
    assert.deepEqual(f, []);
});
test('an unknown source is keyed by its principal and reported on the mesh config', async () => {
    const f = await insightsFor(rule, shop, [{ from: 'unknown', to: 'shop/web', requests: 40, codes: { '403': 40 } }]);
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.name, 'istio-defaults');
    assert.match(f[0].message, /^an unknown source was refused 40 times/);
});
