import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { isObject, str } from '../../posture/util.js';
import { DR, MESH_CONFIG, WORKLOADS, clientVerification, tlsBlocks, tlsMode, wname, workloadEvidence } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT022',
    title: 'DestinationRule relies on credentialName without workloadSelector: sidecars ignore it',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(DR, ...WORKLOADS, ...MESH_CONFIG),
    docs: {
      summary:
        "A DestinationRule without `workloadSelector` originates TLS (SIMPLE or MUTUAL) with `credentialName` and without the file fields sidecars read instead (`clientCertificate`/`privateKey` for MUTUAL, `caCertificates` for SIMPLE). Istio applies `credentialName` only on gateways, and on sidecars only when the DestinationRule has a `workloadSelector`. MUTUAL is high: the sidecar has no client certificate, Istio cannot build the TLS context and the cluster goes out in plaintext. SIMPLE is high where the Istio version does not verify without a CA (before 1.21), medium otherwise (the CA in the Secret is not used). Not reported when every workload of the DestinationRule's namespace is a gateway (the usual egress-gateway origination).",
      why:
        "The author believes the traffic is protected by the certificates in the Secret, but on every sidecar that uses this DestinationRule they are not loaded: with MUTUAL the request, and the credentials in it, leave the pod unencrypted to a server that expected a client certificate, readable and alterable by anyone on the path; with SIMPLE the pinned CA is ignored, so the server is checked against the system trust store or not at all.",
      fix:
        'Add a `workloadSelector` naming the workloads that originate the TLS (and keep the Secret in their namespace), or route the traffic through an egress gateway that holds the Secret, or mount the certificates in the sidecar and use `clientCertificate`, `privateKey` and `caCertificates`.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: partner-mtls, namespace: shop}\nspec:\n  host: api.partner.example.com\n  trafficPolicy:\n    tls:\n      mode: MUTUAL\n      credentialName: partner-client-certs\n      sni: api.partner.example.com',
      good: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: partner-mtls, namespace: shop}\nspec:\n  host: api.partner.example.com\n  workloadSelector:\n    matchLabels: {app: checkout}\n  trafficPolicy:\n    tls:\n      mode: MUTUAL\n      credentialName: partner-client-certs\n      sni: api.partner.example.com',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings',
        'https://istio.io/latest/docs/reference/config/analysis/ist0128/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const dr of model.ofKind('networking.istio.io', 'DestinationRule')) {
      const spec = dr.obj?.spec;
      if (!isObject(spec) || isObject(spec.workloadSelector)) continue;
      const blocks = tlsBlocks(dr).filter((b) => str(b.tls.credentialName) && (tlsMode(b.tls) === 'SIMPLE' || tlsMode(b.tls) === 'MUTUAL'));
      if (!blocks.length) continue;
      const local = model.workloadsIn(dr.namespace);
      // A DestinationRule kept beside the gateways that use it (egress TLS origination) is meant for them.
      if (local.length && local.every((w) => posture.of(w)?.gateway != null)) continue;
      const sidecars = local.filter((w) => posture.of(w)?.dataplane === 'sidecar' && posture.of(w)?.gateway == null);
      const host = str(spec.host) ?? '(no host)';
      for (const b of blocks) {
        const mode = tlsMode(b.tls);
        const secret = str(b.tls.credentialName)!;
        const what = `DestinationRule ${dr.namespace}/${dr.name} originates TLS (${mode}, ${b.where}) to ${host} with credentialName ${secret} and no workloadSelector, so sidecars ignore the Secret`;
        let message: string;
        let severity: 'high' | 'medium';
        if (mode === 'MUTUAL') {
          if (str(b.tls.clientCertificate) && str(b.tls.privateKey)) continue;
          severity = 'high';
          message = `${what}: without a client certificate Istio cannot build the TLS context, and their connections to ${host} go out in plaintext.`;
        } else {
          if (str(b.tls.caCertificates)) continue;
          const v = clientVerification(model);
          severity = v.verifies ? 'medium' : 'high';
          message = v.verifies
            ? `${what}: the CA in it is not used, and with ${v.basis}, they check the server only against the operating system's CA bundle.`
            : `${what}: the CA in it is not used, and with ${v.basis}, they do not verify the server certificate at all.`;
        }
        report({
          resource: dr,
          path: [...b.path, 'credentialName'],
          key: b.path.join('.'),
          severity,
          message,
          evidence: workloadEvidence(sidecars, (w) => `${wname(w)} has a sidecar that uses this DestinationRule`, 'sidecar'),
        });
      }
    }
  },
});
