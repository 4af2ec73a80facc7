import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { componentOfImage, detectIstioVersions, versionOfImage, type DetectedVersion } from './detect.js';
import { parseImage } from '../model/images.js';
import { formatVersion } from './version.js';

async function detect(yaml: string): Promise<DetectedVersion[]> {
  const res = await scanYaml(yaml, { rules: [] });
  assert.deepEqual(res.errors, []);
  return detectIstioVersions(res.model);
}

const deployment = (ns: string, name: string, containers: string, podMeta = '{}', meta = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}${meta}}
spec:
  template:
    metadata: ${podMeta}
    spec:
      containers:
${containers}
`;

test('component images on any registry and path', () => {
  const cases: Array<[string, string | null]> = [
    ['docker.io/istio/pilot:1.22.3', 'istiod'],
    ['istio/pilot:1.22.3', 'istiod'],
    ['gcr.io/istio-release/proxyv2:1.22.3', 'proxy'],
    ['registry.corp.example:5000/mirror/istio/ztunnel:1.22.3', 'ztunnel'],
    ['us-docker.pkg.dev/gloo-mesh/istio-1234/install-cni:1.22.3-solo', 'cni'],
    ['localhost/proxyv2:1.22.3', 'proxy'],
    ['docker.io/library/nginx:1.22.3', null],
    ['docker.io/istio/proxyv2-evil:1.22.3', null],
    ['docker.io/istio/pilotless:1.22.3', null],
  ];
  for (const [image, component] of cases) assert.equal(componentOfImage(parseImage(image)!), component, image);
});

test('image tags: suffixes, digests, no tag, non-version tags', () => {
  const v = (i: string) => versionOfImage(parseImage(i)!);
  assert.equal(formatVersion(v('istio/proxyv2:1.22.3-distroless').version!), '1.22.3');
  assert.equal(v('istio/proxyv2:1.22.3-solo').version!.vendor, 'solo');
  assert.equal(v('istio/proxyv2:1.22.3-tetrate-v0').version!.vendor, 'tetrate-v0');
  assert.equal(formatVersion(v('istio/proxyv2:1.22.3@sha256:' + 'a'.repeat(64)).version!), '1.22.3', 'a tag beside a digest still says the version');
  const digest = v('istio/proxyv2@sha256:' + 'a'.repeat(64));
  assert.equal(digest.version, null);
  assert.match(digest.reason!, /pinned by digest only/);
  assert.match(v('istio/proxyv2').reason!, /no tag/);
  assert.match(v('istio/proxyv2:latest').reason!, /tag "latest" is not an Istio version/);
});

test('containers, init containers and every workload kind are read, with field paths', async () => {
  const found = await detect(`${deployment('istio-system', 'istiod', '      - {name: discovery, image: docker.io/istio/pilot:1.22.3}')}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ztunnel, namespace: istio-system}
spec:
  template:
    spec:
      containers: [{name: istio-proxy, image: "docker.io/istio/ztunnel:1.22.3-distroless"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: istio-cni-node, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: install-cni, image: "docker.io/istio/install-cni:1.21.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  initContainers: [{name: istio-init, image: "docker.io/istio/proxyv2:1.22.3"}]
  containers:
  - {name: app, image: example/app:1}
  - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.22.3"}
`);
  const byWhere = new Map(found.map((d) => [d.where, d]));
  assert.equal(found.length, 5);
  const istiod = byWhere.get('container "discovery" of Deployment istio-system/istiod')!;
  assert.equal(istiod.component, 'istiod');
  assert.deepEqual(istiod.path, ['spec', 'template', 'spec', 'containers', 0, 'image']);
  assert.equal(formatVersion(istiod.version!), '1.22.3');
  assert.equal(byWhere.get('container "istio-proxy" of DaemonSet istio-system/ztunnel')!.component, 'ztunnel');
  assert.equal(byWhere.get('container "install-cni" of DaemonSet kube-system/istio-cni-node')!.component, 'cni');
  const init = byWhere.get('init container "istio-init" of Pod shop/web-1')!;
  assert.deepEqual(init.path, ['spec', 'initContainers', 0, 'image']);
  assert.equal(new Set(found.map((d) => `${d.resource.name}/${d.key}`)).size, found.length, 'keys are distinct per object');
});

test('the sidecar.istio.io/proxyImage annotation, on pod templates and pods', async () => {
  const found = await detect(`${deployment('shop', 'web', '      - {name: app, image: example/app:1}', '{annotations: {sidecar.istio.io/proxyImage: "my.registry/istio/proxyv2:1.20.1"}}')}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: shop
  annotations: {sidecar.istio.io/proxyImage: "my.registry/istio/proxyv2@sha256:${'b'.repeat(64)}"}
spec:
  containers: [{name: app, image: example/app:1}]
`);
  assert.equal(found.length, 2);
  const dep = found.find((d) => d.resource.kind === 'Deployment')!;
  assert.equal(dep.source, 'annotation');
  assert.equal(dep.component, 'proxy');
  assert.deepEqual(dep.path, ['spec', 'template', 'metadata', 'annotations', 'sidecar.istio.io/proxyImage']);
  assert.equal(formatVersion(dep.version!), '1.20.1');
  const pod = found.find((d) => d.resource.kind === 'Pod')!;
  assert.deepEqual(pod.path, ['metadata', 'annotations', 'sidecar.istio.io/proxyImage']);
  assert.equal(pod.version, null);
  assert.match(pod.unknownReason!, /digest only/);
});

test('revision labels are names, never versions', async () => {
  const found = await detect(
    `${deployment('istio-system', 'istiod-1-22-3', '      - {name: discovery, image: "docker.io/istio/pilot:latest"}', '{labels: {istio.io/rev: 1-22-3, app: istiod}}', ', labels: {istio.io/rev: 1-22-3}')}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/rev: 1-21-0}}
