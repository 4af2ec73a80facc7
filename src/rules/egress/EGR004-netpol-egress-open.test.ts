import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR004-netpol-egress-open.js';
import { findingsFor } from '../../testing/kit.js';

const netpol = (spec: string, name = 'egress') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}
`;

const egress = (rules: string, podSelector = '{}') => netpol(`  podSelector: ${podSelector}\n  policyTypes: [Egress]\n  egress:\n${rules}`);

test('a rule with no "to" and no "ports" allows all egress: high, at the rule', async () => {
  const f = await findingsFor(rule, egress('  - to: [{podSelector: {}}]\n  - {}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.egress[1]');
  assert.equal(f[0].location?.line, 11);
  assert.equal(
    f[0].message,
    'NetworkPolicy shop/egress: spec.egress[1] has no "to" and no "ports", so it allows all egress: every pod in shop may reach any destination on any port.',
  );
  // An empty `to`, an empty `ports` and a null item mean the same.
  for (const r of ['  - to: []\n    ports: []', '  - ~']) {
    const g = await findingsFor(rule, egress(r));
    assert.equal(g.length, 1, r);
    assert.equal(g[0].severity, 'high');
    assert.equal(g[0].location?.path, 'spec.egress[0]');
  }
});

test('the selected pods are named', async () => {
  const f = await findingsFor(rule, egress('  - {}', '{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [front, edge]}]}'));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /pods in shop matching app=web, tier In \(front,edge\) may reach any destination/);
});

test('no "to" with restricted ports is medium, at the ports', async () => {
  const f = await findingsFor(rule, egress('  - ports:\n    - {protocol: TCP, port: 443}\n    - {protocol: TCP, port: 8000, endPort: 8100}\n    - {protocol: UDP}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.egress[0].ports');
  assert.equal(f[0].location?.line, 10);
  assert.equal(f[0].message, 'NetworkPolicy shop/egress: spec.egress[0] has no "to": every pod in shop may reach any destination on TCP/443, TCP/8000-8100, all UDP ports.');
});

test('no "to" with DNS only is low and warns about tunnels', async () => {
  const f = await findingsFor(rule, egress('  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}, {port: 53}]'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /may reach any destination on UDP\/53, TCP\/53, TCP\/53 \(DNS to an arbitrary resolver can still carry a tunnel; limit it to kube-dns in kube-system\)/);
  // Not DNS only: a wider range, another protocol, a named port, or another port beside 53.
  for (const ports of ['[{protocol: UDP, port: 53, endPort: 60}]', '[{protocol: SCTP, port: 53}]', '[{port: dns}]', '[{protocol: UDP, port: 53}, {port: 443}]']) {
    const g = await findingsFor(rule, egress(`  - ports: ${ports}`));
    assert.equal(g.length, 1, ports);
    assert.equal(g[0].severity, 'medium', ports);
  }
});

test('an ipBlock of 0.0.0.0/0 or ::/0 is graded by its ports, at the cidr', async () => {
  const f = await findingsFor(
    rule,
    egress(
      [
        '  - to:',
        '    - podSelector: {}',
        '    - ipBlock:',
        '        cidr: 0.0.0.0/0',
        '        except: [10.0.0.0/8, 169.254.169.254/32]',
        '  - to: [{ipBlock: {cidr: "::/0"}}]',
        '    ports: [{port: 443}]',
        '  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]',
        '    ports: [{protocol: UDP, port: 53}]',
      ].join('\n'),
    ),
  );
  assert.equal(f.length, 3);
  const [a, b, c] = [...f].sort((x, y) => x.location!.line! - y.location!.line!);
  assert.equal(a.severity, 'high');
  assert.equal(a.location?.path, 'spec.egress[0].to[1].ipBlock.cidr');
  assert.equal(a.location?.line, 13);
  assert.equal(
    a.message,
    'NetworkPolicy shop/egress: spec.egress[0] allows ipBlock 0.0.0.0/0 except 2 ranges, every address of its family: every pod in shop may reach any external destination on any port.',
  );
  assert.equal(b.severity, 'medium');
  assert.equal(b.location?.path, 'spec.egress[1].to[0].ipBlock.cidr');
  assert.match(b.message, /allows ipBlock ::\/0, every address of its family: every pod in shop may reach any external destination on TCP\/443\.$/);
  assert.equal(c.severity, 'low');
  assert.match(c.message, /ipBlock 0\.0\.0\.0\/0.* on UDP\/53 \(DNS to an arbitrary resolver/);
});

test('an egress list without policyTypes still counts', async () => {
  const f = await findingsFor(rule, netpol('  podSelector: {}\n  egress:\n  - {}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
});

test('rules with real peers, narrower CIDRs and ingress-only policies are clean', async () => {
  const clean = [
    egress('  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{protocol: UDP, port: 53}]'),
    egress('  - to: [{ipBlock: {cidr: 10.0.0.0/8}}, {ipBlock: {cidr: 0.0.0.0/1}}, {ipBlock: {cidr: "2001:db8::/32"}}]'),
    egress('  - to: [{namespaceSelector: {}}]'),
    netpol('  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n  - {}'),
    netpol('  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - {}'),
  ];
  for (const y of clean) assert.deepEqual(await findingsFor(rule, y), [], y);
});

test('malformed input is skipped without failing', async () => {
  const bad = [
    netpol('  podSelector: {}\n  policyTypes: [Egress]\n  egress: "all"'),
    egress('  - "everything"\n  - to: "anywhere"\n  - ports: 443\n  - to: [~, 7, {ipBlock: "0.0.0.0/0"}, {ipBlock: {cidr: 0}}]'),
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec: 42\n',
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\n',
  ];
  for (const y of bad) assert.deepEqual(await findingsFor(rule, y), [], y);
});

// kyma-project/istio ships this for its egress gateway (istio-system, `istio: egressgateway`, egress `- {}`).
const gatewayPolicy = (namespace: string, labels: string, rules = '  - {}') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egressgateway, namespace: ${namespace}}
spec:
  podSelector: {matchLabels: ${labels}}
  policyTypes: [Egress]
  egress:
${rules}
`;

