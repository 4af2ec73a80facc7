import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT008-allow-negative-match.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, docs } from './fixtures.js';

test('notPaths in an ALLOW operation: high, on the field', async () => {
  const f = await findingsFor(rule, docs(authz('shop', 'web', { rules: [{ to: [{ operation: { methods: ['GET'], notPaths: ['/admin*'] } }] }] })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.rules[0].to[0].operation.notPaths');
  assert.equal(
    f[0].message,
    'ALLOW policy shop/web matches notPaths [/admin*] (rules[0]): any path not listed is allowed, and a path your application reads differently from Envoy (//admin, /admin%2F, /ADMIN, /admin;x) slips past the list.',
  );
});

test('every negative field is reported, each on its own path; notHosts high, the rest medium', async () => {
  const spec = {
    action: 'ALLOW',
    rules: [
      { from: [{ source: { notPrincipals: ['cluster.local/ns/a/sa/b'], notNamespaces: ['dev'], notIpBlocks: ['10.0.0.0/8'] } }], to: [{ operation: { notMethods: ['DELETE'], notHosts: ['admin.example.com'] } }] },
      { from: [{ source: { notRequestPrincipals: ['*'] } }], when: [{ key: 'request.headers[x-env]', notValues: ['prod'] }] },
    ],
  };
  const f = await findingsFor(rule, docs(authz('shop', 'web', spec)));
  const got = f.map((x) => `${x.location?.path} ${x.severity}`).sort();
  assert.deepEqual(got, [
    'spec.rules[0].from[0].source.notIpBlocks medium',
    'spec.rules[0].from[0].source.notNamespaces medium',
    'spec.rules[0].from[0].source.notPrincipals medium',
    'spec.rules[0].to[0].operation.notHosts high',
    'spec.rules[0].to[0].operation.notMethods medium',
    'spec.rules[1].from[0].source.notRequestPrincipals medium',
    'spec.rules[1].when[0].notValues medium',
  ]);
  assert.match(f.find((x) => x.location?.path.endsWith('notPrincipals'))!.message, /including a plaintext caller, which has no identity/);
});

test('negatives: positive matches, DENY with negative fields (the recommended pattern), malformed values', async () => {
  assert.deepEqual(await findingsFor(rule, docs(authz('shop', 'web', { rules: [{ to: [{ operation: { paths: ['/shop/*'] } }] }] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(authz('shop', 'web', { action: 'DENY', rules: [{ to: [{ operation: { notPaths: ['/public/*'] } }] }] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(authz('shop', 'web', { rules: [{ to: [{ operation: { notPaths: 'x' } }, { operation: { notPaths: [] } }] }] }))), []);
});

// kubeflow/manifests' pipeline policies allow every request without a user header (notValues ["*"]):
// "*" is any value, so the exclusion matches only requests that carry none, which any caller can send.
test('"*" excluded: only requests without the header, identity or token match, and the message says so', async () => {
  const spec = {
    rules: [
      { when: [{ key: 'request.headers[x-user-id]', notValues: ['*'] }] },
      { from: [{ source: { notPrincipals: ['*'] } }] },
      { from: [{ source: { notRequestPrincipals: ['*'] } }] },
      { when: [{ key: 'destination.port', notValues: ['*'] }] },
    ],
  };
  const f = await findingsFor(rule, docs(authz('shop', 'web', spec)));
  const at = (p: string) => f.find((x) => x.location?.path === p)!.message;
  assert.equal(
    at('spec.rules[0].when[0].notValues'),
    'ALLOW policy shop/web has a when condition on request.headers[x-user-id] with notValues [*] (rules[0]): "*" stands for any value, so the condition holds only when request.headers[x-user-id] is absent, and every request without it is allowed (a caller can always leave it out).',
  );
  assert.match(at('spec.rules[1].from[0].source.notPrincipals'), /matches only callers without a mesh identity, so plaintext callers from outside the mesh are allowed\.$/);
  assert.match(at('spec.rules[2].from[0].source.notRequestPrincipals'), /matches only requests without a valid token, so anonymous requests are allowed\.$/);
  // Every request has a destination port: the generic wording, not "absent".
  assert.match(at('spec.rules[3].when[0].notValues'), /every value not listed is allowed\.$/);
  // A list without "*" keeps the generic wording.
  const plain = await findingsFor(rule, docs(authz('shop', 'web', { rules: [{ when: [{ key: 'request.headers[x-env]', notValues: ['prod'] }] }] })));
  assert.match(plain[0].message, /every value not listed is allowed\.$/);
});
