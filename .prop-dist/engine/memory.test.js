import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { scanFiles } from './scan.js';
/**
 * Memory on valid but heavy input (issue 10 class 6): every pod here breaks a dozen rules. What the
 * findings retain is measured on the heap after a full collection, so the figure does not depend on
 * machine load. Plain findings held about 1.2 KB each at first (a location's syntax tree per document,
 * message ropes, sliced fingerprints, a ResourceRef copy per finding), then about 600 bytes; compact
 * ones (what the CLI's scan makes) about 210, then 175 with locations kept as table rows instead of
 * objects. The bound below fails for plain findings, and for compact ones with location objects.
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
function heavyPods(n) {
    const docs = [];
    for (let i = 0; i < n; i++) {
        docs.push(`apiVersion: v1
kind: Pod
metadata:
  name: pod-${i}
  namespace: ns-${i % 50}
  annotations:
    traffic.sidecar.istio.io/excludeInboundPorts: "8080"
    traffic.sidecar.istio.io/excludeOutboundIPRanges: "0.0.0.0/0"
spec:
  hostNetwork: true
  containers:
  - name: app
    image: nginx
    securityContext:
      runAsUser: 1337
      privileged: true
      capabilities: {add: [NET_ADMIN, NET_RAW, SYS_ADMIN]}
  - name: istio-proxy
    image: evil/proxyv2:1.0
    securityContext: {runAsUser: 1337, capabilities: {add: [NET_ADMIN]}}
`);
    }
    return docs.join('---\n');
}
/** Only the findings of a scan: the model, the input and the rules' caches go, as in the CLI's scan. */
async function findingsOf(text, compactFindings) {
    const res = await scanFiles([{ file: 'pods.yaml', text, format: 'yaml' }], { jobs: 1, compactFindings });
    return res.findings;
}
function heapAfterGc() {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
}
test('compact findings retain under 200 bytes each once the model is gone, locations included', async () => {
    const text = heavyPods(2000);
    await findingsOf(heavyPods(20), true); // code compiled and data loaded once (the advisories) are not the findings'
    const before = heapAfterGc();
    const findings = await findingsOf(text, true);
    const after = heapAfterGc();
    assert.ok(findings.length > 20_000, `${findings.length} findings`);
    const perFinding = (after - before) / findings.length;
    assert.ok(perFinding < 200, `${Math.round(perFinding)} bytes retained per finding`);
    // Locations are still exact: the first container's runAsUser of the last pod.
    const last = findings.find((f) => f.ruleId === 'BYP001' && f.resource.name === 'pod-1999' && f.location?.path.startsWith('spec.containers[0]'));
    const lineOf = text.split('\n').findIndex((l, i) => l.includes('runAsUser: 1337') && text.split('\n').slice(0, i).some((x) => x.includes('name: pod-1999'))) + 1;
    assert.equal(last?.location?.line, lineOf);
    assert.match(last?.message ?? '', /pod-1999/);
});
test('plain findings (the default) retain more: the bound above can fail', async () => {
    const text = heavyPods(500);
    await findingsOf(heavyPods(20), false);
    const before = heapAfterGc();
    const findings = await findingsOf(text, false);
    const after = heapAfterGc();
    assert.ok((after - before) / findings.length > 250, `${Math.round((after - before) / findings.length)} bytes per plain finding`);
});
