import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './ADV004-unknown-version.js';
import { findingsFor } from '../../testing/kit.js';
const pod = (containers) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: istio-system, labels: {istio.io/rev: 1-22-3}}
spec:
  containers:
${containers}
`;
test('digest-only, untagged and latest Istio images are reported as unknown, at info', async () => {
    const f = await findingsFor(rule, pod(`  - {name: discovery, image: "docker.io/istio/pilot@sha256:${'a'.repeat(64)}"}
  - {name: istio-proxy, image: "docker.io/istio/proxyv2"}
  - {name: ztunnel, image: "gcr.io/istio-release/ztunnel:latest"}`));
    assert.equal(f.length, 3);
    assert.ok(f.every((x) => x.severity === 'info'));
    const [digest, untagged, latest] = f.sort((a, b) => a.location.path.localeCompare(b.location.path));
    assert.match(digest.message, /^Container "discovery" of Pod istio-system\/p runs an Istio istiod \(control plane\) of unknown version .*pinned by digest only/);
    assert.match(untagged.message, /no tag/);
    assert.match(latest.message, /tag "latest" is not an Istio version/);
});
test('tagged versions, digests beside tags, and images that are not Istio are not reported', async () => {
    const f = await findingsFor(rule, pod(`  - {name: discovery, image: "docker.io/istio/pilot:1.31.1@sha256:${'a'.repeat(64)}"}
  - {name: app, image: "example/app@sha256:${'b'.repeat(64)}"}
  - {name: autopilot, image: "mycorp/pilot:latest"}`));
    assert.deepEqual(f, []);
});
test('a numeric IstioOperator tag is unknown, with the reason', async () => {
    const f = await findingsFor(rule, `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: cp, namespace: istio-system}
spec:
  tag: 1.20
`);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.tag');
    assert.match(f[0].message, /YAML number \(1\.2\).*quote it/);
});
