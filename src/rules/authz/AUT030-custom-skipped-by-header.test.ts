import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT030-custom-skipped-by-header.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, docs, namespace } from './fixtures.js';

const SHOP = [namespace('shop'), deployment('shop', 'web')];
const custom = (when: unknown, extra: Record<string, unknown> = {}) => authz('shop', 'ext-authz', { selector: { matchLabels: { app: 'web' } }, action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{ when }], ...extra });
const requireToken = (notPaths?: string[]) => authz('shop', 'require-jwt', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }], ...(notPaths ? { to: [{ operation: { notPaths } }] } : {}) }] });

test('"only without an Authorization header": high, on the notValues field, and the message says how a client skips it', async () => {
  const f = await findingsFor(rule, docs(...SHOP, custom([{ key: 'request.headers[authorization]', notValues: ['*'] }])));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.rules[0].when[0].notValues');
  assert.equal(
    f[0].message,
    'CUSTOM policy shop/ext-authz calls its authorizer "oauth2-proxy" only for requests without the authorization header: a client skips it by sending one, with any value; a skipped request goes on to the DENY and ALLOW policies as if it had been authorized, and nothing in the input refuses it for lacking a token.',
  );
});

test('values and listed notValues on a header: each reported, worded by what the client does', async () => {
  const f = await findingsFor(rule, docs(...SHOP, custom([{ key: 'request.headers[x-internal]', notValues: ['true'] }, { key: 'request.headers[x-needs-auth]', values: ['yes'] }])));
  const at = (p: string) => f.find((x) => x.location?.path === p)?.message ?? '';
  assert.equal(f.length, 2);
  assert.match(at('spec.rules[0].when[0].notValues'), /only for requests whose x-internal header is not "true": a client skips it by sending one of those/);
  assert.match(at('spec.rules[0].when[1].values'), /only for requests whose x-needs-auth header is "yes": a client skips it by leaving the header out or sending another value/);
});

test('a DENY on missing request principals on the same workloads: low, naming it (a skipped request still needs a valid JWT)', async () => {
  const f = await findingsFor(rule, docs(...SHOP, custom([{ key: 'request.headers[authorization]', notValues: ['*'] }]), requireToken(['/healthz'])));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /DENY policy shop\/require-jwt on the same workloads refuses requests without a validated token/);
  assert.equal(f[0].evidence[0].resource?.name, 'require-jwt');
  // A DENY on another workload guards nothing here.
  const elsewhere = authz('shop', 'require-jwt', { selector: { matchLabels: { app: 'api' } }, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
  const g = await findingsFor(rule, docs(...SHOP, deployment('shop', 'api'), custom([{ key: 'request.headers[authorization]', notValues: ['*'] }]), elsewhere));
  assert.equal(g[0].severity, 'high');
});

test('negatives: conditions the client cannot choose, other actions, dry-run, invalid CUSTOM policies', async () => {
  for (const input of [
    custom([{ key: 'request.auth.claims[groups]', values: ['admin'] }]),
    custom([{ key: 'destination.port', values: ['8080'] }]),
    custom([{ key: 'request.headers[:authority]', values: ['admin.example.com'] }, { key: 'request.headers[Host]', notValues: ['public.example.com'] }, { key: 'request.headers[:path]', values: ['/admin'] }]),
    authz('shop', 'web', { rules: [{ when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }] }),
    authz('shop', 'deny', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-user]', notValues: ['*'] }] }] }),
    authz('shop', 'ext-authz', { selector: { matchLabels: { app: 'web' } }, action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{ when: [{ key: 'request.headers[authorization]', notValues: ['*'] }] }] }, { annotations: { 'istio.io/dry-run': 'true' } }),
    authz('shop', 'no-provider', { action: 'CUSTOM', rules: [{ when: [{ key: 'request.headers[authorization]', notValues: ['*'] }] }] }),
    custom('not a list'),
  ]) {
    assert.deepEqual(await findingsFor(rule, docs(...SHOP, input)), [], input);
  }
});
