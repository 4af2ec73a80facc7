import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT002-permissive-or-disable.js';
import { findingsFor } from '../../testing/kit.js';
import { STRICT_MESH, deployment, docs, namespace, peerAuth, service } from './fixtures.js';

const SHOP = [namespace('shop'), STRICT_MESH, deployment('shop', 'web', { ports: [8080, 9090] }), deployment('shop', 'api')];

test('namespace-wide PERMISSIVE: medium, on the mode field, with every workload that inherits it', async () => {
  const f = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'default', { mtls: { mode: 'PERMISSIVE' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.mtls.mode');
  assert.equal(f[0].message, 'PeerAuthentication shop/default sets PERMISSIVE for namespace shop: plaintext is accepted beside mutual TLS on 2 workloads (Deployment shop/web, Deployment shop/api), from any caller, without identity.');
  assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment shop/web is PERMISSIVE', 'Deployment shop/api is PERMISSIVE']);
});

test('DISABLE is high; a workload policy names the workloads it selects', async () => {
  const f = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'DISABLE' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.match(f[0].message, /^PeerAuthentication shop\/web sets DISABLE for the workloads it selects in shop: mutual TLS is off, so only plaintext is accepted on 1 workload \(Deployment shop\/web\)/);
});

test('portLevelMtls: reported on the port entry, with the workloads whose port it decides', async () => {
  const yaml = `${docs(...SHOP)}---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: web-metrics, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  mtls: {mode: STRICT}
  portLevelMtls:
    9090:
      mode: DISABLE
    8080:
      mode: PERMISSIVE
`;
  const f = await findingsFor(rule, yaml);
  assert.equal(f.length, 2);
  const dis = f.find((x) => x.location?.path.includes('9090'))!;
  assert.equal(dis.severity, 'high');
  assert.equal(dis.location?.path, 'spec.portLevelMtls["9090"].mode');
  // The port key itself: `9090:` parses as a number in YAML (exact line: see the todo test below).
  assert.ok(dis.location!.line! >= yaml.split('\n').findIndex((l) => l.includes('portLevelMtls:')) + 1);
  assert.match(dis.message, /sets DISABLE on port 9090 of the workloads it selects in shop: .* on port 9090 of 1 workload \(Deployment shop\/web\)/);
  assert.deepEqual(dis.evidence.map((e) => e.description), ['Deployment shop/web port 9090 is DISABLE']);
  const perm = f.find((x) => x.location?.path.includes('8080'))!;
  assert.equal(perm.severity, 'medium');
});

test('UNSET at workload level inherits: the namespace policy is reported for it, the workload policy only for its port', async () => {
  const f = await findingsFor(
    rule,
    docs(...SHOP, peerAuth('shop', 'default', { mtls: { mode: 'PERMISSIVE' } }), peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { '9090': { mode: 'STRICT' } } })),
  );
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.name, 'default');
  assert.match(f[0].message, /on 2 workloads \(Deployment shop\/web, Deployment shop\/api\)/);
});

test('a namespace policy every workload overrides is still reported, saying so', async () => {
  const f = await findingsFor(
    rule,
    docs(namespace('shop'), STRICT_MESH, deployment('shop', 'web'), peerAuth('shop', 'default', { mtls: { mode: 'PERMISSIVE' } }), peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } })),
  );
  assert.equal(f.length, 1);
  assert.match(f[0].message, /no workload in the input takes this setting yet/);
  assert.deepEqual(f[0].evidence, []);
});

test('ambient: DISABLE is ignored by ztunnel, so it is reported as PERMISSIVE-like (medium)', async () => {
  const f = await findingsFor(rule, docs(namespace('analytics', 'ambient'), STRICT_MESH, deployment('analytics', 'reports'), peerAuth('analytics', 'default', { mtls: { mode: 'DISABLE' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /ztunnel ignores DISABLE, so plaintext is still accepted/);
  assert.match(f[0].evidence[0].description, /ambient: behaves as PERMISSIVE/);
});

test('negatives: STRICT, mesh-wide PERMISSIVE (AUT001), shadowed policies, namespaces outside the mesh', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'default', { mtls: { mode: 'STRICT' } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('shop'), deployment('shop', 'web'), peerAuth('istio-system', 'default', { mtls: { mode: 'PERMISSIVE' } }))), []);
  const shadowed = docs(
    ...SHOP,
    peerAuth('shop', 'first', { mtls: { mode: 'STRICT' } }, { creationTimestamp: '2024-01-01T00:00:00Z' }),
    peerAuth('shop', 'second', { mtls: { mode: 'PERMISSIVE' } }, { creationTimestamp: '2025-01-01T00:00:00Z' }),
  );
  assert.deepEqual(await findingsFor(rule, shadowed), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('legacy', 'none'), peerAuth('legacy', 'default', { mtls: { mode: 'PERMISSIVE' } }))), []);
});

test('portLevelMtls findings point at the exact line of the port entry', async () => {
  const yaml = `${docs(...SHOP)}---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: web-metrics, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  portLevelMtls:
    9090:
      mode: DISABLE
`;
  const [f] = await findingsFor(rule, yaml);
  assert.equal(f.location?.line, yaml.split('\n').findIndex((l) => l.includes('mode: DISABLE')) + 1);
});

