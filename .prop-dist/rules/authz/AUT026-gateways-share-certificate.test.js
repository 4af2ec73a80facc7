import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT026-gateways-share-certificate.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, doc, docs, gateway } from './fixtures.js';
const https = (host, credentialName) => ({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName } });
const ingress = deployment('istio-system', 'istio-ingressgateway', { labels: { istio: 'ingressgateway' } });
const other = deployment('istio-system', 'internal-gateway', { labels: { istio: 'internalgateway' } });
test('two Istio Gateways on the same pods with the same credentialName: medium, on the second one, the first as evidence', async () => {
    const f = await findingsFor(rule, docs(ingress, gateway('shop', 'shop', { istio: 'ingressgateway' }, [https('shop.example.com', 'wildcard')]), gateway('admin', 'admin', { istio: 'ingressgateway' }, [https('admin.example.com', 'wildcard')])));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].resource.name, 'admin');
    assert.equal(f[0].location?.path, 'spec.servers[0].tls.credentialName');
    assert.equal(f[0].message, "Gateway admin/admin serves admin.example.com with credentialName wildcard, the certificate Gateway shop/shop serves for shop.example.com on the same gateway pods: HTTP/2 clients reuse one connection for both, so requests reach the other Gateway's routes and policies.");
    assert.equal(f[0].evidence[0].resource?.name, 'shop');
    // Gateway pods not in the input: the same selector counts.
    assert.equal((await findingsFor(rule, docs(gateway('shop', 'shop', { istio: 'ingressgateway' }, [https('a.example.com', 'c')]), gateway('admin', 'admin', { istio: 'ingressgateway' }, [https('b.example.com', 'c')])))).length, 1);
});
test('two Gateway-API Gateways referencing one Secret: low, on the certificateRef', async () => {
    const k8s = (name, host) => doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'edge' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: host, tls: { certificateRefs: [{ name: 'shared-cert' }] } }] } });
    const f = await findingsFor(rule, docs(k8s('public', 'a.example.com'), k8s('partners', 'b.example.com')));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'spec.listeners[0].tls.certificateRefs[0]');
    assert.match(f[0].message, /^Gateway edge\/partners serves b\.example\.com with Secret edge\/shared-cert, which Gateway edge\/public also serves/);
});
test('negatives: different pods, different credentials, one Gateway with several servers, hostile shapes', async () => {
    assert.deepEqual(await findingsFor(rule, docs(ingress, other, gateway('shop', 'shop', { istio: 'ingressgateway' }, [https('a.example.com', 'c')]), gateway('admin', 'admin', { istio: 'internalgateway' }, [https('b.example.com', 'c')]))), []);
    assert.deepEqual(await findingsFor(rule, docs(ingress, gateway('shop', 'shop', { istio: 'ingressgateway' }, [https('a.example.com', 'c1')]), gateway('admin', 'admin', { istio: 'ingressgateway' }, [https('b.example.com', 'c2')]))), []);
    assert.deepEqual(await findingsFor(rule, docs(ingress, gateway('shop', 'shop', { istio: 'ingressgateway' }, [https('a.example.com', 'c'), https('b.example.com', 'c')]))), []);
    assert.deepEqual(await findingsFor(rule, docs(gateway('a', 'a', {}, [https('x', 'c')]), gateway('b', 'b', {}, [https('y', 'c')]))), []);
    const bad = doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'b', namespace: 'edge' }, spec: { listeners: [{ tls: { certificateRefs: 'x' } }, null, { tls: { certificateRefs: [{ name: 7 }, { kind: 'ConfigMap', name: 'x' }] } }] } });
    assert.deepEqual(await findingsFor(rule, docs(bad, bad.replace('"name":"b"', '"name":"c"'))), []);
});
test('many Gateways on one wildcard certificate: one finding per later Gateway, in linear time', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => gateway(`t${i}`, 'gw', { istio: 'ingressgateway' }, [https(`t${i}.example.com`, 'wildcard')]));
    const started = Date.now();
    const f = await findingsFor(rule, docs(ingress, ...many));
    assert.equal(f.length, 1499);
    assert.ok(f.every((x) => x.evidence[0].resource?.namespace === 't0'));
    assert.ok(Date.now() - started < 20000);
});
