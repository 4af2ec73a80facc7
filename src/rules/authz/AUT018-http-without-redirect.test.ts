import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT018-http-without-redirect.js';
import { findingsFor } from '../../testing/kit.js';
import { docs, gateway } from './fixtures.js';

const https = (hosts: string[]) => ({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: 'c' } });
const http = (hosts: string[], tls?: Record<string, unknown>) => ({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts, ...(tls ? { tls } : {}) });
const sel = { istio: 'ingressgateway' };

test('HTTP beside HTTPS for the same host, no redirect: medium, on the HTTP server protocol', async () => {
  const f = await findingsFor(rule, docs(gateway('istio-system', 'edge', sel, [https(['shop/shop.example.com']), http(['shop/shop.example.com'])])));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.servers[1].port.protocol');
  assert.equal(
    f[0].message,
    'Gateway istio-system/edge server 1 serves shop.example.com over plain HTTP on port 80 without httpsRedirect, while server 0 serves it over HTTPS: cookies and tokens of clients that start with http:// travel in plaintext.',
  );
});

test('the HTTPS server of the same Gateway is named first', async () => {
  const f = await findingsFor(rule, docs(gateway('istio-ingress', 'catch-all', sel, [https(['*'])]), gateway('istio-system', 'edge', sel, [https(['shop/shop.example.com']), http(['shop/shop.example.com'])])));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /while server 0 serves it over HTTPS/);
});

test('across Gateways on the same pods, with wildcards', async () => {
  const f = await findingsFor(rule, docs(gateway('istio-system', 'tls', sel, [https(['*.example.com'])]), gateway('shop', 'plain', sel, [http(['shop.example.com', 'other.test'])])));
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.name, 'plain');
  assert.match(f[0].message, /serves shop.example.com over plain HTTP .* while Gateway istio-system\/tls server 0 serves it over HTTPS/);
  assert.equal(f[0].evidence[0].resource?.name, 'tls');
});

test('negatives: httpsRedirect, other hosts, other gateway pods, HTTP only', async () => {
  assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'edge', sel, [https(['a.example.com']), http(['a.example.com'], { httpsRedirect: true })]))), []);
  assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'edge', sel, [https(['a.example.com']), http(['b.example.com'])]))), []);
  assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'a', sel, [https(['a.example.com'])]), gateway('istio-system', 'b', { istio: 'internal' }, [http(['a.example.com'])]))), []);
  assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'edge', sel, [http(['a.example.com'])]))), []);
});

// Istio's tests/testdata/config/egressgateway.yaml: the egress gateway serves a host over HTTP on 80 and
// HTTPS on 443; its clients are sidecars (TLS origination through it), not browsers.
test('an egress gateway serving a host over HTTP and HTTPS is not reported; the same servers on an ingress are', async () => {
  for (const egress of [{ istio: 'egressgateway' }, { app: 'istio-egressgateway' }]) {
    assert.deepEqual(await findingsFor(rule, docs(gateway('istio-system', 'egress', egress, [http(['egress.example.com']), https(['egress.example.com'])]))), [], JSON.stringify(egress));
  }
  assert.equal((await findingsFor(rule, docs(gateway('istio-system', 'ingress', sel, [http(['egress.example.com']), https(['egress.example.com'])])))).length, 1);
  assert.equal((await findingsFor(rule, docs(gateway('istio-system', 'ingress', { istio: 'egressgateway-like' }, [http(['egress.example.com']), https(['egress.example.com'])])))).length, 1);
});
