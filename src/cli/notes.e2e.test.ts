import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../testing/kit.js';

// Istio's manifests/profiles/: IstioOperators without metadata.name, loaded and used as the mesh config.
const UNNAMED_IOP = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  meshConfig:
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;
const NOT_AN_OBJECT = `just: a mapping
without: apiVersion or kind
`;

async function scanJson(files: Record<string, string>, extra: string[] = []) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-notes-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  const r = await runCli(['scan', '.', '--format', 'json', '--fail-on', 'none', ...extra], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { summary: { notes: string[] } };
}

test('unnamed objects that were loaded are counted apart from skipped documents', async () => {
  const both = await scanJson({ 'a.yaml': UNNAMED_IOP, 'b.yaml': UNNAMED_IOP, 'c.yaml': NOT_AN_OBJECT });
  const note = both.summary.notes.find((n) => /--verbose lists them/.test(n));
  assert.equal(note, '1 document was skipped (not Kubernetes objects); 2 objects have no metadata.name and were loaded as "(unnamed)"; --verbose lists them');

  const onlyUnnamed = await scanJson({ 'a.yaml': UNNAMED_IOP });
  assert.ok(onlyUnnamed.summary.notes.includes('1 object has no metadata.name and was loaded as "(unnamed)"; --verbose lists them'), JSON.stringify(onlyUnnamed.summary.notes));
  assert.ok(!onlyUnnamed.summary.notes.some((n) => /skipped/.test(n)), 'nothing was skipped');

  const onlySkipped = await scanJson({ 'c.yaml': NOT_AN_OBJECT, 'd.yaml': NOT_AN_OBJECT }, ['--allow-empty']);
  assert.ok(onlySkipped.summary.notes.includes('2 documents were skipped (not Kubernetes objects); --verbose lists them'), JSON.stringify(onlySkipped.summary.notes));

  const verbose = await scanJson({ 'a.yaml': UNNAMED_IOP, 'c.yaml': NOT_AN_OBJECT }, ['--verbose']);
  assert.ok(verbose.summary.notes.some((n) => /a\.yaml:1: IstioOperator has no metadata\.name; shown as "\(unnamed\)"/.test(n)), JSON.stringify(verbose.summary.notes));
  assert.ok(verbose.summary.notes.some((n) => /c\.yaml:1: skipped a document that is not a Kubernetes object/.test(n)));
});

test('namespaced objects that name no namespace are counted, with the namespace they were judged in', async () => {
  const noNamespace = `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec: {hosts: [web]}
`;
  const clusterScoped = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {ports: [{port: 80}]}
`;
  const placed = await scanJson({ 'a.yaml': noNamespace, 'b.yaml': clusterScoped });
  assert.ok(
    placed.summary.notes.includes("2 namespaced objects name no namespace and were judged in namespace default, as `kubectl apply` without -n would place them; findings that compare namespaces (another tenant's host, a shared gateway) assume it: pass -n NAMESPACE for the namespace they are applied to"),
    JSON.stringify(placed.summary.notes),
  );
  const withN = await scanJson({ 'a.yaml': noNamespace }, ['-n', 'shop']);
  assert.ok(
    withN.summary.notes.includes("2 namespaced objects name no namespace and were judged in namespace shop (-n), as `kubectl apply -n shop` would place them; findings that compare namespaces (another tenant's host, a shared gateway) assume it"),
    JSON.stringify(withN.summary.notes),
  );
  const named = await scanJson({ 'b.yaml': clusterScoped });
  assert.ok(!named.summary.notes.some((n) => /name no namespace|names no namespace/.test(n)), 'a Namespace is cluster-scoped, the Service names its namespace');
});

test('a finding that relates an object without a namespace to another namespace says where the object was judged', async () => {
  // Bookinfo's reviews Service in its namespace; a VirtualService and a Deployment written without one
  // (applied with -n elsewhere): HJK001 relates the VirtualService, judged in default, to bookinfo.
  const files = {
    'bookinfo.yaml': `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
`,
    'routes.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-canary}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  exportTo: ["*"]
  http: [{route: [{destination: {host: reviews.bookinfo.svc.cluster.local}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings}
spec:
  selector: {matchLabels: {app: ratings}}
  template:
    metadata: {labels: {app: ratings}}
    spec: {containers: [{name: ratings, image: registry.example.com/ratings:1, securityContext: {runAsUser: 1337}}]}
`,
  };
  type Out = { findings: Array<{ ruleId: string; resource: { kind: string; name: string }; evidence: Array<{ role: string; description: string }> }> };
  const r = (await scanJson(files)) as unknown as Out;
  const assumed = (f: Out['findings'][number]) => f.evidence.filter((e) => e.role === 'namespace-assumed').map((e) => e.description);
  const hijack = r.findings.filter((f) => f.ruleId === 'HJK001' && f.resource.name === 'reviews-canary');
  assert.ok(hijack.length, JSON.stringify(r.findings.map((f) => `${f.ruleId} ${f.resource.name}`)));
  for (const f of hijack) {
    assert.deepEqual(assumed(f), [
      'VirtualService reviews-canary names no namespace and was judged in default, where `kubectl apply` without -n puts it: this finding holds only if it is applied there (pass -n NAMESPACE for the namespace it is applied to)',
    ]);
  }
  // A finding about the Deployment alone does not depend on where it is applied: not marked.
  const uid = r.findings.filter((f) => f.ruleId === 'BYP001' || f.resource.name === 'ratings');
  assert.ok(uid.length);
  for (const f of uid) assert.deepEqual(assumed(f), [], f.ruleId);
  // Applied where the Service is, the claim is the namespace's own: no HJK001, nothing to mark.
  const inPlace = (await scanJson(files, ['-n', 'bookinfo'])) as unknown as Out;
  assert.ok(!inPlace.findings.some((f) => f.ruleId === 'HJK001'));
  assert.ok(!inPlace.findings.some((f) => assumed(f).length));
});

