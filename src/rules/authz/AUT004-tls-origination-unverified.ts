import { defineRule } from '../types.js';
import { str } from '../../posture/util.js';
import { DR, MESH_CONFIG, WORKLOADS, clientVerification, isInMeshHost, tlsBlocks, tlsMode } from './common.js';

export default defineRule({
  meta: {
    id: 'AUT004',
    title: 'TLS origination does not verify the server (no CA, or no subjectAltNames)',
    severity: 'high',
    category: 'authn-authz',
    reads: [DR, ...WORKLOADS, ...MESH_CONFIG],
    docs: {
      summary:
        'A DestinationRule originates TLS (`tls.mode` SIMPLE or MUTUAL, at the top level, per port or per subset) without `caCertificates` or `credentialName`, or with a CA but without `subjectAltNames` to check the name in it (medium). Without a CA, the grade follows the Istio version found in the input (the istiod image, else the proxy images; a current release when none is found): before 1.21, or with `VERIFY_CERTIFICATE_AT_CLIENT=false` on istiod, the server certificate is not verified at all (high); since 1.21 the proxy verifies it against the operating system CA bundle, which leaves a public host trusting every public CA (low) and an in-cluster host merely failing against a private CA (info). Blocks with `insecureSkipVerify: true` are reported by AUT005 instead.',
      why:
        "Without a CA you choose, the proxy either skips verification (Istio 1.20 and older, or `compatibilityVersion: 1.20`) or trusts whatever its system trust store trusts; without subjectAltNames it accepts a certificate for any name that CA signed. Either way an attacker who can intercept the connection (DNS spoofing, a compromised egress path, a rogue ServiceEntry) presents their own certificate and reads or alters the traffic, including the credentials the application sends. Istio's best-practices page asks for both: a CA check without a name check is not enough.",
      fix:
        'Set `caCertificates` (a file mounted in the proxy) or `credentialName` (a Secret holding `ca.crt`), and `subjectAltNames` with the names the server certificate must carry; also set `sni`.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: payments-api, namespace: payments}\nspec:\n  host: api.payments.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE}',
      good: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: payments-api, namespace: payments}\nspec:\n  host: api.payments.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n      credentialName: payments-api-ca\n      subjectAltNames: [api.payments.example.com]\n      sni: api.payments.example.com',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#configure-tls-verification-in-destination-rule-when-using-tls-origination',
        'https://istio.io/latest/docs/reference/config/analysis/ist0128/',
        'https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/',
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings',
      ],
    },
  },
  check({ model, report }) {
    for (const dr of model.ofKind('networking.istio.io', 'DestinationRule')) {
      const host = str(dr.obj?.spec?.host) ?? '(no host)';
      for (const b of tlsBlocks(dr)) {
        const mode = tlsMode(b.tls);
        if (mode !== 'SIMPLE' && mode !== 'MUTUAL') continue;
        if (b.tls.insecureSkipVerify === true || b.tls.insecureSkipVerify === 'true') continue;
        const ca = str(b.tls.caCertificates) ?? str(b.tls.credentialName);
        const sans = Array.isArray(b.tls.subjectAltNames) && b.tls.subjectAltNames.some((s: unknown) => typeof s === 'string' && s !== '');
        if (ca && sans) continue;
        const what = `DestinationRule ${dr.namespace}/${dr.name} originates TLS (${mode}, ${b.where}) to ${host}`;
        if (!ca) {
          const v = clientVerification(model);
          const inMesh = isInMeshHost(model, host, dr.namespace);
          const noSans = sans ? '' : ', and no subjectAltNames pin the name either';
          const message = !v.verifies
            ? `${what} without caCertificates or credentialName, and ${v.basis}: the server certificate is not verified at all, so anyone who can intercept the connection can present their own${noSans}.`
            : inMesh
              ? `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server against the operating system's CA bundle, which a certificate from a private (mesh or cluster) CA does not pass; set caCertificates or credentialName to the CA that signs it${noSans}.`
              : `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server only against the operating system's CA bundle, so a certificate from any public CA is accepted${noSans}; pin the CA you expect.`;
          report({
            resource: dr,
            path: [...b.path, 'mode'],
            key: `${b.path.join('.')}:ca`,
            severity: !v.verifies ? 'high' : inMesh ? 'info' : 'low',
            message,
            evidence: v.evidence,
          });
        } else {
          report({
            resource: dr,
            path: [...b.path, 'mode'],
            key: `${b.path.join('.')}:san`,
            severity: 'medium',
            message: `${what} without subjectAltNames: the proxy accepts any certificate its CA signed, for any name, so another holder of a certificate from that CA can impersonate the server.`,
          });
        }
      }
    }
  },
});
