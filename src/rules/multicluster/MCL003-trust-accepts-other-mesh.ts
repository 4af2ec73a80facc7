import { describe } from '../../model/resource.js';
import { defineRule } from '../types.js';

export default defineRule({
  meta: {
    id: 'MCL003',
    title: 'Mesh trust accepts identities of another trust domain',
    severity: 'medium',
    category: 'multicluster',
    reads: ['ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'The mesh config lists `trustDomainAliases`, or `caCertificates` entries that add trust anchors for other trust domains: workloads then accept peers of those domains as if they were their own.',
      why:
        "AuthorizationPolicies written for `cluster.local/ns/...` also match the aliased domains' identities. If the other mesh shares a root (or its CA is compromised), its workloads pass every principal-based policy here. Federation should be explicit, narrow and reviewed, not a side effect of an alias.",
      fix: 'Remove aliases that are not needed. Where meshes must federate, give each its own trust domain and root, and allow the other mesh\'s identities explicitly in AuthorizationPolicies.',
      bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    trustDomain: cluster.local\n    trustDomainAliases:\n    - partner.example.com\n",
      good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    trustDomain: cluster.local\n",
      references: ['https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig', 'https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/'],
    },
  },
  check({ model, report }) {
    const mc = model.mesh.config;
    const where = model.mesh.origin === 'file' ? `--mesh-config ${model.mesh.file}` : describe(model.meshConfigResource);
    const own = typeof mc.trustDomain === 'string' && mc.trustDomain ? mc.trustDomain : 'cluster.local';
    const aliases = Array.isArray(mc.trustDomainAliases) ? mc.trustDomainAliases.filter((a: unknown): a is string => typeof a === 'string' && a !== own) : [];
    if (aliases.length) {
      report({
        resource: model.meshConfigResource,
        path: model.mesh.path,
        key: 'aliases',
        message: `${where} sets trustDomainAliases ${aliases.slice(0, 5).join(', ')}: identities of ${aliases.length === 1 ? 'that trust domain' : 'those trust domains'} match policies written for ${own}.`,
      });
    }
    const extra = Array.isArray(mc.caCertificates) ? mc.caCertificates : [];
    const foreign = extra.flatMap((c: any) => (Array.isArray(c?.trustDomains) ? c.trustDomains.filter((d: unknown): d is string => typeof d === 'string' && d !== own) : []));
    if (foreign.length) {
      report({
        resource: model.meshConfigResource,
        path: model.mesh.path,
        key: 'caCertificates',
        message: `${where} adds caCertificates trusted for ${[...new Set(foreign)].slice(0, 5).join(', ')}: proxies accept certificates those roots issue.`,
      });
    }
  },
});
