import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT004-tls-origination-unverified.js';
import { findingsFor } from '../../testing/kit.js';
import { destinationRule, doc, docs } from './fixtures.js';

const dr = (trafficPolicy: Record<string, unknown>, extra: Record<string, unknown> = {}) => docs(destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy, ...extra }));

const istiod = (image: string, env: Array<Record<string, string>> = []) =>
  doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system' },
    spec: { template: { metadata: { labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image, env }] } } },
  });

test('no CA on Istio 1.20 (istiod image): the certificate is not verified at all, high, on the mode', async () => {
  const f = await findingsFor(rule, docs(istiod('docker.io/istio/pilot:1.20.3'), dr({ tls: { mode: 'SIMPLE', sni: 'api.partner.example.com' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
  assert.equal(
    f[0].message,
    'DestinationRule shop/partner originates TLS (SIMPLE, trafficPolicy) to api.partner.example.com without caCertificates or credentialName, and Istio 1.20.3 (container "discovery" of Deployment istio-system/istiod): the server certificate is not verified at all, so anyone who can intercept the connection can present their own, and no subjectAltNames pin the name either.',
  );
  assert.equal(f[0].evidence[0].role, 'version');
});

test('no CA with VERIFY_CERTIFICATE_AT_CLIENT=false on istiod: high whatever the version', async () => {
  const f = await findingsFor(rule, docs(istiod('docker.io/istio/pilot:1.24.1', [{ name: 'VERIFY_CERTIFICATE_AT_CLIENT', value: 'false' }]), dr({ tls: { mode: 'SIMPLE' } })));
  assert.equal(f[0].severity, 'high');
  assert.match(f[0].message, /and istiod sets VERIFY_CERTIFICATE_AT_CLIENT=false: the server certificate is not verified at all/);
  assert.equal(f[0].evidence[0].location?.path, 'spec.template.spec.containers[0].env[0].value');
});

test('regression: no CA on current Istio (1.21+ or no version in the input) verifies against system CAs: low for a public host', async () => {
  for (const extra of [[], [istiod('registry.istio.io/release/pilot:1.26.2')]]) {
    const f = await findingsFor(rule, docs(...extra, dr({ tls: { mode: 'SIMPLE', sni: 'api.partner.example.com' } })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /without caCertificates or credentialName: with (Istio 1\.26\.2 .*|no Istio version in the input, so a current release is assumed), the proxy checks the server only against the operating system's CA bundle, so a certificate from any public CA is accepted, and no subjectAltNames pin the name either; pin the CA you expect\.$/);
  }
});

test('no CA to an in-cluster host on current Istio: info (a private CA fails the system bundle; nothing is exposed)', async () => {
  const inMesh = docs(destinationRule('shop', 'db', { host: 'db.data.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } }));
  const f = await findingsFor(rule, inMesh);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.match(f[0].message, /to db\.data\.svc\.cluster\.local without caCertificates .* which a certificate from a private \(mesh or cluster\) CA does not pass/);
  // The same host on 1.20 is high: nothing is verified.
  assert.equal((await findingsFor(rule, docs(istiod('docker.io/istio/pilot:1.20.0'), inMesh)))[0].severity, 'high');
});

test('a CA without subjectAltNames: medium', async () => {
  const f = await findingsFor(rule, dr({ tls: { mode: 'MUTUAL', credentialName: 'partner-client' } }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /originates TLS \(MUTUAL, trafficPolicy\) .* without subjectAltNames: the proxy accepts any certificate its CA signed/);
});

test('port-level settings and subsets are checked one by one', async () => {
  const f = await findingsFor(
    rule,
    dr(
      { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem', subjectAltNames: ['api.partner.example.com'] } }, { port: { number: 8443 }, tls: { mode: 'SIMPLE' } }] },
      { subsets: [{ name: 'eu', trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem' } } }] },
    ),
  );
  assert.deepEqual(
    f.map((x) => [x.location?.path, x.severity]).sort(),
    [
      ['spec.subsets[0].trafficPolicy.tls.mode', 'medium'],
      ['spec.trafficPolicy.portLevelSettings[1].tls.mode', 'low'],
    ],
  );
  assert.match(f.find((x) => x.severity === 'low')!.message, /\(SIMPLE, port 8443\)/);
});

test('negatives: verified origination, Istio mTLS, DISABLE, and insecureSkipVerify (AUT005 reports it)', async () => {
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', caCertificates: 'system', subjectAltNames: ['api.partner.example.com'] } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'ISTIO_MUTUAL' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'DISABLE' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', insecureSkipVerify: true } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: ['SIMPLE'] })), []);
});
