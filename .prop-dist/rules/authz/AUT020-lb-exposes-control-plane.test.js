import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT020-lb-exposes-control-plane.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, docs, service } from './fixtures.js';
const ew = deployment('istio-system', 'eastwest', { labels: { istio: 'eastwestgateway' }, ports: [15443] });
const ports = [{ name: 'status-port', port: 15021 }, { name: 'tls', port: 15443 }, { name: 'tls-istiod', port: 15012 }, { name: 'tls-webhook', port: 15017 }];
test('east-west gateway LoadBalancer exposing 15012/15017 without source ranges: high, on the first port', async () => {
    const f = await findingsFor(rule, docs(ew, service('istio-system', 'eastwest', { istio: 'eastwestgateway' }, ports, { type: 'LoadBalancer' })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.ports[2]');
    assert.equal(f[0].message, 'Gateway Service istio-system/eastwest is a LoadBalancer without loadBalancerSourceRanges and exposes 15012 (xDS over TLS and the certificate authority), 15017 (the sidecar-injection and validation webhook): anyone on the internet can reach the control plane.');
    assert.equal(f[0].evidence[0].resource?.name, 'eastwest');
});
test('plaintext xDS 15010 is critical; istiod itself with its debug port; internal load balancers one step lower', async () => {
    const plain = await findingsFor(rule, docs(ew, service('istio-system', 'eastwest', { istio: 'eastwestgateway' }, [{ port: 15010 }], { type: 'LoadBalancer' })));
    assert.equal(plain[0].severity, 'critical');
    const istiod = await findingsFor(rule, docs(service('istio-system', 'istiod', { app: 'istiod' }, [{ port: 8080 }], { type: 'LoadBalancer' })));
    assert.match(istiod[0].message, /^istiod Service istio-system\/istiod .* exposes 8080 \(istiod's plaintext debug interface\)/);
    const internal = await findingsFor(rule, docs(ew, service('istio-system', 'eastwest', { istio: 'eastwestgateway' }, ports, { type: 'LoadBalancer' }).replace('"labels":{}', '"labels":{},"annotations":{"networking.gke.io/load-balancer-type":"Internal"}')));
    assert.equal(internal[0].severity, 'medium');
    assert.match(internal[0].message, /on an internal load balancer: anything on the network/);
});
test('negatives: source ranges set, ClusterIP, ordinary gateway ports, application Services', async () => {
    assert.deepEqual(await findingsFor(rule, docs(ew, service('istio-system', 'eastwest', { istio: 'eastwestgateway' }, ports, { type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/28'] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(ew, service('istio-system', 'eastwest', { istio: 'eastwestgateway' }, ports))), []);
    assert.deepEqual(await findingsFor(rule, docs(service('istio-system', 'ingress', { istio: 'ingressgateway' }, [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }], { type: 'LoadBalancer' }))), []);
    assert.deepEqual(await findingsFor(rule, docs(deployment('shop', 'web'), service('shop', 'web', { app: 'web' }, [{ port: 15012 }], { type: 'LoadBalancer' }))), []);
});
