import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT011-hosts-on-sidecar.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, docs, gateway, namespace } from './fixtures.js';
const hostsRule = { rules: [{ to: [{ operation: { hosts: ['shop.example.com', 'shop.example.com:*'] } }] }] };
const MESH = [namespace('shop'), deployment('shop', 'web'), deployment('istio-system', 'ingress', { labels: { istio: 'ingressgateway' } }), gateway('istio-system', 'gw', { istio: 'ingressgateway' }, [])];
test('hosts on an application sidecar: medium, on the hosts field, with the workloads', async () => {
    const f = await findingsFor(rule, docs(...MESH, authz('shop', 'web', { selector: { matchLabels: { app: 'web' } }, ...hostsRule })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.rules[0].to[0].operation.hosts');
    assert.equal(f[0].message, 'AuthorizationPolicy shop/web matches hosts on 1 workload that is not a gateway (Deployment shop/web): between workloads the caller writes the Host header, so the match proves nothing about who is calling.');
    assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment shop/web is an application workload']);
});
test('a mesh-wide policy with notHosts reaches sidecars too; only they are listed', async () => {
    const f = await findingsFor(rule, docs(...MESH, authz('istio-system', 'all', { action: 'DENY', rules: [{ to: [{ operation: { notHosts: ['a.example.com'] } }] }] })));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /matches notHosts on 1 workload .*\(Deployment shop\/web\)/);
});
test('negatives: hosts on gateway pods only, no workloads in the input, no host fields', async () => {
    assert.deepEqual(await findingsFor(rule, docs(...MESH, authz('istio-system', 'edge', { selector: { matchLabels: { istio: 'ingressgateway' } }, ...hostsRule }))), []);
    assert.deepEqual(await findingsFor(rule, docs(namespace('shop'), authz('shop', 'web', { selector: { matchLabels: { app: 'web' } }, ...hostsRule }))), []);
    assert.deepEqual(await findingsFor(rule, docs(...MESH, authz('shop', 'web', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }))), []);
});
