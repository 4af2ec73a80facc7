import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR001-mesh-allow-any.js';
import { findingsFor } from '../../testing/kit.js';

const configMap = (mesh: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |
${mesh
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

test('ALLOW_ANY in the istio ConfigMap is high, at data.mesh', async () => {
  const f = await findingsFor(rule, configMap('outboundTrafficPolicy:\n  mode: ALLOW_ANY'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].resource.kind, 'ConfigMap');
  assert.equal(f[0].location?.path, 'data.mesh');
  assert.equal(f[0].location?.line, 7);
  assert.match(f[0].message, /^ConfigMap istio-system\/istio sets outboundTrafficPolicy\.mode ALLOW_ANY: sidecars pass traffic/);
});

test("an unset mode is high: Istio's default is ALLOW_ANY", async () => {
  for (const mesh of ['rootNamespace: istio-system', 'outboundTrafficPolicy: {}', 'outboundTrafficPolicy:\n  mode: null']) {
    const f = await findingsFor(rule, configMap(mesh));
    assert.equal(f.length, 1, mesh);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'data.mesh');
    assert.match(f[0].message, /sets no outboundTrafficPolicy\.mode, so Istio's default ALLOW_ANY applies/);
  }
});

test('REGISTRY_ONLY is clean', async () => {
  assert.deepEqual(await findingsFor(rule, configMap('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY')), []);
});

test('values Istio does not know are reported, never taken for REGISTRY_ONLY', async () => {
  const cases: Array<[string, RegExp]> = [
    ['outboundTrafficPolicy:\n  mode: registry_only', /sets outboundTrafficPolicy\.mode to "registry_only", which is not ALLOW_ANY or REGISTRY_ONLY/],
    ['outboundTrafficPolicy:\n  mode: 1', /sets outboundTrafficPolicy\.mode to 1, which is not/],
    ['outboundTrafficPolicy: REGISTRY_ONLY', /sets outboundTrafficPolicy to "REGISTRY_ONLY", which is not/],
    ['outboundTrafficPolicy: [REGISTRY_ONLY]', /sets outboundTrafficPolicy to \["REGISTRY_ONLY"\]/],
  ];
  for (const [mesh, re] of cases) {
    const f = await findingsFor(rule, configMap(mesh));
    assert.equal(f.length, 1, mesh);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, re);
  }
});

test('no mesh config in the input: low, defaults assumed, suggests --mesh-config', async () => {
  const f = await findingsFor(rule, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.equal(f[0].resource.kind, 'MeshConfig');
  assert.equal(f[0].location, null);
  assert.match(f[0].message, /No mesh config in the input .* Istio's default outboundTrafficPolicy ALLOW_ANY was assumed/);
  assert.match(f[0].message, /--mesh-config/);
});

test('a --mesh-config file is named and wins over the ConfigMap', async () => {
  const allowAny = { config: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } }, file: 'prod/mesh.yaml' };
  const f = await findingsFor(rule, configMap('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY'), { model: { meshConfig: allowAny } });
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].resource.kind, 'MeshConfig');
  assert.equal(f[0].location, null);
  assert.match(f[0].message, /^mesh config file "prod\/mesh\.yaml" sets outboundTrafficPolicy\.mode ALLOW_ANY/);

  const unset = { config: { rootNamespace: 'istio-system' }, file: 'mesh.yaml' };
  const g = await findingsFor(rule, configMap('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY'), { model: { meshConfig: unset } });
  assert.equal(g.length, 1);
  assert.match(g[0].message, /^mesh config file "mesh\.yaml" sets no outboundTrafficPolicy\.mode/);

  const registryOnly = { config: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, file: 'mesh.yaml' };
  assert.deepEqual(await findingsFor(rule, configMap('outboundTrafficPolicy:\n  mode: ALLOW_ANY'), { model: { meshConfig: registryOnly } }), []);
});

test('an IstioOperator is reported at the mode field itself', async () => {
  const iop = (meshConfig: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  profile: default
  meshConfig:
${meshConfig}
`;
  const f = await findingsFor(rule, iop('    outboundTrafficPolicy:\n      mode: ALLOW_ANY'));
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'spec.meshConfig.outboundTrafficPolicy.mode');
  assert.equal(f[0].location?.line, 8);
  assert.match(f[0].message, /^IstioOperator istio-system\/control-plane sets outboundTrafficPolicy\.mode ALLOW_ANY/);

  const g = await findingsFor(rule, iop('    accessLogFile: /dev/stdout'));
  assert.equal(g.length, 1);
  assert.equal(g[0].location?.path, 'spec.meshConfig');
  assert.match(g[0].message, /sets no outboundTrafficPolicy\.mode/);

  assert.deepEqual(await findingsFor(rule, iop('    outboundTrafficPolicy: {mode: REGISTRY_ONLY}')), []);
});

// Istio 1.1 added outboundTrafficPolicy with ALLOW_ANY as its default. Before it there was no such
// setting: the sidecar's virtual listener sent connections to unknown destinations to BlackHoleCluster.
// The control plane's version in the input decides which default a mesh config that says nothing gets.
const pilot = (image: string) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-pilot, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: pilot}}
  template:
    metadata: {labels: {istio: pilot}}
    spec:
      containers:
      - name: discovery
        image: ${image}
`;

test('an unset mode under an Istio older than 1.1 is not reported: unknown destinations were blocked', async () => {
  for (const image of ['docker.io/istio/pilot:1.0.6', 'docker.io/istio/pilot:0.8.0']) {
    assert.deepEqual(await findingsFor(rule, configMap('rootNamespace: istio-system') + pilot(image)), [], image);
  }
});

test('an unset mode under Istio 1.1 or later is high, and the newest control plane decides', async () => {
  for (const images of [['docker.io/istio/pilot:1.1.0'], ['docker.io/istio/pilot:1.0.6', 'gcr.io/istio-release/pilot:1.24.2']]) {
    const f = await findingsFor(rule, configMap('rootNamespace: istio-system') + images.map(pilot).join(''));
    assert.equal(f.length, 1, images.join(' '));
    assert.match(f[0].message, /sets no outboundTrafficPolicy\.mode, so Istio's default ALLOW_ANY applies/);
  }
});
