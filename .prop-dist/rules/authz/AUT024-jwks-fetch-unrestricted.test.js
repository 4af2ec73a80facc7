import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT024-jwks-fetch-unrestricted.js';
import { findingsFor } from '../../testing/kit.js';
import { doc, docs, requestAuthn } from './fixtures.js';
const istiod = (env = [], image = 'docker.io/istio/pilot:1.26.2') => doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' } },
    spec: { template: { metadata: { labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image, env }] } } },
});
const ra = requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json' }] });
test('istiod without BLOCKED_CIDRS_IN_JWKS_URIS and a RequestAuthentication with jwksUri: medium, on the discovery container', async () => {
    const f = await findingsFor(rule, docs(istiod(), ra));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[0]');
    assert.equal(f[0].message, 'Deployment istio-system/istiod runs istiod without BLOCKED_CIDRS_IN_JWKS_URIS while a RequestAuthentication has it fetch a jwksUri: whoever can write a RequestAuthentication can make istiod request internal addresses such as the cloud metadata service (SSRF).');
    assert.equal(f[0].evidence[0].location?.path, 'spec.jwtRules[0].jwksUri');
    // An empty value is not a block list.
    assert.equal((await findingsFor(rule, docs(istiod([{ name: 'BLOCKED_CIDRS_IN_JWKS_URIS', value: ' ' }]), ra))).length, 1);
});
test('negatives: the variable set (value or valueFrom), no jwksUri (inline jwks), no istiod in the input', async () => {
    assert.deepEqual(await findingsFor(rule, docs(istiod([{ name: 'BLOCKED_CIDRS_IN_JWKS_URIS', value: '169.254.0.0/16' }]), ra)), []);
    assert.deepEqual(await findingsFor(rule, docs(istiod([{ name: 'BLOCKED_CIDRS_IN_JWKS_URIS', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }]), ra)), []);
    assert.deepEqual(await findingsFor(rule, docs(istiod(), requestAuthn('shop', 'jwt', { jwtRules: [{ issuer: 'x', jwks: '{"keys":[]}' }] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(ra)), []);
    assert.deepEqual(await findingsFor(rule, docs(istiod('not-a-list'), requestAuthn('shop', 'h', { jwtRules: 'x' }))), []);
});