---
${deployment('shop', 'gw', '      - {name: istio-proxy, image: "docker.io/istio/proxyv2@sha256:' + 'c'.repeat(64) + '"}', '{labels: {istio.io/rev: 1-20-0}}')}
---
${deployment('shop', 'plain', '      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.21.0"}')}
`,
  );
  const istiod = found.find((d) => d.component === 'istiod')!;
  assert.equal(istiod.version, null, 'pilot:latest stays unknown even with istio.io/rev: 1-22-3');
  assert.equal(istiod.revision, '1-22-3');
  const gw = found.find((d) => d.resource.name === 'gw')!;
  assert.equal(gw.version, null);
  assert.equal(gw.revision, '1-20-0', 'the pod label wins over the namespace label');
  const plain = found.find((d) => d.resource.name === 'plain')!;
  assert.equal(formatVersion(plain.version!), '1.21.0', 'the version comes from the tag, not the revision');
  assert.equal(plain.revision, '1-21-0', 'the namespace revision pairs it with a control plane');
});

/** An install object's detected version: istiod's, from where, which version and revision. */
function assertInstall(d: DetectedVersion, want: { source: DetectedVersion['source']; path: string[]; version: string; revision: string | null }): void {
  assert.equal(d.component, 'istiod');
  assert.equal(d.source, want.source);
  assert.deepEqual(d.path, want.path);
  assert.equal(formatVersion(d.version!), want.version);
  assert.equal(d.revision, want.revision);
}

test('IstioOperator spec.tag, spec.hub, spec.revision, spec.values.global.tag', async () => {
  const found = await detect(`
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  hub: gcr.io/istio-release
  tag: 1.21.2-distroless
  revision: canary
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: by-values, namespace: istio-system}
spec:
  values:
    global: {hub: docker.io/istio, tag: "1.20.0"}
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: numeric, namespace: istio-system}
spec:
  tag: 1.20
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: untagged, namespace: istio-system}
spec:
  profile: default
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: listy, namespace: istio-system}
spec:
  tag: [1, 2]
`);
  const by = (n: string) => found.find((d) => d.resource.name === n);
  const cp = by('control-plane')!;
  assertInstall(cp, { source: 'istiooperator', path: ['spec', 'tag'], version: '1.21.2', revision: 'canary' });
  assert.match(cp.text, /gcr\.io\/istio-release tag 1\.21\.2-distroless/);
  const vals = by('by-values')!;
  assert.deepEqual(vals.path, ['spec', 'values', 'global', 'tag']);
  assert.equal(formatVersion(vals.version!), '1.20.0');
  const num = by('numeric')!;
  assert.equal(num.version, null, 'YAML 1.20 is the number 1.2: never read it as 1.2');
  assert.match(num.unknownReason!, /YAML number \(1\.2\).*quote it/);
  assert.equal(by('untagged'), undefined, 'no tag: nothing to report');
  assert.match(by('listy')!.unknownReason!, /list, not a string/);
});

test('the Sail operator Istio resource: spec.version (v-prefixed), its name as the revision; an alias is no version', async () => {
  const found = await detect(`