test('objects defined more than once: counted, listed by --verbose with their files, hostile names escaped', async () => {
  const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "${name}", namespace: shop}\ndata: {v: "${v}"}\n`;
  const hostile = 'evil\\u001b[31m\\nname';
  const files = { 'a.yaml': cm('settings', '1') + '---\n' + cm(hostile, '1'), 'b.yaml': cm('settings', '2') + '---\n' + cm(hostile, '2') };
  const plain = await scanJson(files);
  assert.ok(plain.summary.notes.some((n) => n.startsWith('2 objects are defined more than once in the input') && n.endsWith('--verbose lists them')), JSON.stringify(plain.summary.notes));
  const verbose = await scanJson(files, ['--verbose']);
  const listed = verbose.summary.notes.filter((n) => / is defined 2 times: /.test(n));
  assert.equal(listed.length, 2, JSON.stringify(verbose.summary.notes));
  assert.ok(listed.some((n) => /^ConfigMap shop\/settings is defined 2 times: a\.yaml:1, b\.yaml:1$/.test(n)), JSON.stringify(listed));
  for (const n of listed) assert.ok(!/[\u0000-\u001f]/.test(n), `no control character reaches a note: ${JSON.stringify(n)}`);
  assert.ok(listed.some((n) => n.includes('\\u001b') && n.includes('\\u000a')), JSON.stringify(listed));
});

// istio-ecosystem/sail-operator's chart/samples/istio-sample.yaml shape (OpenShift Service Mesh 3).
test("a Sail operator Istio resource is the mesh config (spec.values.meshConfig) and the version (spec.version)", async () => {
  const sailIstio = `apiVersion: sailoperator.io/v1
kind: Istio
metadata: {name: default}
spec:
  version: v1.24.2
  namespace: istio-system
  values:
    meshConfig:
      outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-notes-'));
  await fs.writeFile(path.join(dir, 'istio.yaml'), sailIstio);
  const r = await runCli(['scan', '.', '--format', 'json', '--fail-on', 'none'], { cwd: dir });
  const report = JSON.parse(r.stdout) as { summary: { notes: string[]; meshConfig: string }; findings: Array<{ ruleId: string; message: string; location: { path: string } | null }> };
  assert.equal(report.summary.meshConfig, 'sail');
  assert.ok(!report.summary.notes.some((n) => n.startsWith('no Istio mesh config')), JSON.stringify(report.summary.notes));
  assert.deepEqual(report.findings.filter((f) => f.ruleId === 'EGR001'), [], 'REGISTRY_ONLY is read from spec.values.meshConfig');
  const eol = report.findings.find((f) => f.ruleId === 'ADV002');
  assert.ok(eol && /installs Istio 1\.24\.2/.test(eol.message) && eol.location?.path === 'spec.version', JSON.stringify(eol));
  assert.ok(report.findings.some((f) => f.ruleId === 'HJK012' && f.location?.path === 'spec.values.meshConfig'));
  // With the ConfigMap the operator renders, that ConfigMap is the mesh config, and the choice is said.
  await fs.writeFile(path.join(dir, 'mesh.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n');
  const both = JSON.parse((await runCli(['scan', '.', '--format', 'json', '--fail-on', 'none'], { cwd: dir })).stdout) as { summary: { notes: string[]; meshConfig: string } };
  assert.equal(both.summary.meshConfig, 'configmap');
  assert.ok(both.summary.notes.some((n) => n.includes('and ignores Istio default')), JSON.stringify(both.summary.notes));
});

// kiali/kiali keeps test kubeconfigs (kubernetes/testdata/remote-cluster-exec.yaml) beside its manifests.
test('kubeconfig files in the input are named, with the command that judges them; they are not namespaced objects', async () => {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: east, cluster: {server: "https://192.0.2.10:6443"}}]
users: [{name: ci, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./login}}}]
contexts: [{name: east, context: {cluster: east, user: ci}}]
current-context: east
`;
  const r = await scanJson({ 'remote-east.yaml': kubeconfig, 'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n' });
  assert.ok(
    r.summary.notes.some((n) => n.startsWith('1 kubeconfig file is in the input (remote-east.yaml): scan judges kubeconfigs carried in Secrets; run `meshward kubeconfig FILE...` on it')),
    JSON.stringify(r.summary.notes),
  );
  assert.ok(!r.summary.notes.some((n) => /name no namespace|names no namespace/.test(n)), JSON.stringify(r.summary.notes));
});
