import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { isObject, listSome, str } from '../../posture/util.js';
import { AP, MESH_CONFIG } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT014',
    title: 'CUSTOM AuthorizationPolicy names a provider the mesh config does not define',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, ...MESH_CONFIG),
    docs: {
      summary:
        "A CUSTOM AuthorizationPolicy's `provider.name` is not among the `meshConfig.extensionProviders` names. Low instead of medium when the input has no mesh config (Istio's defaults, which define no provider, were assumed).",
      why:
        "The external authorizer the policy relies on is never called. istiod logs an error and programs the matching requests as denied, so the rule fails closed today; but the protection it was meant to give (OAuth2 / OPA decisions, request inspection) does not exist, and the usual reaction to the resulting 403s, deleting or loosening the policy, opens the workload.",
      fix: 'Add the provider to `meshConfig.extensionProviders` (name, service, port, and the headers to send), or correct the name in the policy.',
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ext-authz, namespace: shop}\nspec:\n  action: CUSTOM\n  provider: {name: opa}\n  rules:\n  - to:\n    - operation: {paths: ["/api/*"]}',
      good: 'meshConfig:\n  extensionProviders:\n  - name: opa\n    envoyExtAuthzGrpc:\n      service: opa.opa.svc.cluster.local\n      port: 9191',
      references: [
        'https://istio.io/latest/docs/tasks/security/authorization/authz-custom/',
        'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    const customs = posture.authorizationPolicies.filter((p) => p.action === 'CUSTOM' && p.provider && !p.problems.length);
    if (!customs.length) return;
    const names = new Set<string>();
    const providers = model.mesh.config?.extensionProviders;
    if (Array.isArray(providers)) for (const e of providers) if (isObject(e) && str(e.name)) names.add(e.name);
    const defaults = model.mesh.origin === 'defaults';
    const known = names.size ? `the mesh config defines ${listSome([...names].map((n) => `"${n}"`), 5)}` : defaults ? "no mesh config is in the input, and Istio's defaults define no provider" : 'the mesh config defines no extensionProviders';
    for (const p of customs) {
      if (names.has(p.provider!)) continue;
      const r = p.resource;
      report({
        resource: r,
        path: ['spec', 'provider', 'name'],
        severity: defaults ? 'low' : 'medium',
        message: `CUSTOM policy ${r.namespace}/${r.name} delegates to provider "${p.provider}", but ${known}: the external authorizer is never called and istiod denies the matching requests instead.`,
        evidence: [{ role: 'mesh-config', description: `meshConfig.extensionProviders: ${names.size ? [...names].join(', ') : 'none'}`, resource: model.meshConfigResource, path: model.mesh.path }],
      });
    }
  },
});
