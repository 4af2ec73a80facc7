import { defineRule } from '../types.js';
import { str } from '../../posture/util.js';
import { DR, tlsBlocks, tlsMode } from './common.js';

export default defineRule({
  meta: {
    id: 'AUT005',
    title: 'DestinationRule sets insecureSkipVerify: the server certificate is not verified',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: [DR],
    docs: {
      summary: 'A `tls` block of a DestinationRule (top level, per port or per subset) sets `insecureSkipVerify: true`.',
      why:
        'The proxy then accepts any server certificate, self-signed or for another name, so TLS still encrypts but no longer authenticates the server: whoever can intercept the connection (DNS, a rogue ServiceEntry or VirtualService, the network path to an external service) terminates it, reads the traffic and the credentials in it, and forwards it on. The flag exists to opt a host out of verification; it is rarely meant to stay.',
      fix:
        'Remove `insecureSkipVerify` and give the CA that signs the server certificate (`caCertificates` or `credentialName`) plus `subjectAltNames`. For a test service with a self-signed certificate, pin that certificate as the CA.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: partner, namespace: shop}\nspec:\n  host: partner.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE, insecureSkipVerify: true}',
      good: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: partner, namespace: shop}\nspec:\n  host: partner.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n      credentialName: partner-ca\n      subjectAltNames: [partner.example.com]',
      references: ['https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings'],
    },
  },
  check({ model, report }) {
    for (const dr of model.ofKind('networking.istio.io', 'DestinationRule')) {
      const host = str(dr.obj?.spec?.host) ?? '(no host)';
      for (const b of tlsBlocks(dr)) {
        const v = b.tls.insecureSkipVerify;
        if (v !== true && v !== 'true') continue;
        const mode = tlsMode(b.tls) || 'no mode';
        report({
          resource: dr,
          path: [...b.path, 'insecureSkipVerify'],
          key: b.path.join('.'),
          message: `DestinationRule ${dr.namespace}/${dr.name} sets insecureSkipVerify for ${host} (${b.where}, ${mode}): the proxy accepts any server certificate, so an interceptor can pose as the server.`,
        });
      }
    }
  },
});
