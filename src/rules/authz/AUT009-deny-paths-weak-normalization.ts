import { defineRule, type EvidenceInput } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { operationFields, rulesOf } from '../../posture/rules.js';
import { listSome } from '../../posture/util.js';
import { pathToString } from '../../model/resource.js';
import { AP, MESH_CONFIG } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT009',
    title: 'DENY policy matches paths while path normalization is weaker than MERGE_SLASHES',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, ...MESH_CONFIG),
    docs: {
      summary:
        "A DENY (or CUSTOM) AuthorizationPolicy matches positive `paths` (other than `*` or `/*`, which match every path and cannot be escaped), and `meshConfig.pathNormalization.normalization` is NONE or BASE, which is Istio's default when it is not set. Under those settings Envoy does not merge repeated slashes before matching.",
      why:
        'The policy matches the path as Envoy normalized it; the application routes the path as it reads it. Many frameworks treat `//admin` or `/admin//` as `/admin`, so a request for `//admin` is not denied by a rule on `/admin` and still reaches the admin handler (ISTIO-SECURITY-2021-005). For a CUSTOM policy the same request skips the external authorizer. Escaped slashes (`/admin%2Fx`) need DECODE_AND_MERGE_SLASHES as well if the application decodes them.',
      fix:
        "Set `meshConfig.pathNormalization.normalization: MERGE_SLASHES` (or DECODE_AND_MERGE_SLASHES when the backend decodes %2F and %5C), test the policy with both forms of the path, and prefer ALLOW policies with positive paths so that an unexpected form is denied rather than allowed.",
      bad: "# meshConfig has no pathNormalization (BASE)\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-admin, namespace: shop}\nspec:\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [\"/admin*\"]}",
      good: 'meshConfig:\n  pathNormalization:\n    normalization: MERGE_SLASHES',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-path-normalization-in-authorization-policy',
        'https://istio.io/latest/news/security/istio-security-2021-005/',
        'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ProxyPathNormalization-NormalizationType',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    const norm = posture.pathNormalization;
    if (norm.value !== 'NONE' && norm.value !== 'BASE') return;
    const setting = norm.explicit ? `is ${norm.value}` : `is not set, so Istio's default BASE applies${model.mesh.origin === 'defaults' ? ' (no mesh config in the input)' : ''}`;
    const evidence: EvidenceInput[] = [
      { role: 'mesh-config', description: `meshConfig.pathNormalization.normalization ${setting}`, resource: model.meshConfigResource, path: model.mesh.path },
    ];
    for (const p of posture.authorizationPolicies) {
      if ((p.action !== 'DENY' && p.action !== 'CUSTOM') || p.problems.length) continue;
      const r = p.resource;
      for (const rv of rulesOf(r)) {
        for (const f of operationFields(rv)) {
          if (f.field !== 'paths') continue;
          // `*` and `/*` match every path however it is spelled: no normalization trick escapes them.
          if (f.values.some(matchesEveryPath)) continue;
          const sample = f.values.find((v) => v.startsWith('/') && v.length > 1) ?? '/admin';
          const bypass = `/${sample.replace(/\*$/, '')}`;
          const effect = p.action === 'DENY' ? 'is not denied' : 'skips the external authorizer';
          report({
            resource: r,
            path: f.path,
            key: pathToString(f.path),
            message: `${p.action} policy ${r.namespace}/${r.name} matches paths [${listSome(f.values, 4)}] (rules[${rv.index}]) while path normalization ${setting}: a request for ${bypass} ${effect}, and many applications still route it to ${sample.replace(/\*$/, '')}.`,
            evidence,
          });
        }
      }
    }
  },
});

/** A `paths` value that matches every request path: `*` (presence) or the prefix `/` (`/*`). */
export function matchesEveryPath(v: string): boolean {
  return v === '*' || v === '/*';
}
