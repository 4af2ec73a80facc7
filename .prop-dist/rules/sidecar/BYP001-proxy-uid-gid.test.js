import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP001-proxy-uid-gid.js';
import { findingsFor } from '../../testing/kit.js';
const deployment = (podSc, containerSc, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: ${podSc}
      ${extra}
      containers:
      - name: app
        image: example/app:1.0
        securityContext: ${containerSc}
`;
test('UID 1337 on the container is reported at the container field', async () => {
    const f = await findingsFor(rule, deployment('{}', '{runAsUser: 1337}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0].securityContext.runAsUser');
    assert.equal(f[0].location?.line, 13);
    assert.match(f[0].message, /container "app".*UID 1337/);
});
test('GID 1337 inherited from the pod is reported at the pod field', async () => {
    const f = await findingsFor(rule, deployment('{runAsGroup: 1337}', '{}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.template.spec.securityContext.runAsGroup');
    assert.match(f[0].message, /GID 1337 \(inherited/);
});
test('a container value overrides the pod value', async () => {
    assert.equal((await findingsFor(rule, deployment('{runAsUser: 1337}', '{runAsUser: 1000}'))).length, 0);
    assert.equal((await findingsFor(rule, deployment('{runAsUser: 1000}', '{runAsUser: 1337}'))).length, 1);
});
test('init containers count, in every workload kind', async () => {
    const kinds = [
        ['v1', 'Pod', ''],
        ['apps/v1', 'StatefulSet', 'template'],
        ['apps/v1', 'DaemonSet', 'template'],
        ['apps/v1', 'ReplicaSet', 'template'],
        ['v1', 'ReplicationController', 'template'],
        ['batch/v1', 'Job', 'template'],
    ];
    for (const [apiVersion, kind] of kinds) {
        const podSpec = `
  initContainers:
  - name: setup
    image: example/setup:1
    securityContext: {runAsUser: 1337}
  containers:
  - {name: app, image: example/app:1}`;
        const body = kind === 'Pod' ? `spec:${podSpec}` : `spec:\n template:\n  spec:${podSpec.replace(/\n/g, '\n  ')}`;
        const f = await findingsFor(rule, `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: w, namespace: ns}\n${body}\n`);
        assert.equal(f.length, 1, kind);
        assert.match(f[0].message, /init container "setup"/);
    }
    const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ns}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          securityContext: {runAsUser: 1337}
          containers: [{name: job, image: example/job:1}]
`;
    const f = await findingsFor(rule, cron);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.jobTemplate.spec.template.spec.securityContext.runAsUser');
});
test('the genuine injected proxy may run as 1337; a look-alike may not', async () => {
    const pod = (image) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: app
    image: example/app:1
  - name: istio-proxy
    image: ${image}
    securityContext: {runAsUser: 1337, runAsGroup: 1337}
`;
    assert.equal((await findingsFor(rule, pod('docker.io/istio/proxyv2:1.24.2'))).length, 0);
    assert.equal((await findingsFor(rule, pod('istio/proxyv2:1.24.2-distroless'))).length, 0);
    assert.equal((await findingsFor(rule, pod('evil.example.com/istio/proxyv2:1.24.2'))).length, 2);
    assert.equal((await findingsFor(rule, pod('""'))).length, 0, 'an image-less istio-proxy only customises the injected proxy');
});
test('other UIDs and absent security contexts are fine', async () => {
    assert.equal((await findingsFor(rule, deployment('{runAsUser: 1000, runAsGroup: 3000}', '{}'))).length, 0);
    assert.equal((await findingsFor(rule, deployment('{}', '{}'))).length, 0);
    assert.equal((await findingsFor(rule, deployment('{runAsUser: 13370}', '{runAsGroup: 133}'))).length, 0);
});
