import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { isObject, str } from '../../posture/util.js';
import { DR, MESH_CONFIG, WORKLOADS, tlsBlocks, tlsMode, wname, workloadEvidence } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT022',
    title: 'DestinationRule sets credentialName without workloadSelector: sidecars originate no TLS',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(DR, ...WORKLOADS, ...MESH_CONFIG),
    docs: {
      summary:
        "A DestinationRule without `workloadSelector` originates TLS (SIMPLE or MUTUAL) with `credentialName`. For such a DestinationRule Istio builds no upstream TLS context on sidecars at all (pilot/pkg/networking/core/cluster_tls.go: `buildUpstreamClusterTLSContext` returns nil for SIMPLE and MUTUAL when a sidecar meets a `credentialName` without `workloadSelector`), so the file fields (`caCertificates`, `clientCertificate`, `privateKey`) are not read either and the sidecar opens the connection in plaintext: high for both modes. Gateways (ingress, egress, waypoints) load `credentialName` and originate TLS as written. Not reported for a `configmap://` credential (a CA bundle, which Istio 1.26 and later hands to sidecars too), nor when every workload of the DestinationRule's namespace is a gateway (the usual egress-gateway origination).",
      why:
        "The author believes the traffic is protected by the certificates in the Secret, but on every sidecar that uses this DestinationRule no TLS is originated: the request, and any credentials in it, leave the pod unencrypted to a server that expected TLS (and, with MUTUAL, a client certificate), readable and alterable by anyone on the path. Only the gateways that use the same DestinationRule encrypt.",
      fix:
        'Add a `workloadSelector` naming the workloads that originate the TLS (and keep the Secret in their namespace), or route the traffic through an egress gateway that holds the Secret, or drop `credentialName` and mount the certificates in the sidecar, using `clientCertificate`, `privateKey` and `caCertificates` (with `credentialName` set, sidecars read none of them).',
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
        // Istio skips the whole TLS context (file fields included) on sidecars, for SIMPLE and MUTUAL alike;
        // gateways read credentialName. A ConfigMap credential (a CA bundle) is not privileged: Istio 1.26+ keeps it.
        if (secret.startsWith('configmap://')) continue;
        const files = ['caCertificates', 'clientCertificate', 'privateKey'].filter((k) => str(b.tls[k]));
        const unread = files.length ? ` (${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} not read either)` : '';
        const severity = 'high';
        const message = `DestinationRule ${dr.namespace}/${dr.name} originates TLS (${mode}, ${b.where}) to ${host} with credentialName ${secret} and no workloadSelector: Istio builds no TLS context for sidecars from it${unread}, so every sidecar that uses it sends its connections to ${host} in plaintext; only gateways load the Secret and originate TLS.`;
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
