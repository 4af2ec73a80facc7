import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP001-proxy-uid-gid.js';
import { findingsFor } from '../../testing/kit.js';

const deployment = (podSc: string, containerSc: string, extra = '') => `
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
  const kinds: Array<[string, string, string]> = [
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
  const pod = (image: string) => `apiVersion: v1
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

// Istio's istiod Deployment set runAsUser and runAsGroup 1337 through 1.19 (istio/istio#45394 removed
// them in 1.20); real installs of those versions, and demos built on them, run it so.
// Their pod template also turns injection off, which alone leaves them out (no sidecar to skip); the
// image tests below drop that annotation to hold the istiod exemption on its own.
const istiod = (image: string, name = 'discovery', optOut = false) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod-1-8-3, namespace: istio-system}
spec:
  template:
    metadata:
      annotations: {${optOut ? 'sidecar.istio.io/inject: "false"' : 'prometheus.io/scrape: "true"'}}
    spec:
      containers:
      - name: ${name}
        image: ${image}
        securityContext: {runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true}
`;

test("istiod from a hub whose proxy is trusted may run as 1337 (Istio's own Deployment did through 1.19)", async () => {
  for (const image of ['docker.io/istio/pilot:1.8.3', 'gcr.io/istio-release/pilot:1.19.3-distroless', 'registry.istio.io/release/pilot:1.30.1']) {
    assert.deepEqual(await findingsFor(rule, istiod(image)), [], image);
  }
});

test('a pilot image from another registry, or an application image in an istiod-looking Deployment, is reported', async () => {
  assert.equal((await findingsFor(rule, istiod('docker.io/mirror-of-istio/pilot:1.8.3'))).length, 2);
  assert.equal((await findingsFor(rule, istiod('docker.io/istio/examples-bookinfo-ratings-v1:1.8.3'))).length, 2);
  // A pinned trusted proxy entry does not make its hub's pilot trusted: the pin is for that one image.
  const pinned = { settings: { trustedProxyImages: ['docker.io/istio/proxyv2@sha256:' + 'a'.repeat(64)], systemNamespaces: [] } };
  assert.equal((await findingsFor(rule, istiod('docker.io/istio/pilot:1.8.3'), pinned)).length, 2);
  // With injection turned off, as Istio's template writes it, there is no sidecar whatever the image.
  assert.deepEqual(await findingsFor(rule, istiod('docker.io/mirror-of-istio/pilot:1.8.3', 'discovery', true)), []);
});

// istio/istio's gateway controller renders a Deployment for each Gateway API Gateway and waypoint
// (pilot/pkg/config/kube/gatewaycommon/testdata/deployment): the pod label sidecar.istio.io/inject
// "false", and its proxy (istio-proxy, or agentgateway) running as UID and GID 1337.
test('pods that turn injection off, and ambient pods, have no sidecar redirection for 1337 to skip', async () => {
  const gatewayPod = (inject: string, where: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: waypoint, namespace: shop}
spec:
  template:
    metadata:
      ${where}: {sidecar.istio.io/inject: "${inject}", istio.io/dataplane-mode: none}
    spec:
      containers:
      - name: agentgateway
        image: registry.example.com/agentgateway:1.0
        securityContext: {runAsUser: 1337, runAsGroup: 1337}
`;
  assert.deepEqual(await findingsFor(rule, gatewayPod('false', 'labels')), []);
  assert.deepEqual(await findingsFor(rule, gatewayPod('no', 'annotations')), []);
  // Asking for a sidecar keeps the finding: its redirection exempts 1337.
  assert.equal((await findingsFor(rule, gatewayPod('true', 'labels'))).length, 2);
  // In an ambient namespace, ztunnel's in-pod rules match a packet mark, not the owner; a sidecar namespace keeps it.
  const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: ${labels}}\n---\n`;
  assert.deepEqual(await findingsFor(rule, ns('{istio.io/dataplane-mode: ambient}') + deployment('{runAsUser: 1337}', '{}').replace('name: web, namespace: shop', 'name: web, namespace: shop')), []);
  assert.equal((await findingsFor(rule, ns('{istio-injection: enabled}') + deployment('{runAsUser: 1337}', '{}'))).length, 1);
});
