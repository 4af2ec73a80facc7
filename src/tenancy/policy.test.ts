import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTenantPolicy, Tenancy, TenantPolicyError } from './policy.js';

const env = (labels: Record<string, Record<string, string>> = {}) => ({
  isSystemNamespace: (ns: string) => ns === 'istio-system' || ns === 'kube-system',
  namespaceLabels: (ns: string) => labels[ns] ?? {},
});

const POLICY = `apiVersion: meshward.io/v1
kind: TenantPolicy
platform:
  namespaces: [platform-*]
  subjects: ["group:sre", "serviceaccount:argocd:*"]
tenants:
  - name: shop
    namespaces: [shop, "shop-*"]
    hosts: ["*.shop.example.com"]
    gateways: [istio-ingress/public]
    trusts: [payments]
  - name: payments
    namespaceSelector:
      matchLabels: {team: payments}
    hosts: [api.stripe.com]
`;

test('tenants by name, glob and label selector; platform by system list, glob and policy', () => {
  const t = new Tenancy(parseTenantPolicy(POLICY, 'tenants.yaml'), env({ 'pay-1': { team: 'payments' } }));
  assert.deepEqual(t.tenantOf('shop-eu'), { name: 'shop', platform: false, explicit: true });
  assert.equal(t.tenantOf('pay-1').name, 'payments');
  assert.deepEqual(t.tenantOf('random'), { name: 'random', platform: false, explicit: false });
  assert.ok(t.isPlatform('platform-tools'));
  assert.ok(t.isPlatform('istio-system'));
  assert.ok(t.sameTenant('shop', 'shop-eu'));
  assert.ok(!t.sameTenant('shop', 'pay-1'));
  assert.ok(!t.sameTenant('payments', 'pay-1'), 'an unclaimed namespace named like a tenant is not that tenant');
});

test('host allowances use Istio wildcard semantics', () => {
  const t = new Tenancy(parseTenantPolicy(POLICY, 'tenants.yaml'), env());
  assert.ok(t.mayClaimHost('shop', 'www.shop.example.com'));
  assert.ok(t.mayClaimHost('shop', 'a.b.shop.example.com'));
  assert.ok(t.mayClaimHost('shop', '*.eu.shop.example.com'), 'a narrower wildcard is covered');
  assert.ok(!t.mayClaimHost('shop', '*.example.com'), 'a wider wildcard is not');
  assert.ok(!t.mayClaimHost('shop', 'shop.example.com'), '*.x does not cover x itself');
  assert.ok(t.mayClaimHost('platform-tools', 'anything.example'));
  assert.deepEqual(t.allowanceOwners('api.stripe.com', 'shop'), ['payments']);
  assert.deepEqual(t.allowanceOwners('*.stripe.com', 'shop'), ['payments'], 'a wildcard claim covering an allowance');
});

test('gateways and subjects', () => {
  const t = new Tenancy(parseTenantPolicy(POLICY, 'tenants.yaml'), env());
  assert.ok(t.mayBindGateway('shop', 'istio-ingress/public'));
  assert.ok(!t.mayBindGateway('shop', 'istio-ingress/internal'));
  assert.ok(t.mayBindGateway('shop', 'shop-eu/own-gw'), 'own tenant\'s gateways');
  assert.ok(t.isPlatformSubject('group:sre'));
  assert.ok(t.isPlatformSubject('serviceaccount:argocd:application-controller'));
  assert.ok(t.isPlatformSubject('serviceaccount:istio-system:istiod'));
  assert.ok(!t.isPlatformSubject('serviceaccount:shop:deployer'));
  assert.ok(!t.isPlatformSubject('group:system:serviceaccounts:shop'));
  assert.ok(t.isPlatformSubject('user:system:kube-controller-manager'));
});

test('without a policy each namespace is its own tenant', () => {
  const t = new Tenancy(null, env());
  assert.equal(t.tenantOf('shop').name, 'shop');
  assert.ok(!t.sameTenant('shop', 'shop-eu'));
  assert.ok(t.isPlatform('kube-system'));
  assert.ok(!t.mayClaimHost('shop', 'example.com'));
});

test('invalid policies fail with file, line and field', () => {
  const bad = (text: string, pattern: RegExp) => assert.throws(() => parseTenantPolicy(text, 't.yaml'), (e: unknown) => e instanceof TenantPolicyError && pattern.test((e as Error).message));
  bad('tenants:\n  - name: a\n    namespaces: [a]\n    hosts: ["http://x"]\n', /^t\.yaml:4: tenants\.0\.hosts\.0: a host such as/);
  bad('tenants:\n  - name: a\n    namespaces: [a]\n    colour: red\n', /^t\.yaml:2: tenants\.0: .*colour/i);
  bad('tenants:\n  - name: a\n', /tenant "a" has no namespaces/);
  bad('tenants:\n  - {name: a, namespaces: [a]}\n  - {name: a, namespaces: [b]}\n', /defined twice/);
  bad('platform:\n  subjects: [alice]\n', /t\.yaml:2: platform\.subjects\.0: user:NAME/);
  bad('tenants: [\n', /t\.yaml:\d+: invalid YAML/);
});

