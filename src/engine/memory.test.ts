import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { scanFiles } from './scan.js';

/**
 * Memory on valid but heavy input (issue 10 class 6): every pod here breaks a dozen rules. What the
 * findings retain is measured on the heap after a full collection, so the figure does not depend on
 * machine load. Before the fix each finding held about 1.2 KB (a location's syntax tree per document,
 * message ropes, sliced fingerprints, a ResourceRef copy per finding); the bound below fails there.
 */

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heavyPods(n: number): string {
  const docs: string[] = [];
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

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('findings retain well under 1 KB each, locations included', async () => {
  const text = heavyPods(2000);
  const files = [{ file: 'pods.yaml', text, format: 'yaml' as const }];
  const before = heapAfterGc();
  const modelOnly = await scanFiles(files, { jobs: 1, rules: [] });
  const withModel = heapAfterGc();
  const full = await scanFiles(files, { jobs: 1 });
  const after = heapAfterGc();
  const findings = full.findings.length;
  assert.ok(findings > 20_000, `${findings} findings`);
  const perFinding = (after - withModel - (withModel - before)) / findings;
  assert.ok(perFinding < 1000, `${Math.round(perFinding)} bytes retained per finding`);
  // Locations are still exact: the first container's runAsUser of the last pod.
  const last = full.findings.find((f) => f.ruleId === 'BYP001' && f.resource.name === 'pod-1999' && f.location?.path.startsWith('spec.containers[0]'));
  const lineOf = text.split('\n').findIndex((l, i) => l.includes('runAsUser: 1337') && text.split('\n').slice(0, i).some((x) => x.includes('name: pod-1999'))) + 1;
  assert.equal(last?.location?.line, lineOf);
  assert.ok(modelOnly.model && full.model, 'both results stay alive until measured');
});
