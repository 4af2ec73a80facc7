import { meshConfigHasFields } from '../../model/meshconfig.js';
import { defineRule } from '../types.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { meshSourceText } from '../egress/common.js';
import { shown } from './common.js';

const MAX = 1000;

export default defineRule({
  meta: {
    id: 'FED005',
    title: 'Mesh config trusts other trust domains more widely than the federation plan',
    severity: 'high',
    category: 'federation',
    reads: ['ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        "The mesh config sets `trustDomainAliases`, or `caCertificates` entries that trust a root for other trust domains. With a federation plan (`scan --federation-plan`), every alias is wider than the plan — the plan admits a peer's identities per exported service, an alias admits them everywhere — and a `caCertificates` entry is wider when it names a trust domain the plan does not trust explicitly for this mesh, or none at all (a root trusted for every trust domain). Without a plan only a `caCertificates` entry without `trustDomains` is reported (MCL003 reports every alias and every foreign root at medium; FED005 is its plan-aware, stricter form).",
      why:
        "Istio treats an alias as the mesh's own trust domain: every AuthorizationPolicy that names `<own trust domain>/ns/…/sa/…` also admits the same namespace and service account of the aliased trust domain, and `cluster.local` in a policy admits them too. Across a federation that turns each peer mesh into a source of identities for every policy of this mesh; a workload created in a matching namespace of the peer (one tenant's namespace there) passes policies written for local callers. An extra root for every trust domain lets that CA's certificates claim any identity.",
      fix:
        'Remove trustDomainAliases (kept only for a trust-domain migration, and removed when it ends) and name peer identities with their own trust domain in the policies of the exported services; limit each extra caCertificates root to its mesh\'s trust domain with `trustDomains`. `meshward federate` generates both that way.',
      bad: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    trustDomain: east.example.com\n    caCertificates:\n    - pem: |\n        -----BEGIN CERTIFICATE-----\n        (north\'s root)\n        -----END CERTIFICATE-----',
      good: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    trustDomain: east.example.com\n    caCertificates:\n    - pem: |\n        -----BEGIN CERTIFICATE-----\n        (north\'s root)\n        -----END CERTIFICATE-----\n      trustDomains: [north.example.com]   # and north trusted explicitly in the plan',
      references: ['https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/', 'https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/'],
    },
  },
  check({ model, settings, report }) {
    const cfg = model.mesh.config;
    if (!isObject(cfg)) return;
    const plan = settings.federationPlan ?? null;
    const own = typeof cfg.trustDomain === 'string' && cfg.trustDomain ? cfg.trustDomain.toLowerCase() : 'cluster.local';
    const local = plan?.plan.meshes.find((m) => m.trustDomain === own) ?? null;
    const byTd = new Map((plan?.plan.meshes ?? []).map((m) => [m.trustDomain, m]));
    const resource = model.meshConfigResource;
    const where = meshSourceText(model);
    const at = (...p: PathSegment[]): PathSegment[] => (meshConfigHasFields(model.mesh) ? [...model.mesh.path, ...p] : model.mesh.path);
    // Without a plan every alias is MCL003's; with one, an alias is always wider than the plan.
    const aliases = plan && Array.isArray(cfg.trustDomainAliases) ? cfg.trustDomainAliases.slice(0, MAX) : [];
    aliases.forEach((raw: unknown, i: number) => {
      if (!plan || typeof raw !== 'string' || !raw || raw.toLowerCase() === own) return;
      const peer = byTd.get(raw.toLowerCase());
      const why = peer
        ? `the plan ${plan.file} federates mesh ${peer.name} per exported service and importer, not as this mesh's own identities`
        : `${shown(raw)} is the trust domain of no mesh in the plan ${plan.file}`;
      report({
        resource,
        path: at('trustDomainAliases', i),
        key: `alias/${raw}`,
        message: `${where} sets trustDomainAliases ${shown(raw)}: every AuthorizationPolicy naming ${shown(own)} identities also admits the same namespaces and service accounts of ${shown(raw)}; ${why}.`,
      });
    });
    const explicit = new Set<string>();
    // Explicit trust is mutual (the plan refuses it one-way), so a pair in either direction counts.
    if (plan && local) {
      for (const [pair, path] of plan.trust) {
        const [a, b] = pair.split('→') as [string, string];
        if (path.kind !== 'explicit' || (a !== local.name && b !== local.name)) continue;
        explicit.add(plan.meshes.get(a === local.name ? b : a)!.trustDomain);
      }
    }
    const roots = Array.isArray(cfg.caCertificates) ? cfg.caCertificates.slice(0, MAX) : [];
    roots.forEach((entry: unknown, i: number) => {
      if (!isObject(entry)) return;
      const tds = Array.isArray(entry.trustDomains) ? entry.trustDomains.filter((t: unknown): t is string => typeof t === 'string') : [];
      // Roots for named foreign trust domains are MCL003's without a plan; a root for every trust domain is wider than any plan.
      if (tds.length && !plan) return;
      const wider = tds.filter((t: string) => t.toLowerCase() !== own && !explicit.has(t.toLowerCase()));
      if (tds.length && !wider.length) return;
      report({
        resource,
        path: at('caCertificates', i),
        key: `ca/${i}`,
        message: tds.length
          ? `${where} caCertificates[${i}] trusts a root for ${wider.map(shown).join(', ')}, which the plan ${plan!.file} does not trust explicitly for ${local ? `mesh ${local.name}` : 'this mesh'}: certificates of that root are accepted as those trust domains' identities.`
          : `${where} caCertificates[${i}] names no trustDomains, so its root is trusted for every trust domain, this mesh's own included: its certificates can claim any identity here.${plan ? ` The plan ${plan.file} trusts peers' roots only for their own trust domains.` : ' Limit it with trustDomains to the peer mesh it belongs to.'}`,
      });
    });
  },
});
