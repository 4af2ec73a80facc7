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

test('regression: no CA on current Istio (1.21+ or no version in the input) with sni set: system CAs, no name check, medium', async () => {
  for (const extra of [[], [istiod('registry.istio.io/release/pilot:1.26.2')]]) {
    const f = await findingsFor(rule, docs(...extra, dr({ tls: { mode: 'SIMPLE', sni: 'api.partner.example.com' } })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /without caCertificates or credentialName: with (Istio 1\.26\.2 .*|no Istio version in the input, so a current release is assumed), the proxy checks the server only against the operating system's CA bundle and sni is set, so no name is checked: a certificate any public CA issued, for any name, is accepted; pin the CA you expect and set subjectAltNames\.$/);
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

test('a CA without subjectAltNames, sni set: medium', async () => {
  const f = await findingsFor(rule, dr({ tls: { mode: 'MUTUAL', credentialName: 'partner-client', sni: 'api.partner.example.com' } }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /originates TLS \(MUTUAL, trafficPolicy\) .* without subjectAltNames and with sni set .*: the proxy accepts any certificate its CA signed/);
});

test('a CA without subjectAltNames nor sni, port protocol not in the input: low, saying why', async () => {
  const f = await findingsFor(rule, dr({ tls: { mode: 'MUTUAL', credentialName: 'partner-client' } }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /depends on the port's protocol, which the input does not show/);
});

// Istio's analyzer input destinationrule-simple-destination*.yaml and the egress TLS origination task:
// an HTTP ServiceEntry port, neither sni nor subjectAltNames: auto SNI and auto SAN validation check the
// certificate's name against the request's host (1.21+).
const httpEntry = (protocol: string, number = 80) =>
  doc({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'partner', namespace: 'shop' }, spec: { hosts: ['api.partner.example.com'], ports: [{ number, name: 'p', protocol }], resolution: 'DNS', location: 'MESH_EXTERNAL' } });

test('HTTP port without sni and subjectAltNames is name-checked automatically (1.21+): CA given, nothing; no CA, info', async () => {
  assert.deepEqual(await findingsFor(rule, docs(httpEntry('HTTP'), destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'partner-ca' } } }))), []);
  const noCa = await findingsFor(rule, docs(httpEntry('HTTP2'), destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  assert.equal(noCa.length, 1);
  assert.equal(noCa[0].severity, 'info');
  assert.match(noCa[0].message, /auto SAN validation/);
  // On 1.20 there is no auto SAN validation (nor verification without a CA).
  const old = await findingsFor(rule, docs(istiod('docker.io/istio/pilot:1.20.3'), httpEntry('HTTP'), destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'partner-ca' } } })));
  assert.equal(old[0]?.severity, 'medium');
});

test('a non-HTTP port (TLS, TCP) gets no automatic name check: medium', async () => {
  for (const protocol of ['TLS', 'TCP', 'MONGO']) {
    const f = await findingsFor(rule, docs(httpEntry(protocol, 443), destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'partner-ca' } } })));
    assert.equal(f[0]?.severity, 'medium', protocol);
    const noCa = await findingsFor(rule, docs(httpEntry(protocol, 443), destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
    assert.equal(noCa[0]?.severity, 'medium', protocol);
    assert.match(noCa[0].message, /the port is not HTTP, so no name is checked/);
  }
});

// Istio's samples/bookinfo/networking/egress-rule-google-apis.yaml and the older egress TLS origination
// task: the ServiceEntry declares 80 HTTP and 443 HTTPS, a VirtualService routes plaintext HTTP on 80 to
// port 443, and the DestinationRule originates TLS on 443. The 443 cluster then carries HTTP requests,
// and the auto SNI / auto SAN validation Istio sets on it (upstream HTTP options) check their host.
const twoPortEntry = doc({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'partner', namespace: 'shop' },
  spec: { hosts: ['api.partner.example.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS' },
});
const routeTo = (port: number, host = 'api.partner.example.com', section: 'http' | 'tcp' = 'http', mirror = false) =>
  doc({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'partner-port-rewrite', namespace: 'shop' },
    spec: {
      hosts: ['api.partner.example.com'],
      [section]: [
        mirror
          ? { route: [{ destination: { host: 'api.partner.example.com', port: { number: 80 } } }], mirror: { host, port: { number: port } } }
          : { match: [{ port: 80 }], route: [{ destination: { host, port: { number: port } } }] },
      ],
    },
  });
const originateOn443 = (tls: Record<string, unknown>) => destinationRule('shop', 'partner', { host: 'api.partner.example.com', trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls }] } });

test('a non-HTTP port that an HTTP route sends requests to is name-checked automatically: info, saying why', async () => {
  for (const route of [routeTo(443), routeTo(443, 'api.partner.example.com', 'http', true)]) {
    const f = await findingsFor(rule, docs(twoPortEntry, route, originateOn443({ mode: 'SIMPLE' })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'info');
    assert.match(f[0].message, /auto SAN validation: HTTP requests a VirtualService routes to this port with neither sni nor subjectAltNames/);
    assert.deepEqual(await findingsFor(rule, docs(twoPortEntry, route, originateOn443({ mode: 'SIMPLE', credentialName: 'partner-ca' }))), []);
  }
});

test('routed HTTP counts only for the port and host it reaches, over an HTTP route, without sni, on 1.21+', async () => {
  const medium = async (...parts: string[]) => (await findingsFor(rule, docs(twoPortEntry, ...parts)))[0]?.severity;
  assert.equal(await medium(originateOn443({ mode: 'SIMPLE' })), 'medium', 'no route');
  assert.equal(await medium(routeTo(8443), originateOn443({ mode: 'SIMPLE' })), 'medium', 'a route to another port');
  assert.equal(await medium(routeTo(443, 'other.example.com'), originateOn443({ mode: 'SIMPLE' })), 'medium', 'a route to another host');
  assert.equal(await medium(routeTo(443, 'api.partner.example.com', 'tcp'), originateOn443({ mode: 'SIMPLE' })), 'medium', 'a TCP route carries no HTTP requests');
  assert.equal(await medium(routeTo(443), originateOn443({ mode: 'SIMPLE', sni: 'api.partner.example.com' })), 'medium', 'sni set: no auto SAN validation');
  assert.equal(await medium(istiod('docker.io/istio/pilot:1.20.3'), routeTo(443), originateOn443({ mode: 'SIMPLE', credentialName: 'partner-ca' })), 'medium', '1.20: no auto SAN validation');
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
      ['spec.subsets[0].trafficPolicy.tls.mode', 'low'],
      ['spec.trafficPolicy.portLevelSettings[1].tls.mode', 'low'],
    ],
  );
  assert.ok(f.some((x) => /\(SIMPLE, port 8443\)/.test(x.message)));
});

test('negatives: verified origination, Istio mTLS, DISABLE, and insecureSkipVerify (AUT005 reports it)', async () => {
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', caCertificates: 'system', subjectAltNames: ['api.partner.example.com'] } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'ISTIO_MUTUAL' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'DISABLE' } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: { mode: 'SIMPLE', insecureSkipVerify: true } })), []);
  assert.deepEqual(await findingsFor(rule, dr({ tls: ['SIMPLE'] })), []);
});
