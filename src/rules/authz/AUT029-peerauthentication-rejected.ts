import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { computePosture } from '../../posture/index.js';
import { PA } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT029',
    title: "PeerAuthentication that Istio's validation rejects: none of its modes ever applies",
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(PA),
    docs: {
      summary:
        "A PeerAuthentication that Istio refuses: `portLevelMtls` on a policy without selector labels (mesh-wide or namespace-wide; the CRD's rule \"portLevelMtls requires selector\", and istiod's \"mesh/namespace peer authentication cannot have port level mTLS\"), an empty `portLevelMtls`, a port key outside 1-65535, a mode that is not STRICT, PERMISSIVE, DISABLE or UNSET, or fields of the wrong type. `kubectl apply` fails, so the policy never exists in the cluster. Medium when it asks for STRICT anywhere (its author believes in a protection that is not there); low otherwise.",
      why:
        'The manifest sits in the repository and reads as STRICT, but the API server refused it: the namespace keeps the mode above it (Istio\'s default is PERMISSIVE), so plaintext, unauthenticated connections are accepted while reviewers believe they are refused. In GitOps the refused object also keeps the whole application out of sync, and a failed sync is easy to ignore.',
      fix: 'Split it: a namespace-wide policy with only `mtls.mode`, and a workload policy with `selector.matchLabels` for each port exception (port keys are the workload\'s container ports, not Service ports). Use only STRICT, PERMISSIVE, DISABLE or UNSET.',
      bad: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: PERMISSIVE}',
      good: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRICT}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: web-metrics, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  portLevelMtls:\n    8080: {mode: PERMISSIVE}',
      references: ['https://istio.io/latest/docs/reference/config/security/peer_authentication/'],
    },
  },
  check({ model, report }) {
    for (const pa of computePosture(model).peerAuthentications) {
      if (!pa.problems.length) continue;
      const r = pa.resource;
      const asksStrict = pa.mode === 'STRICT' || pa.portLevel.some((p) => p.mode === 'STRICT');
      const severity: Severity = asksStrict ? 'medium' : 'low';
      const first = pa.problems[0];
      const more = pa.problems.length > 1 ? ` (and ${pa.problems.length - 1} more problem${pa.problems.length > 2 ? 's' : ''})` : '';
      report({
        resource: r,
        path: first.path,
        severity,
        message: `PeerAuthentication ${r.namespace}/${r.name} is refused by Istio's validation: ${first.message}${more}. It never exists in the cluster, so ${asksStrict ? 'the STRICT it asks for does not apply and the mode above it (PERMISSIVE by default) does' : 'none of its modes applies'}.`,
      });
    }
  },
});
