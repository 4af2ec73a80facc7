import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFiles } from './load.js';
import { buildNamespaces, isKustomization, isPatchDocument, patchFilesOf } from './kustomize.js';

const yamlFile = (file: string, text: string) => ({ file, text, format: 'yaml' as const });
const names = (rs: { kind: string; name: string; source?: { file: string } | null }[]) => rs.map((r) => `${r.kind} ${r.name} ${r.source?.file}`);

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec: {template: {metadata: {labels: {app: ${name}}${extra}}}}
`;

test('patchFilesOf: paths of patches, patchesStrategicMerge and patchesJson6902, joined with the kustomization folder; inline patches and URLs left out', () => {
  const k = {
    patches: [{ path: 'patches/a.yaml' }, { patch: '- op: add\n  path: /x\n  value: 1' }, { path: '../base/b.yaml', target: { kind: 'Deployment' } }, 'not-an-object', { path: 7 }],
    patchesStrategicMerge: ['c.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inline}', 'https://example.com/p.yaml'],
    patchesJson6902: [{ path: './d.json' }],
  };
  assert.deepEqual(patchFilesOf(k, 'repo/overlays/prod/kustomization.yaml'), ['repo/overlays/prod/c.yaml', 'repo/overlays/prod/patches/a.yaml', 'repo/overlays/base/b.yaml', 'repo/overlays/prod/d.json']);
  // Fields of the wrong shape are nothing, never an error.
  assert.deepEqual(patchFilesOf({ patches: 'x', patchesStrategicMerge: { a: 1 }, patchesJson6902: null }, 'kustomization.yaml'), []);
});

test('isKustomization: by apiVersion (Kustomization, Component); without one, only in a file named as a kustomization; isPatchDocument: a top-level $patch', () => {
  assert.equal(isKustomization({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' }, false), true);
  assert.equal(isKustomization({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component' }, false), true);
  // Flux's Kustomization is a cluster object, not a kustomize file.
  assert.equal(isKustomization({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' }, true), false);
  assert.equal(isKustomization({ resources: ['a.yaml'] }, true), true);
  assert.equal(isKustomization({ resources: ['a.yaml'] }, false), false);
  assert.equal(isKustomization(['a'], true), false);
  assert.equal(isPatchDocument({ $patch: 'delete', kind: 'Namespace' }), true);
  assert.equal(isPatchDocument({ kind: 'Namespace', metadata: { $patch: 'x' } }), false);
});

test('the loader leaves out the files a kustomization names as patches and $patch documents, and counts both', async () => {
  const r = await loadFiles([
    yamlFile('repo/base/kustomization.yaml', 'resources: [deployment.yaml]\n'),
    yamlFile('repo/base/deployment.yaml', deployment('api')),
    yamlFile('repo/overlays/prod/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [../../base]\npatches:\n  - path: patches/port.yaml\n'),
    // Two patch documents in one named file.
    yamlFile('repo/overlays/prod/patches/port.yaml', deployment('api', ', annotations: {traffic.sidecar.istio.io/excludeOutboundPorts: PORT}') + '---\n' + deployment('worker')),
    yamlFile('repo/components/drop.yaml', '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata: {name: sandbox}\n'),
    // A file of the same name in another folder is not the patch.
    yamlFile('repo/other/patches/port.yaml', deployment('other')),
  ]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(names(r.resources), ['Deployment api repo/base/deployment.yaml', 'Deployment other repo/other/patches/port.yaml']);
  assert.deepEqual(r.resources.map((x) => x.id), [0, 1]);
  assert.deepEqual(r.kustomize, {
    kustomizations: ['repo/base/kustomization.yaml', 'repo/overlays/prod/kustomization.yaml'],
    patches: ['repo/overlays/prod/patches/port.yaml:1', 'repo/overlays/prod/patches/port.yaml:5', 'repo/components/drop.yaml:1'],
    namespaces: ['shop'],
    placed: 0,
  });
  // Neither the kustomizations nor the patches are "documents that are not Kubernetes objects".
  assert.deepEqual(r.notes, []);
});

test('without kustomize sources the result has no kustomize facts; a patch named before its kustomization is still left out', async () => {
  const plain = await loadFiles([yamlFile('a.yaml', deployment('api'))]);
  assert.equal(plain.kustomize, undefined);
  const r = await loadFiles([yamlFile('p.yaml', deployment('api')), yamlFile('kustomization.yml', 'patchesStrategicMerge: [p.yaml]\n')]);
  assert.deepEqual(r.resources, []);
  assert.deepEqual(r.kustomize?.patches, ['p.yaml:1']);
});

test('hostile kustomizations: paths out of the input read nothing, prototype names and control characters are plain strings', async () => {
  const r = await loadFiles([
    yamlFile('k/kustomization.yaml', 'patches:\n  - path: ../../../../etc/passwd\n  - path: __proto__\n  - path: "con\\u001b[31mtrol.yaml"\npatchesStrategicMerge: [constructor, toString]\nnamespace: "a\\u0007b"\n'),
    yamlFile('k/ok.yaml', deployment('api')),
  ]);
  assert.deepEqual(names(r.resources), ['Deployment api k/ok.yaml']);
  assert.deepEqual(r.kustomize?.patches, []);
  // A namespace that is no DNS label is none.
  assert.deepEqual(r.kustomize?.namespaces, []);
  assert.equal(Object.getPrototypeOf({}).polluted, undefined);
});

// The built CLI on a hostile tree: a patch file whose name carries terminal escapes, named by a
// kustomization that also sets such a namespace. The note names both, escaped; nothing raw reaches the terminal.
test('scan --verbose: kustomize names with control characters are escaped in the notes', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { runCli } = await import('../testing/kit.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'meshward-kustomize-'));
  try {
    const evil = 'p\u001b[2Jatch\u0007.yaml';
    writeFileSync(path.join(dir, 'kustomization.yaml'), `resources: [deployment.yaml]\nnamespace: "ns\\u001b]0;owned\\u0007"\npatches:\n  - path: "${evil.replace('\u001b', '\\u001b').replace('\u0007', '\\u0007')}"\n`);
    writeFileSync(path.join(dir, evil), deployment('api', ', annotations: {traffic.sidecar.istio.io/excludeOutboundPorts: PORT}'));
    writeFileSync(path.join(dir, 'deployment.yaml'), deployment('api').replace('namespace: shop', ''));
    const r = await runCli(['scan', dir, '--verbose', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /[\u0007\u001b]/);
    assert.match(r.stdout, /1 patch document was left out/);
    assert.match(r.stdout, /left out as a patch: .*atch.*\.yaml:1/);
    // Not a namespace name: ignored, so the object stays where no -n puts it.
    assert.match(r.stdout, /1 namespaced object names no namespace and was judged in namespace default/);
    // The patch's placeholder port is not judged.
    assert.doesNotMatch(r.stdout, /BYP006/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// kustomize's namespace transformer: every namespaced object a kustomization builds gets its
// `namespace:`, bases and components included, and the outermost kustomization's runs last.
test('buildNamespaces: the namespace every root build gives a file, the outermost winning; none when builds disagree or set none', () => {
  const k = (file: string, value: Record<string, unknown>) => ({ file, value });
  const files = ['r/base/a.yaml', 'r/base/b.yaml', 'r/shared/c.yaml', 'r/comp/d.yaml', 'r/loose/e.yaml', 'r/solo/f.yaml'];
  const placed = buildNamespaces(
    [
      k('r/base/kustomization.yaml', { resources: ['a.yaml', 'b.yaml'], namespace: 'inner' }),
      k('r/mid/kustomization.yaml', { resources: ['../base'] }),
      // The outermost namespace wins over the base's own.
      k('r/overlays/prod/kustomization.yaml', { namespace: 'prod', resources: ['../../mid', '../../shared/c.yaml', 'https://github.com/example/remote//base?ref=v1'], components: ['../../comp'] }),
      // A second root reaching c.yaml with another namespace: no certain namespace for it.
      k('r/overlays/dev/kustomization.yaml', { namespace: 'dev', resources: ['../../shared/c.yaml'] }),
      k('r/comp/kustomization.yaml', { resources: ['d.yaml'] }),
      // A root that sets none, and a root that is its own base (a cycle through itself is not an edge).
      k('r/loose/kustomization.yaml', { resources: ['e.yaml', '.'] }),
      k('r/solo/kustomization.yaml', { namespace: 'solo', resources: ['f.yaml', '../solo/f.yaml'] }),
    ],
    files,
  );
  assert.deepEqual(Object.fromEntries(placed), { 'r/base/a.yaml': 'prod', 'r/base/b.yaml': 'prod', 'r/comp/d.yaml': 'prod', 'r/solo/f.yaml': 'solo' });
});

test('buildNamespaces: cycles and kustomizations every other one includes terminate and place nothing; work is per namespace reached', () => {
  const k = (file: string, value: Record<string, unknown>) => ({ file, value });
  const cyc = buildNamespaces([k('a/kustomization.yaml', { namespace: 'x', resources: ['../b', 'f.yaml'] }), k('b/kustomization.yaml', { namespace: 'y', resources: ['../a'] })], ['a/f.yaml']);
  assert.deepEqual([...cyc], []);
  // A wide fan: 200 roots over one chain of 200 bases, all with the same namespace: every file placed once.
  const nodes = [];
  for (let i = 0; i < 200; i++) nodes.push(k(`chain/${i}/kustomization.yaml`, { resources: [i + 1 < 200 ? `../${i + 1}` : 'x.yaml', 'own.yaml'] }));
  for (let i = 0; i < 200; i++) nodes.push(k(`roots/${i}/kustomization.yaml`, { namespace: 'fan', resources: ['../../chain/0'] }));
  const wide = buildNamespaces(nodes, ['chain/199/x.yaml', ...Array.from({ length: 200 }, (_, i) => `chain/${i}/own.yaml`)]);
  assert.equal(wide.size, 201);
  assert.equal(wide.get('chain/199/x.yaml'), 'fan');
});

test('the loader puts objects that name no namespace where every build puts them, unless -n is given; named namespaces stay', async () => {
  const tree = [
    yamlFile('repo/base/kustomization.yaml', 'resources: [deployment.yaml, named.yaml]\n'),
    yamlFile('repo/base/deployment.yaml', deployment('api').replace('namespace: shop', '')),
    yamlFile('repo/base/named.yaml', deployment('named')),
    yamlFile('repo/overlays/prod/kustomization.yaml', 'namespace: payments\nresources: [../../base]\n'),
  ];
  const r = await loadFiles(tree);
  assert.deepEqual(r.resources.map((x) => `${x.namespace}/${x.name}`), ['payments/api', 'shop/named']);
  assert.equal(r.kustomize?.placed, 1);
  const withN = await loadFiles(tree, { defaultNamespace: 'team-a' });
  assert.deepEqual(withN.resources.map((x) => `${x.namespace}/${x.name}`), ['team-a/api', 'shop/named']);
  assert.equal(withN.kustomize?.placed, 0);
});
