import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT022-credentialname-on-sidecars.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, destinationRule, doc, docs, namespace } from './fixtures.js';

const SHOP = [namespace('shop'), deployment('shop', 'checkout')];
const dr = (tls: Record<string, unknown>, extra: Record<string, unknown> = {}) => destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls }, ...extra });

test('MUTUAL with only credentialName and no workloadSelector: high, sidecars send plaintext, on the credentialName', async () => {
  const f = await findingsFor(rule, docs(...SHOP, dr({ mode: 'MUTUAL', credentialName: 'partner-certs' })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.credentialName');
  assert.equal(
    f[0].message,
    'DestinationRule shop/partner originates TLS (MUTUAL, trafficPolicy) to api.partner.example.com with credentialName partner-certs and no workloadSelector: Istio builds no TLS context for sidecars from it, so every sidecar that uses it sends its connections to api.partner.example.com in plaintext; only gateways load the Secret and originate TLS.',
  );
  assert.equal(f[0].evidence[0].description, 'Deployment shop/checkout has a sidecar that uses this DestinationRule');
});

test('SIMPLE with credentialName and no workloadSelector: high like MUTUAL (no TLS at all on sidecars), on any Istio version', async () => {
  // cluster_tls.go buildUpstreamClusterTLSContext returns nil for SIMPLE and MUTUAL alike (1.14 to 1.30).
  const simple = dr({ mode: 'SIMPLE', credentialName: 'partner-ca' });
  const f = await findingsFor(rule, docs(...SHOP, simple));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(
    f[0].message,
    'DestinationRule shop/partner originates TLS (SIMPLE, trafficPolicy) to api.partner.example.com with credentialName partner-ca and no workloadSelector: Istio builds no TLS context for sidecars from it, so every sidecar that uses it sends its connections to api.partner.example.com in plaintext; only gateways load the Secret and originate TLS.',
  );
  const old = doc({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: 'istio-system' }, spec: { template: { spec: { containers: [{ name: 'discovery', image: 'istio/pilot:1.20.2' }] } } } });
  assert.deepEqual((await findingsFor(rule, docs(...SHOP, old, simple))).map((x) => x.severity), ['high']);
});

test('the file fields do not help while credentialName is set: sidecars read none of them', async () => {
  const s = await findingsFor(rule, docs(...SHOP, dr({ mode: 'SIMPLE', credentialName: 'c', caCertificates: '/etc/ca.pem' })));
  assert.deepEqual(s.map((x) => x.severity), ['high']);
  assert.match(s[0].message, /no TLS context for sidecars from it \(caCertificates is not read either\), so every sidecar that uses it sends its connections to api\.partner\.example\.com in plaintext/);
  const m = await findingsFor(rule, docs(...SHOP, dr({ mode: 'MUTUAL', credentialName: 'c', clientCertificate: '/etc/c.pem', privateKey: '/etc/k.pem' })));
  assert.deepEqual(m.map((x) => x.severity), ['high']);
  assert.match(m[0].message, /\(clientCertificate, privateKey are not read either\)/);
});

test('port-level and subset blocks are checked one by one', async () => {
  const f = await findingsFor(
    rule,
    docs(...SHOP, destinationRule('shop', 'p', { host: 'x.example.com', trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'MUTUAL', credentialName: 'c' } }] }, subsets: [{ name: 'v1', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'c' } } }] })),
  );
  assert.deepEqual(f.map((x) => x.location?.path).sort(), ['spec.subsets[0].trafficPolicy.tls.credentialName', 'spec.trafficPolicy.portLevelSettings[0].tls.credentialName']);
});

test('negatives: workloadSelector, a configmap:// CA bundle, ISTIO_MUTUAL, a namespace of gateways only, hostile shapes', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'MUTUAL', credentialName: 'c' }, { workloadSelector: { matchLabels: { app: 'checkout' } } }))), []);
  // A ConfigMap credential is not a privileged lookup: Istio (1.26+) builds the context on sidecars too.
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'SIMPLE', credentialName: 'configmap://shop/partner-ca' }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'ISTIO_MUTUAL', credentialName: 'c' }))), []);
  const egress = [namespace('istio-egress', 'none'), deployment('istio-egress', 'egressgateway', { labels: { istio: 'egressgateway' }, annotations: { 'inject.istio.io/templates': 'gateway' } })];
  assert.deepEqual(await findingsFor(rule, docs(...egress, destinationRule('istio-egress', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'c' } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'h', { host: 'x', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 7 } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'h', { host: 'x', workloadSelector: 'bogus', trafficPolicy: 'x' }))), []);
});
