import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT015-requestauthn-without-authz.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, docs, namespace, requestAuthn } from './fixtures.js';

const SHOP = [namespace('shop'), deployment('shop', 'api'), deployment('shop', 'web')];
const jwt = requestAuthn('shop', 'jwt', { selector: { matchLabels: { app: 'api' } }, jwtRules: [{ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' }] });

test('tokens validated, none required: high, on jwtRules, naming the workload', async () => {
  const f = await findingsFor(rule, docs(...SHOP, jwt, authz('shop', 'api', { selector: { matchLabels: { app: 'api' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.jwtRules');
  assert.equal(f[0].message, 'RequestAuthentication shop/jwt validates tokens for Deployment shop/api, but no AuthorizationPolicy there requires one: a request without a token is accepted as anonymous.');
});

test('an ALLOW policy that requires requestPrincipals in every rule, or a DENY on notRequestPrincipals, protects', async () => {
  const allow = authz('shop', 'need-jwt', { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, jwt, allow)), []);
  const deny = authz('shop', 'deny-anon', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, jwt, deny)), []);
  const claims = authz('istio-system', 'need-claim', { rules: [{ when: [{ key: 'request.auth.claims[iss]', values: ['https://auth.example.com'] }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, jwt, claims)), []);
});

test('a rule that does not need a token lets anonymous requests through: still reported', async () => {
  const partly = authz('shop', 'mixed', { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }, { to: [{ operation: { paths: ['/public/*'] } }] }] });
  assert.equal((await findingsFor(rule, docs(...SHOP, jwt, partly))).length, 1);
  // A token policy on another workload does not protect this one.
  const other = authz('shop', 'web-jwt', { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] });
  assert.equal((await findingsFor(rule, docs(...SHOP, jwt, other))).length, 1);
});

test('namespace-wide RequestAuthentication lists the unprotected workloads; without workloads, policies nearby count', async () => {
  const nsJwt = requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'x' }] });
  const webOnly = authz('shop', 'web-jwt', { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] });
  const f = await findingsFor(rule, docs(...SHOP, nsJwt, webOnly));
  assert.match(f[0].message, /validates tokens for 2 workloads, but on 1 workload \(Deployment shop\/api\) no AuthorizationPolicy requires one/);
  const lonely = await findingsFor(rule, docs(namespace('auth'), requestAuthn('auth', 'jwt', { jwtRules: [{ issuer: 'x' }] })));
  assert.match(lonely[0].message, /no AuthorizationPolicy in auth or istio-system requires one/);
  // In the root namespace the two namespaces are one (istio.io tasks/security/authentication/jwt-route).
  const root = await findingsFor(rule, docs(requestAuthn('istio-system', 'ingress-jwt', { selector: { matchLabels: { istio: 'ingressgateway' } }, jwtRules: [{ issuer: 'x' }] })));
  assert.equal(root[0].message, 'RequestAuthentication istio-system/ingress-jwt validates tokens, but no AuthorizationPolicy in the root namespace istio-system requires one: a request without a token is accepted as anonymous.');
  assert.deepEqual(await findingsFor(rule, docs(namespace('auth'), requestAuthn('auth', 'jwt', { jwtRules: [] }), authz('auth', 'need', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] }))), []);
});
