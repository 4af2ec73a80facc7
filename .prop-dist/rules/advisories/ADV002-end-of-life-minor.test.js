import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import rule from './ADV002-end-of-life-minor.js';
import { findingsFor } from '../../testing/kit.js';
import { setAdvisoryClock } from '../../advisories/database.js';
afterEach(() => setAdvisoryClock(null));
const pod = (image) => `apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-ingress}
spec:
  containers:
  - name: istio-proxy
    image: ${image}
`;
test('a minor past its end date is reported with the supported minors', async () => {
    setAdvisoryClock(new Date('2026-11-22T00:00:00Z'));
    const f = await findingsFor(rule, pod('docker.io/istio/proxyv2:1.22.8'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.containers[0].image');
    assert.match(f[0].message, /runs Istio 1\.22\.8 \(image docker\.io\/istio\/proxyv2:1\.22\.8\); minor 1\.22 reached end of support on 2025-01-22 and gets no more security fixes\. Supported minors \(advisory database of 2026-11-22\): 1\.30, 1\.31\./);
});
test('the end date is the boundary: supported the day before, not on the day', async () => {
    setAdvisoryClock(new Date('2026-10-11T12:00:00Z'));
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.29.7'))).length, 0);
    setAdvisoryClock(new Date('2026-10-12T00:00:00Z'));
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.29.7'))).length, 1);
});
test('supported minors, minors newer than the database and unknown versions are not reported', async () => {
    setAdvisoryClock(new Date('2026-11-22T00:00:00Z'));
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.31.1'))).length, 0);
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.30.0'))).length, 0);
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.33.0'))).length, 0, 'newer than the database: unknown, not EOL');
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:latest'))).length, 0);
});
test('a tag without patch still has a minor', async () => {
    setAdvisoryClock(new Date('2026-11-22T00:00:00Z'));
    const f = await findingsFor(rule, pod('docker.io/istio/proxyv2:1.20'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /minor 1\.20 reached end of support on 2024-06-25/);
});
test('minors older than the table are end-of-life', async () => {
    setAdvisoryClock(new Date('2026-11-22T00:00:00Z'));
    const f = await findingsFor(rule, pod('docker.io/istio/proxyv2:0.8.0'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /older than every minor the advisory database lists/);
});
