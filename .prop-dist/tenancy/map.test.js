import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { tenantMap } from './map.js';
test('the tenant map marks a claim on another namespace\'s Service name as a conflict, though that Service is not in the input', async () => {
    const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grab, namespace: shop}
spec:
  hosts: [ledger.billing.svc.cluster.local, cart.shop.svc.cluster.local]
  http: [{route: [{destination: {host: cart}}]}]
`;
    const { model } = await scanYaml(text, { rules: [] });
    const shop = tenantMap(model).find((t) => t.name === 'shop');
    const byHost = new Map(shop.claims.map((c) => [c.host, c.conflictsWith]));
    assert.deepEqual(byHost.get('ledger.billing.svc.cluster.local'), ['billing']);
    assert.deepEqual(byHost.get('cart.shop.svc.cluster.local'), []);
    // Asking about billing did not add it to the namespaces the input names.
    assert.deepEqual(model.namespaces().map((n) => n.name), ['shop']);
});
