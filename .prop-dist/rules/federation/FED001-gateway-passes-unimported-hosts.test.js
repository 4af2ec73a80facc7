import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './FED001-gateway-passes-unimported-hosts.js';
import { findingsFor } from '../../testing/kit.js';
import { eastWestGateway, importOf, twoMeshPlan } from '../../federation/fixtures.js';
const CARD = 'card-api.payments.svc.cluster.local';
test('a passed-through host that no import in the input names is reported, on its hosts entry', async () => {
    const f = await findingsFor(rule, `${eastWestGateway([CARD, 'admin.payments.svc.cluster.local'])}---\n${importOf()}`);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts[1]');
    assert.match(f[0].message, /^Gateway istio-system\/federation-eastwest server 0 \(port 15443\) passes TLS through for "admin\.payments\.svc\.cluster\.local", which nothing in the scanned manifests imports/);
});
test('wildcards are wider than any import; the AUT019 wildcards are left to AUT019', async () => {
    const f = await findingsFor(rule, `${eastWestGateway([CARD, '*.payments.svc.cluster.local', '*.local', '*'])}---\n${importOf()}`);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts[1]');
    assert.match(f[0].message, /wildcard "\*\.payments\.svc\.cluster\.local".*import only card-api\.payments\.svc\.cluster\.local of them/);
});
test('exactly the imported hosts, a gateway without AUTO_PASSTHROUGH, or one mesh scanned alone: nothing', async () => {
    assert.deepEqual(await findingsFor(rule, `${eastWestGateway([CARD])}---\n${importOf()}`), []);
    assert.deepEqual(await findingsFor(rule, `${eastWestGateway([CARD, 'admin.payments.svc.cluster.local'], 'PASSTHROUGH')}---\n${importOf()}`), []);
    // No import of this gateway's hosts in the input: its peers were not scanned, so nothing is judged.
    assert.deepEqual(await findingsFor(rule, eastWestGateway([CARD, 'admin.payments.svc.cluster.local'])), []);
});
test('with a plan, the plan says what is exported, whatever the input imports', async () => {
    const federationPlan = await twoMeshPlan();
    assert.deepEqual(await findingsFor(rule, eastWestGateway([CARD]), { settings: { federationPlan } }), []);
    const f = await findingsFor(rule, eastWestGateway([CARD, 'ledger.payments.svc.cluster.local']), { settings: { federationPlan } });
    assert.equal(f.length, 1);
    assert.match(f[0].message, /"ledger\.payments\.svc\.cluster\.local", which nothing in the federation plan plan\.yaml imports \(no mesh exports it\)/);
});
test('hostile hosts: wrong types and control characters are skipped or quoted', async () => {
    const f = await findingsFor(rule, `${eastWestGateway([CARD, 'evil\u2028host'])}---\n${importOf()}`.replace('hosts: [', 'hosts: [42, {a: 1}, '));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts[3]');
    assert.ok(!/\u2028/.test(f[0].message));
});
