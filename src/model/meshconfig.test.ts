import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, scanYaml } from '../testing/kit.js';
import { scanFiles } from '../engine/scan.js';

const cm = (name: string, mesh: string, ns = 'istio-system') => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata:\n  mesh: |\n${mesh.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
const iop = (name: string, spec: string) => `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: ${name}, namespace: istio-system}\n${spec}\n`;

test('one mesh config: used, no note', async () => {
  const res = await scanYaml(cm('istio', 'rootNamespace: mesh-root'), { rules: [] });
  assert.equal(res.model.mesh.origin, 'configmap');
  assert.equal(res.model.rootNamespace, 'mesh-root');
  assert.deepEqual(res.model.mesh.notes, []);
});

test("several ConfigMaps: the default revision's `istio` wins whatever the order, and a note names the others", async () => {
  const res = await scanYaml([cm('istio-canary', 'rootNamespace: canary-root'), cm('istio', 'rootNamespace: main-root')].join('---\n'), { rules: [] });
  assert.equal(res.model.mesh.resource?.name, 'istio');
  assert.equal(res.model.rootNamespace, 'main-root');
  assert.equal(res.model.mesh.notes.length, 1);
  assert.match(res.model.mesh.notes[0], /^mesh config: the input holds 2 mesh configs; meshward uses ConfigMap istio-system\/istio \(the default revision's ConfigMap, which istiod reads\) and ignores ConfigMap istio-system\/istio-canary\. Istio does not merge them/);
  // Without a default one: the revision ConfigMaps by name, said so.
  const revs = await scanYaml([cm('istio-b', 'rootNamespace: b'), cm('istio-a', 'rootNamespace: a')].join('---\n'), { rules: [] });
  assert.equal(revs.model.mesh.resource?.name, 'istio-a');
  assert.match(revs.model.mesh.notes[0], /uses ConfigMap istio-system\/istio-a \(a revision ConfigMap/);
});

test('ConfigMap over IstioOperator, default-revision IstioOperator over revisioned ones', async () => {
  const both = await scanYaml([iop('main', 'spec: {meshConfig: {rootNamespace: from-iop}}'), cm('istio', 'rootNamespace: from-cm')].join('---\n'), { rules: [] });
  assert.equal(both.model.mesh.origin, 'configmap');
  assert.equal(both.model.rootNamespace, 'from-cm');
  assert.match(both.model.mesh.notes[0], /ignores IstioOperator istio-system\/main/);
  // Two install objects that read alike (unnamed IstioOperators of two files) are told apart by their files.
  const unnamed = 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {meshConfig: {accessLogFile: /dev/stdout}}\n';
  const twoFiles = await scanFiles([{ file: 'k8s/istio-operator.yaml', text: unnamed, format: 'yaml' }, { file: 'ngac/istio-operator.yaml', text: unnamed, format: 'yaml' }], { rules: [] });
  assert.match(twoFiles.model.mesh.notes[0], /uses IstioOperator default\/\(unnamed\) in k8s\/istio-operator\.yaml \(.*\) and ignores IstioOperator default\/\(unnamed\) in ngac\/istio-operator\.yaml\./);
  const ops = await scanYaml([iop('canary', 'spec: {revision: canary, meshConfig: {rootNamespace: canary}}'), iop('main', 'spec: {meshConfig: {rootNamespace: main}}')].join('---\n'), { rules: [] });
  assert.equal(ops.model.mesh.resource?.name, 'main');
  assert.match(ops.model.mesh.notes[0], /uses IstioOperator istio-system\/main \(the default-revision IstioOperator/);
});

// GoogleCloudPlatform/anthos-service-mesh-packages keeps an east-west gateway IstioOperator (profile
// empty, only ingressGateways) beside the control plane's: the gateway's renders no mesh config.
test('an IstioOperator that installs istiod over one of gateways alone, whatever the order and revision', async () => {
  const gateways = iop('eastwest', 'spec: {profile: empty, components: {ingressGateways: [{name: istio-eastwestgateway, enabled: true}]}}');
  const control = iop('control-plane', 'spec: {profile: empty, components: {pilot: {enabled: true}}, meshConfig: {rootNamespace: from-control}}');
  const res = await scanYaml([gateways, control].join('---\n'), { rules: [] });
  assert.equal(res.model.mesh.resource?.name, 'control-plane');
  assert.equal(res.model.rootNamespace, 'from-control');
  assert.match(res.model.mesh.notes[0], /uses IstioOperator istio-system\/control-plane \(the default-revision IstioOperator that installs istiod \(no rendered/);
  // A revisioned control plane over a default-revision gateway install; the default profile installs istiod.
  const revisioned = await scanYaml([gateways, iop('canary', 'spec: {revision: canary, meshConfig: {rootNamespace: canary}}')].join('---\n'), { rules: [] });
  assert.equal(revisioned.model.mesh.resource?.name, 'canary');
  // pilot turned off in a profile that would install it; none installs istiod: the first, said so.
  const none = await scanYaml([iop('a', 'spec: {profile: default, components: {pilot: {enabled: false}}}'), iop('b', 'spec: {profile: remote}')].join('---\n'), { rules: [] });
  assert.equal(none.model.mesh.resource?.name, 'a');
  assert.match(none.model.mesh.notes[0], /the default-revision IstioOperator, though none installs istiod/);
  // Every one installs istiod: nothing said about it.
  const all = await scanYaml([iop('main', 'spec: {profile: demo}'), iop('canary', 'spec: {revision: canary}')].join('---\n'), { rules: [] });
  assert.doesNotMatch(all.model.mesh.notes[0], /installs istiod/);
});

test('an IstioOperator without meshConfig is located at spec (a field that exists), or at the object', async () => {
  const res = await scanYaml(iop('main', 'spec: {profile: default}'), { rules: [] });
  assert.deepEqual(res.model.mesh.path, ['spec']);
  assert.deepEqual(res.model.mesh.config, {});
  const bare = await scanYaml(iop('main', ''), { rules: [] });
  assert.deepEqual(bare.model.mesh.path, []);
  const full = await scanYaml(iop('main', 'spec: {meshConfig: {accessLogFile: /dev/stdout}}'), { rules: [] });
  assert.deepEqual(full.model.mesh.path, ['spec', 'meshConfig']);
});

test('--mesh-config wins and the ignored in-input configs are named', async () => {
  const res = await scanYaml(cm('istio', 'rootNamespace: x'), { rules: [], model: { meshConfig: { config: { rootNamespace: 'file-root' }, file: 'mesh.yaml' } } });
  assert.equal(res.model.mesh.origin, 'file');
  assert.equal(res.model.rootNamespace, 'file-root');
  assert.match(res.model.mesh.notes[0], /--mesh-config mesh\.yaml is used; the mesh config in the input \(ConfigMap istio-system\/istio\) is ignored/);
});

test('scan prints the choice as a note (built CLI)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshward-mesh-'));
  const file = path.join(dir, 'mesh.yaml');
  writeFileSync(file, [cm('istio-canary', 'rootNamespace: istio-system'), cm('istio', 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}')].join('---\n'));
  const text = await runCli(['scan', file]);
  assert.match(text.stdout, /note: mesh config: the input holds 2 mesh configs; meshward uses ConfigMap istio-system\/istio/);
  const json = JSON.parse((await runCli(['scan', file, '--format', 'json'])).stdout);
  assert.ok(json.summary.notes.some((n: string) => n.startsWith('mesh config: the input holds 2 mesh configs')));
  assert.ok(!json.summary.notes.some((n: string) => /skipped/.test(n)), 'the choice is not counted as a skipped document');
});

// The Sail operator (istio-ecosystem/sail-operator; OpenShift Service Mesh 3): a cluster-scoped `Istio`
// with the mesh config under spec.values.meshConfig and the revision named after the resource.
const sail = (name: string, spec: string) => `apiVersion: sailoperator.io/v1\nkind: Istio\nmetadata: {name: ${name}}\n${spec}\n`;

test("a Sail Istio resource is a mesh config source: spec.values.meshConfig, its name as the revision, after the rendered ConfigMap", async () => {
  const one = await scanYaml(sail('default', 'spec: {version: v1.26.2, values: {meshConfig: {rootNamespace: sail-root}}}'), { rules: [] });
  assert.equal(one.model.mesh.origin, 'sail');
  assert.equal(one.model.rootNamespace, 'sail-root');
  assert.deepEqual(one.model.mesh.path, ['spec', 'values', 'meshConfig']);
  assert.equal(one.model.mesh.resource?.namespace, '', 'cluster-scoped');
  // Without values, or without meshConfig, it points at the nearest field that exists.
  assert.deepEqual((await scanYaml(sail('default', 'spec: {version: v1.26.2}'), { rules: [] })).model.mesh.path, ['spec']);
  assert.deepEqual((await scanYaml(sail('default', 'spec: {values: {pilot: {}}}'), { rules: [] })).model.mesh.path, ['spec', 'values']);
  // The default revision over another, whatever the order; the rendered ConfigMap over both.
  const two = await scanYaml([sail('canary', 'spec: {values: {meshConfig: {rootNamespace: canary}}}'), sail('default', 'spec: {values: {meshConfig: {rootNamespace: main}}}')].join('---\n'), { rules: [] });
  assert.equal(two.model.rootNamespace, 'main');
  assert.match(two.model.mesh.notes[0], /uses Istio default \(the default-revision Sail Istio resource/);
  const rendered = await scanYaml([sail('default', 'spec: {values: {meshConfig: {rootNamespace: from-sail}}}'), cm('istio', 'rootNamespace: from-cm')].join('---\n'), { rules: [] });
  assert.equal(rendered.model.mesh.origin, 'configmap');
  assert.match(rendered.model.mesh.notes[0], /ignores Istio default/);
  // Hostile shapes: no throw, Istio's defaults.
  for (const spec of ['spec: [1, 2]', 'spec: {values: [meshConfig]}', 'spec: {values: {meshConfig: "REGISTRY_ONLY"}}', 'spec: {values: {meshConfig: {__proto__: {rootNamespace: x}}}}']) {
    const r = await scanYaml(sail('default', spec), { rules: [] });
    assert.equal(r.model.rootNamespace, 'istio-system', spec);
  }
});

// A red-team input: a tenant's ConfigMap named `istio` naming its own namespace the root made that
// namespace the platform (its hijack no longer reported, generated Sidecars importing it).
const TENANTS = `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: evil, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: grab, namespace: evil}\nspec: {hosts: [web.shop.svc.cluster.local], http: [{route: [{destination: {host: web.shop.svc.cluster.local}}]}]}\n---\n`;

test("a mesh ConfigMap or IstioOperator of a tenant's namespace is not read: istiod reads its own namespace's; the note says how to have it read", async () => {
  for (const order of ['tenant-first', 'platform-first']) {
    const tenant = cm('istio', 'rootNamespace: evil', 'evil');
    const platform = cm('istio', 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
    const res = await scanYaml(TENANTS + (order === 'tenant-first' ? [tenant, platform] : [platform, tenant]).join('---\n'));
    assert.equal(res.model.mesh.resource?.namespace, 'istio-system', order);
    assert.equal(res.model.rootNamespace, 'istio-system');
    assert.ok(!res.model.isSystemNamespace('evil'));
    assert.ok(res.findings.some((f) => f.ruleId === 'HJK001' && f.resource.name === 'grab'), 'the hijack is reported');
    assert.ok(res.model.mesh.notes.some((n) => /^mesh config: ConfigMap evil\/istio is not read as the mesh config: istiod reads the one of its own namespace, and evil is not a control-plane namespace/.test(n)), res.model.mesh.notes.join('\n'));
  }
  const alone = await scanYaml(TENANTS + cm('istio', 'rootNamespace: evil', 'evil'), { rules: [] });
  assert.equal(alone.model.mesh.origin, 'defaults');
  const operator = await scanYaml(TENANTS + iop('evil', 'spec: {meshConfig: {rootNamespace: evil}}').replace('namespace: istio-system', 'namespace: evil'), { rules: [] });
  assert.equal(operator.model.rootNamespace, 'istio-system');
  // Read: a ConfigMap of a namespace configured as a system one, and one of a file that names no namespace.
  const configured = await scanYaml(cm('istio', 'rootNamespace: mesh-root', 'istio-control'), { rules: [], model: { systemNamespaces: ['istio-control'] } });
  assert.equal(configured.model.rootNamespace, 'mesh-root');
  const unplaced = await scanYaml(cm('istio', 'rootNamespace: mesh-root').replace(', namespace: istio-system', ''), { rules: [] });
  assert.equal(unplaced.model.rootNamespace, 'mesh-root');
});

test('a rootNamespace no namespace can be named (`*`) is an error, and the default root is assumed', async () => {
  const res = await scanYaml(cm('istio', 'rootNamespace: "*"'), { rules: [] });
  assert.equal(res.model.rootNamespace, 'istio-system');
  assert.ok(res.errors.some((e) => /rootNamespace "\*" is not a namespace name .*meshward assumed istio-system/.test(e.message)), JSON.stringify(res.errors));
});
