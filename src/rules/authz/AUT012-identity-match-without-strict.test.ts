import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT012-identity-match-without-strict.js';
import { findingsFor } from '../../testing/kit.js';
import { STRICT_MESH, authz, deployment, docs, namespace, peerAuth } from './fixtures.js';

const SHOP = [namespace('shop'), deployment('shop', 'web', { ports: [8080, 9090] })];
const denyNs = authz('shop', 'deny-legacy', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['legacy'] } }] }] });

test('DENY on namespaces while the workload is PERMISSIVE: high, on the field, the workload as evidence', async () => {
  const f = await findingsFor(rule, docs(...SHOP, denyNs));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.rules[0].from[0].source.namespaces');
  assert.equal(
    f[0].message,
    'DENY policy shop/deny-legacy matches namespaces (rules[0]), which only mutual TLS provides, but a workload it applies to accepts plaintext (Deployment shop/web on every port): a plaintext request carries no identity, so the rule never matches it and the caller it is meant to stop gets in by leaving out mTLS.',
  );
  assert.deepEqual(f[0].evidence.map((e) => e.description), ["Deployment shop/web accepts plaintext: PERMISSIVE by Istio's default"]);
});

test('port level: a DISABLE port under a STRICT mesh is enough, unless the rule is limited to STRICT ports', async () => {
  const pa = peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, portLevelMtls: { '9090': { mode: 'DISABLE' } } });
  const f = await findingsFor(rule, docs(...SHOP, STRICT_MESH, pa, denyNs));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /\(Deployment shop\/web on 9090\)/);
  assert.match(f[0].evidence[0].description, /with port-level overrides/);
  const only8080 = authz('shop', 'deny-legacy', { action: 'DENY', rules: [{ from: [{ source: { principals: ['x'] } }], to: [{ operation: { ports: ['8080'] } }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, STRICT_MESH, pa, only8080)), []);
  const only9090 = authz('shop', 'deny-legacy', { action: 'DENY', rules: [{ from: [{ source: { principals: ['x'] } }], to: [{ operation: { ports: ['9090'] } }] }] });
  assert.equal((await findingsFor(rule, docs(...SHOP, STRICT_MESH, pa, only9090))).length, 1);
});

test('ALLOW with notPrincipals / notNamespaces and CUSTOM with principals fail open as well; when conditions count', async () => {
  const allowNot = authz('shop', 'a', { rules: [{ from: [{ source: { notNamespaces: ['legacy'] } }] }] });
  const fa = await findingsFor(rule, docs(...SHOP, allowNot));
  assert.match(fa[0].message, /^ALLOW policy shop\/a matches notNamespaces .* the exclusion matches it and it is allowed/);
  const custom = authz('shop', 'c', { action: 'CUSTOM', provider: { name: 'x' }, rules: [{ from: [{ source: { principals: ['p'] } }] }] });
  assert.match((await findingsFor(rule, docs(...SHOP, custom)))[0].message, /external authorizer is skipped/);
  const when = authz('shop', 'w', { action: 'DENY', rules: [{ when: [{ key: 'source.namespace', values: ['legacy'] }] }] });
  const fw = await findingsFor(rule, docs(...SHOP, when));
  assert.equal(fw[0].location?.path, 'spec.rules[0].when[0].values');
  assert.match(fw[0].message, /matches when source.namespace/);
});

test('negatives: STRICT workloads, ALLOW with positive identities, AUDIT, workloads outside the mesh', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, STRICT_MESH, denyNs)), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('shop', 'a', { rules: [{ from: [{ source: { principals: ['x'] } }] }] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('shop', 'a', { action: 'AUDIT', rules: [{ from: [{ source: { principals: ['x'] } }] }] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('legacy', 'none'), deployment('legacy', 'old'), authz('legacy', 'd', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['x'] } }] }] }))), []);
});

test('many policies on one workload (its attachments looked up by policy, not searched): each judged as alone', async () => {
  const many = Array.from({ length: 20 }, (_, i) => authz('shop', `deny-${i}`, { action: 'DENY', rules: [{ from: [{ source: { namespaces: [`legacy-${i}`] } }] }] }));
  const f = await findingsFor(rule, docs(...SHOP, ...many));
  assert.deepEqual(f.map((x) => x.resource.name).sort(), many.map((_, i) => `deny-${i}`).sort());
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, STRICT_MESH, ...many)), []);
});
