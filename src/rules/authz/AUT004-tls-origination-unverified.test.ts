import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT004-tls-origination-unverified.js';
import { findingsFor } from '../../testing/kit.js';
import { destinationRule, docs } from './fixtures.js';

const dr = (trafficPolicy: Record<string, unknown>, extra: Record<string, unknown> = {}) => docs(destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy, ...extra }));

test('SIMPLE without caCertificates or credentialName: high, on the mode', async () => {
  const f = await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', sni: 'api.partner.example.com' } }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
  assert.equal(
    f[0].message,
    'DestinationRule shop/partner originates TLS (SIMPLE, trafficPolicy) to api.partner.example.com without caCertificates or credentialName: the server certificate is not checked against a CA you chose, so anyone who can intercept the connection can present their own, and no subjectAltNames pin the name either.',
  );
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
      ['spec.trafficPolicy.portLevelSettings[1].tls.mode', 'high'],
    ],
  );
  assert.match(f.find((x) => x.severity === 'high')!.message, /\(SIMPLE, port 8443\)/);
});

test('negatives: verified origination, Istio mTLS, DISABLE, and insecureSkipVerify (AUT005 reports it)', async () => {
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', caCertificates: 'system', subjectAltNames: ['api.partner.example.com'] } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'ISTIO_MUTUAL' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'DISABLE' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', insecureSkipVerify: true } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: ['SIMPLE'] })), []);
});
