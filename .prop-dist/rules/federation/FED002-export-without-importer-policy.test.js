import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './FED002-export-without-importer-policy.js';
import { findingsFor } from '../../testing/kit.js';
import { CARD_API, eastWestGateway } from '../../federation/fixtures.js';
const CARD = 'card-api.payments.svc.cluster.local';
const policy = (rules) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: card-api, namespace: payments}
spec:
  selector: {matchLabels: {app: card-api}}
  action: ALLOW
  rules: ${rules}
`;
test('an exported service without a policy naming callers is high, on the gateway host, with the workload as evidence', async () => {
    const f = await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}`);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts[0]');
    assert.match(f[0].message, /^Gateway istio-system\/federation-eastwest passes "card-api\.payments\.svc\.cluster\.local" through to Service payments\/card-api, but its workloads \(Deployment payments\/card-api\) are not limited to callers named by principal/);
    assert.ok(f[0].evidence.some((e) => e.role === 'workload' && e.resource?.name === 'card-api'));
});
test('a wildcard over the namespace exports its services too', async () => {
    const f = await findingsFor(rule, `${eastWestGateway(['*.payments.svc.cluster.local'])}---\n${CARD_API}`);
    assert.equal(f.length, 1);
});
test('policies that admit anyone, or some caller without principals, do not count', async () => {
    for (const rules of ['[{}]', '[{from: [{source: {principals: ["*"]}}]}]', '[{from: [{source: {namespaces: [shop]}}]}]', '[{from: [{source: {principals: [west.example.com/ns/shop/sa/checkout]}}]}, {to: [{operation: {ports: ["8080"]}}]}]']) {
        const f = await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}---\n${policy(rules)}`);
        assert.equal(f.length, 1, rules);
    }
});
test('a policy naming the importers, or an allow-nothing policy, closes it; services not in the input are not judged', async () => {
    assert.deepEqual(await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}---\n${policy('[{from: [{source: {principals: [west.example.com/ns/shop/sa/checkout]}}]}]')}`), []);
    assert.deepEqual(await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny, namespace: payments}\nspec: {}\n`), []);
    assert.deepEqual(await findingsFor(rule, eastWestGateway(['ledger.payments.svc.cluster.local', '*.local'])), []);
});
test('a default deny plus an ALLOW policy that admits anyone is open: ALLOW policies add up', async () => {
    const deny = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny, namespace: payments}\nspec: {}\n';
    assert.equal((await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}---\n${deny}---\n${policy('[{to: [{operation: {ports: ["8080"]}}]}]')}`)).length, 1);
});
test('a dry-run policy does not count', async () => {
    const dry = policy('[{from: [{source: {principals: [west.example.com/ns/shop/sa/checkout]}}]}]').replace('namespace: payments}', 'namespace: payments, annotations: {istio.io/dry-run: "true"}}');
    assert.equal((await findingsFor(rule, `${eastWestGateway([CARD])}---\n${CARD_API}---\n${dry}`)).length, 1);
});
