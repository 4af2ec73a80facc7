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
    'DestinationRule shop/partner originates TLS (MUTUAL, trafficPolicy) to api.partner.example.com with credentialName partner-certs and no workloadSelector, so sidecars ignore the Secret: without a client certificate Istio cannot build the TLS context, and their connections to api.partner.example.com go out in plaintext.',
  );
  assert.equal(f[0].evidence[0].description, 'Deployment shop/checkout has a sidecar that uses this DestinationRule');
});

test('SIMPLE with only credentialName: medium on current Istio, high on 1.20', async () => {
  const simple = dr({ mode: 'SIMPLE', credentialName: 'partner-ca' });
  const f = await findingsFor(rule, docs(...SHOP, simple));
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /: the CA in it is not used, and with no Istio version in the input, so a current release is assumed, they check the server only against the operating system's CA bundle\.$/);
  const old = doc({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: 'istio-system' }, spec: { template: { spec: { containers: [{ name: 'discovery', image: 'istio/pilot:1.20.2' }] } } } });
  const g = await findingsFor(rule, docs(...SHOP, old, simple));
  assert.equal(g[0].severity, 'high');
  assert.match(g[0].message, /they do not verify the server certificate at all/);
});

test('port-level and subset blocks are checked one by one', async () => {
  const f = await findingsFor(
    rule,
    docs(...SHOP, destinationRule('shop', 'p', { host: 'x.example.com', trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'MUTUAL', credentialName: 'c' } }] }, subsets: [{ name: 'v1', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'c' } } }] })),
  );
  assert.deepEqual(f.map((x) => x.location?.path).sort(), ['spec.subsets[0].trafficPolicy.tls.credentialName', 'spec.trafficPolicy.portLevelSettings[0].tls.credentialName']);
});

test('negatives: workloadSelector, file fields for sidecars, ISTIO_MUTUAL, a namespace of gateways only, hostile shapes', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'MUTUAL', credentialName: 'c' }, { workloadSelector: { matchLabels: { app: 'checkout' } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'MUTUAL', credentialName: 'c', clientCertificate: '/etc/c.pem', privateKey: '/etc/k.pem' }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'SIMPLE', credentialName: 'c', caCertificates: '/etc/ca.pem' }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, dr({ mode: 'ISTIO_MUTUAL', credentialName: 'c' }))), []);
  const egress = [namespace('istio-egress', 'none'), deployment('istio-egress', 'egressgateway', { labels: { istio: 'egressgateway' }, annotations: { 'inject.istio.io/templates': 'gateway' } })];
  assert.deepEqual(await findingsFor(rule, docs(...egress, destinationRule('istio-egress', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'c' } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'h', { host: 'x', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 7 } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'h', { host: 'x', workloadSelector: 'bogus', trafficPolicy: 'x' }))), []);
});
