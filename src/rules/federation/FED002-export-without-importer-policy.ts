import { defineRule } from '../types.js';
import type { Attachment, ServiceInfo } from '../../posture/types.js';
import { computePosture } from '../../posture/index.js';
import { postureReads } from '../../posture/reads.js';
import { isObject } from '../../posture/util.js';
import { workloadCount, workloadEvidence, workloadList, wname } from '../authz/common.js';
import { AP, ISTIO_GW, passthroughHosts, shown } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

const MAX_SERVICES_PER_HOST = 200;

/** An ALLOW policy that is in force on the workload. */
function enforcedAllow(a: Attachment): boolean {
  const p = a.policy;
  return p.action === 'ALLOW' && !p.dryRun && !p.problems.length && a.enforcedBy !== 'none';
}

/**
 * Whether the workload admits only callers named by principal: ALLOW policies add up, so one that admits
 * any caller opens it whatever the others say; allow-nothing policies admit nobody; with no ALLOW policy
 * at all, every caller is admitted.
 */
function closedToStrangers(attachments: readonly Attachment[]): boolean {
  const allows = attachments.filter(enforcedAllow);
  return allows.length > 0 && allows.every((a) => a.policy.allowNothing || namesCallers(a));
}

/** Does an ALLOW policy name its callers by principal (no `*`) in every rule? */
function namesCallers(a: Attachment): boolean {
  const p = a.policy;
  const rules = p.resource.obj?.spec?.rules;
  if (!Array.isArray(rules) || !rules.length) return false;
  // Every rule must name principals: one rule without `from` admits any caller, and ALLOW rules add up.
  return rules.every((r: unknown) => {
    if (!isObject(r) || !Array.isArray(r.from) || !r.from.length) return false;
    return r.from.every((f: unknown) => {
      const principals = isObject(f) && isObject(f.source) ? f.source.principals : undefined;
      return Array.isArray(principals) && principals.length > 0 && principals.every((x: unknown) => typeof x === 'string' && x !== '*' && !x.startsWith('*') && x.includes('/ns/'));
    });
  });
}

export default defineRule({
  meta: {
    id: 'FED002',
    title: 'Service exported through an east-west gateway without an AuthorizationPolicy naming its importers',
    severity: 'high',
    category: 'federation',
    reads: postureReads(ISTIO_GW, AP, 'Service', 'Namespace', ...WORKLOAD_READS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A Service is reachable through an east-west gateway (its host, or a wildcard over its namespace, is listed by an `AUTO_PASSTHROUGH` Gateway server), and some of its workloads are not closed to strangers: no enforced ALLOW AuthorizationPolicy applies, or one does whose rules do not all name callers by principal (`from.source.principals`, no `*`; ALLOW policies add up, so one open policy opens the workload). Nothing then limits which peer-mesh identities may call it. A workload under allow-nothing policies only is closed. Services or workloads not in the input are not judged.",
      why:
        "Across a federation the callers are workloads of other meshes: under a shared root every one of them, and every one of any other mesh issued by that root, holds a certificate the exported service accepts. Without a policy naming the importers (`<trust domain>/ns/<namespace>/sa/<service account>`), any of them can call the service through the east-west gateway, and one compromised workload anywhere in the federation reaches every exported service.",
      fix:
        'Give each exported service an ALLOW AuthorizationPolicy whose rules name the importing principals, with their own trust domains (`meshward federate` generates one per export from the plan), under STRICT mutual TLS.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: federation-eastwest, namespace: istio-system}\nspec:\n  selector: {istio: eastwestgateway}\n  servers:\n  - port: {number: 15443, name: tls, protocol: TLS}\n    tls: {mode: AUTO_PASSTHROUGH}\n    hosts: [card-api.payments.svc.cluster.local]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {selector: {app: card-api}, ports: [{port: 8080}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: card-api, namespace: payments}\nspec:\n  selector: {matchLabels: {app: card-api}}\n  template:\n    metadata: {labels: {app: card-api}, annotations: {sidecar.istio.io/inject: "true"}}\n    spec: {containers: [{name: app, image: example/card-api:1}]}',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: federation.card-api, namespace: payments}\nspec:\n  selector: {matchLabels: {app: card-api}}\n  action: ALLOW\n  rules:\n  - from: [{source: {principals: [west.example.com/ns/shop/sa/checkout]}}]',
      references: ['https://istio.io/latest/docs/reference/config/security/authorization-policy/', 'https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/'],
    },
  },
  check({ model, report }) {
    const hosts = passthroughHosts(model);
    if (!hosts.length) return;
    const posture = computePosture(model);
    const domain = model.clusterDomain.toLowerCase();
    const seen = new Set<ServiceInfo>();
    for (const h of hosts) {
      let services: ServiceInfo[] = [];
      const exact = new RegExp(`^([a-z0-9-]{1,63})\\.([a-z0-9-]{1,63})\\.svc\\.${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).exec(h.host);
      const wild = new RegExp(`^\\*\\.([a-z0-9-]{1,63})\\.svc\\.${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).exec(h.host);
      if (exact) {
        const s = posture.services.get(exact[2]!, exact[1]!);
        if (s) services = [s];
      } else if (wild) {
        services = model
          .ofKindInNamespace('', 'Service', wild[1]!)
          .slice(0, MAX_SERVICES_PER_HOST)
          .map((r) => posture.services.of(r))
          .filter((s): s is ServiceInfo => !!s);
      } else continue; // `*`, `*.local` and the like are AUT019's; other names are not Services of this cluster.
      for (const s of services) {
        if (seen.has(s)) continue;
        seen.add(s);
        const open = s.workloads.filter((w) => {
          const wp = posture.of(w);
          return wp && wp.dataplane !== 'none' && !closedToStrangers(posture.authorization(wp));
        });
        if (!open.length) continue;
        report({
          resource: h.gateway,
          path: h.path,
          key: `${s.namespace}/${s.name}`,
          message: `Gateway ${h.gateway.namespace}/${h.gateway.name} passes ${shown(h.raw)} through to Service ${s.namespace}/${s.name}, but ${open.length === s.workloads.length ? 'its workloads' : `${workloadCount(open)} of its ${workloadCount(s.workloads)} workloads`} (${workloadList(open)}) are not limited to callers named by principal (no ALLOW AuthorizationPolicy, or one that admits callers without naming them): any workload of any mesh that trusts this mesh's root can call it through the east-west gateway.`,
          evidence: [{ role: 'service', description: `Service ${s.namespace}/${s.name}`, resource: s.resource, path: ['metadata', 'name'] }, ...workloadEvidence(open, (w) => `${wname(w)} has no AuthorizationPolicy naming its callers`)],
        });
      }
    }
  },
});
