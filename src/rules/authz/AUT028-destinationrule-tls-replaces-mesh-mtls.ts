import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { quoteValue } from '../../engine/text.js';
import { listSome, str } from '../../posture/util.js';
import { DR, NAMESPACE, PA, SERVICE, WORKLOADS, tlsBlocks, tlsMode, wname, workloadEvidence, destinationRulesWithTls } from './common.js';
import { destinations, inMeshTarget } from './AUT003-destinationrule-disable-in-mesh.js';
import { postureReads } from '../../posture/reads.js';
import { collapseOwned } from '../../model/owners.js';

export default defineRule({
  meta: {
    id: 'AUT028',
    title: 'DestinationRule originates its own TLS (SIMPLE or MUTUAL) to a host in the mesh, replacing Istio mutual TLS',
    severity: 'medium',
    category: 'authn-authz',
    reads: postureReads(DR, SERVICE, NAMESPACE, PA, ...WORKLOADS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A DestinationRule sets `tls.mode: SIMPLE` or `MUTUAL` (at the top level, in `portLevelSettings`, or in a subset) for a host that is a Service in the mesh, or a wildcard that covers such Services. Medium when a destination accepts plaintext on that port (PERMISSIVE) or is not in the input; low when every destination is STRICT and the calls just fail, or when the destination\'s workloads are in a namespace the input does not show (no Namespace object, no proxy of their own): it may be outside the mesh, where originating TLS to it is the point (Istio\'s egress TLS origination to an in-cluster server). An ExternalName Service, or one without a selector (its endpoints written by hand), is not judged: no mesh pods are behind it.',
      why:
        "Istio's auto mTLS would send Istio mutual TLS, with the client's mesh certificate, to these destinations. A SIMPLE or MUTUAL block replaces it with the TLS the rule describes: the client sidecar presents no mesh identity (MUTUAL presents the certificate the rule names, not a SPIFFE identity of the mesh). The destination's AuthorizationPolicies on principals or namespaces cannot match such a caller, and under PERMISSIVE the connection does not match the mutual-TLS filter chain: the bytes reach the application as unauthenticated TLS. Under STRICT the destination's sidecar refuses the connection, so the calls fail.",
      fix:
        'Remove the `tls` block (auto mTLS then uses ISTIO_MUTUAL) or set `tls.mode: ISTIO_MUTUAL`. If the application itself terminates TLS behind its sidecar, keep Istio mutual TLS between the proxies and let the application see the TLS it expects through a port-level setting on that port only, and make the destination STRICT.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels: {istio-injection: enabled}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ratings, namespace: prod}\nspec:\n  host: ratings.prod.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: SIMPLE}',
      good: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ratings, namespace: prod}\nspec:\n  host: ratings.prod.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode',
        'https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/',
      ],
    },
  },
  check({ model, report }) {
    const drs = destinationRulesWithTls(model.ofKind('networking.istio.io', 'DestinationRule'), ['SIMPLE', 'MUTUAL']);
    if (!drs.length) return;
    const posture = computePosture(model);
    for (const dr of drs) {
      const host = str(dr.obj?.spec?.host);
      if (!host) continue;
      const blocks = tlsBlocks(dr).filter((b) => {
        const mode = tlsMode(b.tls);
        return mode === 'SIMPLE' || mode === 'MUTUAL';
      });
      if (!blocks.length) continue;
      const target = inMeshTarget(model, posture, host, dr.namespace);
      if (!target) continue;
      for (const b of blocks) {
        const mode = tlsMode(b.tls);
        const dest = destinations(posture, target.services, b.port);
        const open = dest.filter((d) => d.plaintext);
        const unknown = dest.length === 0;
        let outcome: string;
        if (unknown) outcome = 'its workloads are not in the input, so nothing shows they refuse it';
        else if (open.length) {
          // A Deployment's ReplicaSets and Pods take it as it does: named once (src/model/owners.ts).
          const named = new Set(collapseOwned(open.map((d) => d.w)).workloads);
          outcome = `${listSome(open.filter((d) => named.has(d.w)).map((d) => `${wname(d.w)} takes it as unauthenticated TLS (${d.mode})`), 3)}`;
        }
        else outcome = 'its workloads are STRICT, so these calls fail instead';
        report({
          resource: dr,
          path: [...b.path, 'mode'],
          key: b.path.join('.'),
          // A destination in a namespace the input does not show may be outside the mesh, where
          // originating TLS to it is the point (Istio's egress TLS origination to an in-cluster server).
          severity: (open.length || unknown) && !target.assumed ? 'medium' : 'low',
          message: `DestinationRule ${dr.namespace}/${dr.name} sets tls.mode ${mode} (${b.where}) for ${quoteValue(host, 120)}, ${target.what}: client sidecars originate this TLS instead of Istio mutual TLS and present no mesh identity, so AuthorizationPolicies on principals or namespaces cannot match them, and ${outcome}.`,
          evidence: [
            ...target.services.slice(0, 5).map((s) => ({ role: 'destination', description: target.assumed ? `Service ${s.namespace}/${s.name}` : `Service ${s.namespace}/${s.name} is in the mesh`, resource: s.resource, path: ['metadata', 'name'] })),
            ...workloadEvidence(
              (open.length ? open : dest).map((d) => d.w),
              (w) => `${wname(w)}: ${dest.find((d) => d.w === w)?.mode}`,
            ),
          ],
        });
      }
    }
  },
});