test("the egress gateway's own open egress, in a platform namespace, is info: reaching external hosts is its job", async () => {
  for (const labels of ['{istio: egressgateway}', '{app: istio-egressgateway, istio: egressgateway}', '{app: istio-egressgateway}']) {
    const f = await findingsFor(rule, gatewayPolicy('istio-system', labels));
    assert.equal(f.length, 1, labels);
    assert.equal(f[0].severity, 'info', labels);
    assert.match(f[0].message, /allows all egress: pods in istio-system matching .* may reach any destination on any port; the egress gateway's own egress is open by design/);
  }
  const block = await findingsFor(rule, gatewayPolicy('istio-system', '{istio: egressgateway}', '  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]'));
  assert.equal(block[0]?.severity, 'info');
});

test('the egress gateway label in a tenant namespace, or another label, keeps the grade', async () => {
  // A tenant can run a pod labelled istio=egressgateway in its own namespace and borrow the policy.
  assert.equal((await findingsFor(rule, gatewayPolicy('shop', '{istio: egressgateway}')))[0]?.severity, 'high');
  assert.equal((await findingsFor(rule, gatewayPolicy('istio-system', '{istio: ingressgateway}')))[0]?.severity, 'high');
  assert.equal((await findingsFor(rule, gatewayPolicy('istio-system', '{istio: egressgateway-lookalike}')))[0]?.severity, 'high');
  assert.equal((await findingsFor(rule, netpol('  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}').replace('namespace: shop', 'namespace: istio-system')))[0]?.severity, 'high', 'every pod of istio-system');
});

// Istio's charts write these with global.networkPolicy.enabled (istio-discovery, ztunnel, istio-cni:
// `egress: [{}]`, "needed because features like JWKS require connections to user-defined endpoints").
test("the policies Istio's charts write for istiod, ztunnel and the CNI agent in a platform namespace are info, each with its reason", async () => {
  const cases: Array<[string, RegExp]> = [
    ['{app: istiod, istio.io/rev: default}', /istiod's egress is open in Istio's own chart: it reaches the API servers, remote clusters and the JWKS endpoints/],
    ['{app: ztunnel}', /ztunnel's egress is open in Istio's own chart: it carries the traffic of every ambient pod/],
    ['{k8s-app: istio-cni-node}', /the Istio CNI node agent's egress is open in Istio's own chart/],
  ];
  for (const [labels, why] of cases) {
    const f = await findingsFor(rule, gatewayPolicy('istio-system', labels));
    assert.equal(f.length, 1, labels);
    assert.equal(f[0].severity, 'info', labels);
    assert.match(f[0].message, why);
    // In a tenant namespace the same labels are anyone's: the grade stays.
    assert.equal((await findingsFor(rule, gatewayPolicy('shop', labels)))[0]?.severity, 'high', labels);
  }
  // A look-alike label value keeps the grade.
  assert.equal((await findingsFor(rule, gatewayPolicy('istio-system', '{app: istiod-debug}')))[0]?.severity, 'high');
});