test('a service account subject names a namespace and a name: "serviceaccount:NS" alone is refused with the spelling to use', () => {
  // It meant every service account of NS to the Kyverno output and none to the scan, the webhook and the VAP.
  const refused = (subject: string, pattern: RegExp) =>
    assert.throws(() => parseTenantPolicy(`platform:\n  subjects:\n    - group:sre\n    - "${subject}"\n`, 't.yaml'), (e: unknown) => e instanceof TenantPolicyError && pattern.test((e as Error).message), subject);
  refused('serviceaccount:argocd', /^t\.yaml:4: platform\.subjects\.1: "serviceaccount:argocd" is not serviceaccount:NAMESPACE:NAME: .*write "serviceaccount:argocd:\*" for every service account of namespace argocd/);
  refused('serviceaccount:a:b:c', /"serviceaccount:a:b:c" is not serviceaccount:NAMESPACE:NAME/);
  refused('serviceaccount:{argocd:controller,flux}', /is not serviceaccount:NAMESPACE:NAME/);
  const ok = parseTenantPolicy('platform:\n  subjects: ["serviceaccount:argocd:*", "serviceaccount:{argocd,flux}:controller", "user:oidc:alice"]\n', 't.yaml');
  const t = new Tenancy(ok, env());
  assert.ok(t.isPlatformSubject('serviceaccount:argocd:anything'));
  assert.ok(t.isPlatformSubject('serviceaccount:flux:controller'));
  assert.ok(!t.isPlatformSubject('serviceaccount:flux:other'));
});

test('adversarial globs match in linear time, and unsupported glob syntax is refused when the policy is read', () => {
  const evil = '*a*a*a*a*a*a*b';
  const t = new Tenancy(
    parseTenantPolicy(`platform:\n  namespaces: ["${evil}"]\n  subjects: ["user:${evil}"]\ntenants:\n  - name: x\n    namespaces: ["${evil}", "${evil}c"]\n    gateways: ["gw/${evil}"]\n`, 't.yaml'),
    env(),
  );
  // A backtracking regex spends minutes on each of these; the matcher answers at once.
  const name = 'a'.repeat(40);
  assert.deepEqual(t.tenantOf(name), { name, platform: false, explicit: false });
  assert.ok(!t.isPlatformSubject(`user:${'a'.repeat(10_000)}`));
  assert.ok(!t.mayBindGateway(name, `gw/${'a'.repeat(10_000)}`));
  assert.equal(t.tenantOf(`${'a'.repeat(40)}b`).name, 'platform');
  assert.throws(() => parseTenantPolicy('tenants:\n  - {name: a, namespaces: ["shop-[ab]"]}\n', 't.yaml'), /t\.yaml: tenant "a" namespace "shop-\[ab\]": the character "\["/);
  assert.throws(() => parseTenantPolicy('platform:\n  namespaces: ["!prod"]\n', 't.yaml'), /negated globs are not supported/);
});

test('a bare "*" allowance is permission, not ownership, when asked so', () => {
  const policy = 'apiVersion: meshward.io/v1\nkind: TenantPolicy\ntenants:\n  - name: wide\n    namespaces: [wide]\n    hosts: ["*"]\n  - name: payments\n    namespaces: [payments]\n    hosts: [api.stripe.com]\n';
  const t = new Tenancy(parseTenantPolicy(policy, 'tenants.yaml'), env());
  assert.deepEqual(t.allowanceOwners('api.stripe.com', 'shop'), ['wide', 'payments']);
  assert.deepEqual(t.allowanceOwners('api.stripe.com', 'shop', { ignoreAnyHost: true }), ['payments']);
  assert.deepEqual(t.allowanceOwners('*', 'shop', { ignoreAnyHost: true }), ['payments'], 'a "*" claim still covers specific allowances');
  assert.deepEqual(t.allowanceOwners('other.example.com', 'shop', { ignoreAnyHost: true }), []);
});

test('a prototype key anywhere in the policy is refused at its line (a selector of {__proto__: x} lost its label and matched every namespace)', () => {
  for (const [text, line] of [
    ['tenants:\n  - name: t1\n    namespaceSelector: {matchLabels: {__proto__: x}}\n    hosts: ["*.evil.example.com"]\n', 3],
    ['tenants:\n  - name: t1\n    namespaceSelector:\n      matchLabels:\n        team: a\n        constructor: b\n', 6],
    ['__proto__: {platform: {namespaces: ["*"]}}\ntenants: []\n', 1],
  ] as const) {
    assert.throws(() => parseTenantPolicy(text, 'tenants.yaml'), (err: Error) => err instanceof TenantPolicyError && new RegExp(`^tenants\\.yaml:${line}: .*the key "(__proto__|constructor)" is not allowed`).test(err.message), text);
  }
  assert.equal(({} as Record<string, unknown>).platform, undefined);
});