test('a workload policy whose pods are not in the input is still a weakening, one grade lower', async () => {
  const onlyPolicy = await findingsFor(rule, docs(peerAuth('billing', 'legacy', { selector: { matchLabels: { app: 'legacy' } }, mtls: { mode: 'PERMISSIVE' } })));
  assert.equal(onlyPolicy.length, 1);
  assert.equal(onlyPolicy[0].severity, 'low');
  assert.equal(onlyPolicy[0].location?.path, 'spec.mtls.mode');
  assert.equal(
    onlyPolicy[0].message,
    'PeerAuthentication billing/legacy sets PERMISSIVE for the workloads it selects (app=legacy) in billing: none is in the input, but whatever pods carry those labels in the cluster accept plaintext beside mutual TLS, from any caller, without identity.',
  );
  const disable = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'ghost', { selector: { matchLabels: { app: 'ghost' } }, mtls: { mode: 'DISABLE' } })));
  assert.equal(disable[0].severity, 'medium');
  const port = await findingsFor(rule, docs(peerAuth('billing', 'p', { selector: { matchLabels: { app: 'x' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9000: { mode: 'DISABLE' } } })));
  assert.deepEqual(port.map((x) => [x.location?.path, x.severity]), [['spec.portLevelMtls["9000"].mode', 'medium']]);
  // STRICT with no pods in the input is no weakening.
  assert.deepEqual(await findingsFor(rule, docs(peerAuth('billing', 's', { selector: { matchLabels: { app: 'x' } }, mtls: { mode: 'STRICT' } }))), []);
});

test('a port that serves an admission webhook of the input: low, with the webhook named (the API server has no mesh certificate)', async () => {
  // A controller's webhook: the Service's 443 goes to the pods' named port 8443, which a port-level
  // PERMISSIVE leaves open to the API server.
  const webhookConfig = (kind: string, port?: number) => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}
metadata: {name: config.example.dev}
webhooks:
- name: config.example.dev
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig:
    service: {name: ctl-webhook, namespace: shop${port ? `, port: ${port}` : ''}}
`;
  const base = [namespace('shop'), STRICT_MESH, deployment('shop', 'ctl', { ports: [['https-webhook', 8443], 9090] }), service('shop', 'ctl-webhook', { app: 'ctl' }, [{ port: 443, targetPort: 'https-webhook', name: 'https' }])];
  const pa = peerAuth('shop', 'ctl', { selector: { matchLabels: { app: 'ctl' } }, portLevelMtls: { 8443: { mode: 'PERMISSIVE' } } });
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    const f = await findingsFor(rule, `${docs(...base, pa)}---\n${webhookConfig(kind)}`);
    assert.equal(f.length, 1, kind);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].message, `PeerAuthentication shop/ctl sets PERMISSIVE on port 8443 of the workloads it selects in shop, which serves the admission webhook config.example.dev of ${kind} config.example.dev (through Service shop/ctl-webhook): the API server calls webhooks without a mesh certificate, so STRICT there would refuse it. Callers without a mesh identity reach the port; only the webhook's own TLS and authentication check them. Keep the exception to this port alone.`);
    assert.equal(f[0].evidence[0].resource?.kind, kind);
  }
  // The webhook's namespace outside the mesh in the input (no workload takes the setting): still the webhook's port.
  const outside = [namespace('shop', 'none'), ...base.slice(1)];
  const g = await findingsFor(rule, `${docs(...outside, pa)}---\n${webhookConfig('ValidatingWebhookConfiguration')}`);
  assert.deepEqual(g.map((x) => x.severity), ['low']);
  assert.match(g[0].message, /serves the admission webhook config\.example\.dev/);
  // A hostile input with thousands of entries: only the first 500 are read (one index of the Services, no scan per entry).
  const entries = Array.from({ length: 5000 }, (_, i) => `- name: w${i}.example.dev\n  clientConfig:\n    service: {name: ${i < 600 ? 'nowhere' : 'ctl-webhook'}, namespace: shop}\n`).join('');
  const flood = await findingsFor(rule, `${docs(...base, pa)}---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: flood}\nwebhooks:\n${entries}`);
  assert.deepEqual(flood.map((x) => x.severity), ['medium'], 'the entries past the cap that name the Service are not read');
  // Without the webhook, or with it calling another port, or a PERMISSIVE on another port: medium as before.
  for (const input of [docs(...base, pa), `${docs(...base, pa)}---\n${webhookConfig('ValidatingWebhookConfiguration', 8443)}`, `${docs(...base, peerAuth('shop', 'ctl', { selector: { matchLabels: { app: 'ctl' } }, portLevelMtls: { 9090: { mode: 'PERMISSIVE' } } }))}---\n${webhookConfig('ValidatingWebhookConfiguration')}`]) {
    const f = await findingsFor(rule, input);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.doesNotMatch(f[0].message, /admission webhook/);
  }
});