apiVersion: sailoperator.io/v1
kind: Istio
metadata: {name: default}
spec: {version: v1.26.2, namespace: istio-system}
---
apiVersion: sailoperator.io/v1
kind: Istio
metadata: {name: canary}
spec: {version: v1.27.0, values: {global: {hub: quay.io/maistra}}}
---
apiVersion: sailoperator.io/v1
kind: Istio
metadata: {name: rolling}
spec: {version: latest}
---
apiVersion: sailoperator.io/v1
kind: Istio
metadata: {name: unversioned}
spec: {namespace: istio-system}
`);
  const by = (n: string) => found.find((d) => d.resource.name === n);
  // `default` is the default revision.
  assertInstall(by('default')!, { source: 'sail', path: ['spec', 'version'], version: '1.26.2', revision: null });
  const canary = by('canary')!;
  assert.equal(formatVersion(canary.version!), '1.27.0');
  assert.equal(canary.revision, 'canary');
  assert.match(canary.text, /quay\.io\/maistra/);
  assert.equal(by('rolling')!.version, null);
  assert.match(by('rolling')!.unknownReason!, /not an Istio version/);
  assert.equal(by('unversioned'), undefined);
});

test('Helm values global.tag from the istio-sidecar-injector ConfigMap', async () => {
  const values = JSON.stringify({ global: { hub: 'docker.io/istio', tag: '1.19.3' }, revision: 'stable' });
  const found = await detect(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector-stable, namespace: istio-system}
data:
  values: '${values}'
  config: "policy: enabled"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: "not json {"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: istio-system}
data:
  values: '{"global": {"tag": "1.2.3"}}'
`);
  assert.equal(found.length, 1);
  const d = found[0];
  assert.equal(d.source, 'helm-values');
  assert.equal(d.component, 'proxy');
  assert.deepEqual(d.path, ['data', 'values']);
  assert.equal(formatVersion(d.version!), '1.19.3');
  assert.equal(d.revision, 'stable');
});

test('hostile input: wrong types, huge strings, control characters', async () => {
  const huge = 'docker.io/istio/proxyv2:' + '1'.repeat(5000);
  const found = await detect(`
apiVersion: v1
kind: Pod
metadata:
  name: hostile
  namespace: x
  annotations: {sidecar.istio.io/proxyImage: "${huge}"}
spec:
  containers:
  - {name: a, image: 12}
  - {name: b, image: null}
  - {name: c, image: ["docker.io/istio/pilot:1.22.3"]}
  - {name: d, image: "docker.io/istio/pilot:1.22.3\\u0007"}
  - {name: e, image: "docker.io/istio/pilot:${'9'.repeat(200)}"}
  - {name: "f\\u001b[31m", image: "docker.io/istio/pilot:nope"}
  - name: g
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: bad, namespace: istio-system}
spec: "not an object"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data: {values: '{"global": "x"}'}
`);
  for (const d of found) {
    assert.ok(d.text.length <= 120, 'display text is bounded');
    assert.ok(!/[\u0000-\u001f]/.test(d.where + d.text + (d.unknownReason ?? '')), 'no control characters reach messages');
  }
  const ann = found.find((d) => d.source === 'annotation');
  assert.ok(ann && ann.version === null, 'an over-long image is not read');
  const e = found.find((d) => d.where.includes('"e"'))!;
  assert.equal(e.version, null);
});

test('controlPlaneVersions of an admission review\'s view is the whole model\'s: a cut view does not lose istiod, and a workload that reveals a version is counted', async () => {
  const { controlPlaneVersions } = await import('./detect.js');
  const { outboundDefault } = await import('../rules/egress/common.js');
  const { overlayModel } = await import('../model/overlay.js');
  const { focusedView, focusFromKey } = await import('../webhook/focus.js');
  const shop = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\n';
  const base = (await scanYaml(shop + deployment('istio-system', 'istio-pilot', '      - {name: discovery, image: docker.io/istio/pilot:1.0.6}'), { rules: [] })).model;
  const nextId = Math.max(...base.resources.map((r) => r.id)) + 1;
  const resourceOf = async (yaml: string) => ({ ...(await scanYaml(yaml, { rules: [] })).model.resources[0], id: nextId });
  assert.equal(outboundDefault(base), 'REGISTRY_ONLY', 'Istio 1.0 blocked unknown destinations');

  // A tenant Deployment with no Istio image: the overlay and a view cut to it answer as the base.
  const app = await resourceOf(deployment('shop', 'web', '      - {name: app, image: registry.example/web:1}'));
  const made = overlayModel(base, null, app);
  assert.equal(made.refused, undefined);
  const overlay = made.model!;
  const cut = focusedView(overlay, app, focusFromKey('kwn'));
  assert.deepEqual(cut.workloads.map((w) => w.resource.name), ['web'], 'the view is cut to the workload under review');
  for (const m of [overlay, cut]) {
    assert.deepEqual(controlPlaneVersions(m), controlPlaneVersions(base));
    assert.equal(outboundDefault(m), 'REGISTRY_ONLY');
  }

  // A newer istiod put in by the review is counted, on the overlay and on a view cut to it.
  const istiod = await resourceOf(deployment('shop', 'istiod-canary', '      - {name: discovery, image: docker.io/istio/pilot:1.24.2}'));
  const upgraded = overlayModel(base, null, istiod).model!;
  for (const m of [upgraded, focusedView(upgraded, istiod, focusFromKey('kwn'))]) {
    assert.deepEqual(controlPlaneVersions(m).map((d) => formatVersion(d.version!)).sort(), ['1.0.6', '1.24.2']);
    assert.equal(outboundDefault(m), 'ALLOW_ANY');
  }
});
