import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT005-insecure-skip-verify.js';
import { findingsFor } from '../../testing/kit.js';
import { destinationRule, docs } from './fixtures.js';
test('insecureSkipVerify: high, on the flag, wherever the tls block is', async () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: billing, namespace: payments}
spec:
  host: billing.legacy.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      insecureSkipVerify: true
  subsets:
  - name: v2
    trafficPolicy:
      portLevelSettings:
      - port: {number: 8443}
        tls: {mode: MUTUAL, insecureSkipVerify: "true", credentialName: c}
`;
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 2);
    const top = f.find((x) => x.location?.path === 'spec.trafficPolicy.tls.insecureSkipVerify');
    assert.equal(top.severity, 'high');
    assert.equal(top.location?.line, 9);
    assert.equal(top.message, 'DestinationRule payments/billing sets insecureSkipVerify for billing.legacy.example.com (trafficPolicy, SIMPLE): the proxy accepts any server certificate, so an interceptor can pose as the server.');
    const sub = f.find((x) => x.location?.path === 'spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify');
    assert.match(sub.message, /\(subset v2: port 8443, MUTUAL\)/);
});
test('negatives: false, absent, not a boolean', async () => {
    for (const v of [false, undefined, 'yes', 1]) {
        assert.deepEqual(await findingsFor(rule, docs(destinationRule('p', 'b', { host: 'b.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: v } } }))), []);
    }
});
