import { defineRule } from '../types.js';
import { computePosture, type WorkloadPosture } from '../../posture/index.js';
import { conditions, operationFields, rulesOf, sourceFields, type RuleView } from '../../posture/rules.js';
import { listSome, portNumber } from '../../posture/util.js';
import { pathToString, type PathSegment } from '../../model/resource.js';
import { collapseOwned } from '../../model/owners.js';
import { AP, PA, WORKLOADS, attachmentOf, modeText, plaintextPorts, targetPostures, wname, workloadEvidence } from './common.js';
import { postureReads } from '../../posture/reads.js';

/** Source fields that only mutual TLS fills in. */
const MTLS_POSITIVE = new Set(['principals', 'namespaces', 'serviceAccounts']);
const MTLS_NEGATIVE = new Set(['notPrincipals', 'notNamespaces', 'notServiceAccounts']);
const MTLS_KEYS = new Set(['source.principal', 'source.namespace', 'connection.sni']);

export default defineRule({
  meta: {
    id: 'AUT012',
    title: 'Identity match (principals, namespaces) on a workload that accepts plaintext: it fails open',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, PA, ...WORKLOADS),
    docs: {
      summary:
        'An AuthorizationPolicy decides on fields that only mutual TLS provides (`principals`, `namespaces`, `serviceAccounts`, or `when` on `source.principal`, `source.namespace`, `connection.sni`) in the direction that fails open on plaintext: DENY or CUSTOM with the positive fields, ALLOW with `notPrincipals` / `notNamespaces` / `notServiceAccounts` or `notValues`. It applies to workloads whose effective mTLS on the ports concerned is not STRICT (the rule honours `to.operation.ports`).',
      why:
        "A plaintext request has no peer identity. A DENY rule on `principals` or `namespaces` therefore never matches it: the caller that the DENY was written against connects without mTLS and is let through (Istio advisory ISTIO-SECURITY-2021-004). An ALLOW with `notPrincipals` matches it instead and allows it. PERMISSIVE, DISABLE and port-level exceptions are what make plaintext possible.",
      fix:
        'Make the workload STRICT on those ports (PeerAuthentication), or express the policy as ALLOW with positive `principals` / `namespaces`, which denies a plaintext caller. For a port that must stay plaintext, use `ipBlocks` and a NetworkPolicy.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: PERMISSIVE}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-legacy, namespace: shop}\nspec:\n  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: [legacy]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRICT}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-legacy, namespace: shop}\nspec:\n  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: [legacy]}',
      references: [
        'https://istio.io/latest/news/security/istio-security-2021-004/',
        'https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source',
        'https://istio.io/latest/docs/ops/best-practices/security/#mutual-tls',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.problems.length || p.action === 'AUDIT') continue;
      const r = p.resource;
      const targets = targetPostures(posture, p).filter((wp) => wp.mtls.applies && posture.acceptsPlaintext(wp) && attachmentOf(posture, wp, p)?.enforcedBy !== 'none');
      if (!targets.length) continue;
      for (const rv of rulesOf(r)) {
        const hits = failOpenFields(rv, p.action);
        if (!hits.length) continue;
        const ports = rulePorts(rv);
        const exposed: Array<{ wp: WorkloadPosture; ports: string[] }> = [];
        for (const wp of targets) {
          const open = plaintextPorts(wp, ports);
          if (open.length) exposed.push({ wp, ports: open });
        }
        if (!exposed.length) continue;
        const first = hits[0];
        const names = [...new Set(hits.map((h) => h.name))].join(', ');
        const effect =
          p.action === 'ALLOW'
            ? 'a plaintext request carries no identity, so the exclusion matches it and it is allowed'
            : p.action === 'CUSTOM'
              ? 'a plaintext request carries no identity, so the rule cannot match it and the external authorizer is skipped'
              : 'a plaintext request carries no identity, so the rule never matches it and the caller it is meant to stop gets in by leaving out mTLS';
        // A Deployment's ReplicaSets and Pods are exposed as it is: named and counted once (src/model/owners.ts).
        const named = new Set(collapseOwned(exposed.map((e) => e.wp.workload)).workloads);
        const listed = exposed.filter((e) => named.has(e.wp.workload));
        const shown = listed.slice(0, 3).map((e) => `${wname(e.wp.workload)} on ${listSome(e.ports, 3)}`);
        report({
          resource: r,
          path: first.path,
          key: String(rv.index),
          message: `${p.action} policy ${r.namespace}/${r.name} matches ${names} (rules[${rv.index}]), which only mutual TLS provides, but ${listed.length === 1 ? 'a workload it applies to accepts' : `${listed.length} workloads it applies to accept`} plaintext (${listSome(shown, 3)}${listed.length > 3 ? ', …' : ''}): ${effect}.`,
          evidence: workloadEvidence(
            exposed.map((e) => e.wp.workload),
            (w) => {
              const wp = posture.of(w)!;
              return `${wname(w)} accepts plaintext: ${modeText(wp.mtls)}${wp.mtls.ports.some((x) => x.origin.level === 'port') ? ' (with port-level overrides)' : ''}`;
            },
          ),
        });
      }
    }
  },
});

interface Hit {
  name: string;
  path: PathSegment[];
}

function failOpenFields(rv: RuleView, action: string): Hit[] {
  const out: Hit[] = [];
  const positive = action === 'DENY' || action === 'CUSTOM';
  for (const f of sourceFields(rv)) {
    if ((positive && MTLS_POSITIVE.has(f.field)) || (!positive && MTLS_NEGATIVE.has(f.field))) out.push({ name: f.field, path: f.path });
  }
  for (const c of conditions(rv)) {
    if (!MTLS_KEYS.has(c.key)) continue;
    if (positive && c.values.length) out.push({ name: `when ${c.key}`, path: [...c.path, 'values'] });
    if (!positive && c.notValues.length) out.push({ name: `when ${c.key} notValues`, path: [...c.path, 'notValues'] });
  }
  out.sort((a, b) => pathToString(a.path).localeCompare(pathToString(b.path)));
  return out;
}

/** The ports a rule is limited to (`to.operation.ports`), or null for every port. */
function rulePorts(rv: RuleView): number[] | null {
  const fields = operationFields(rv).filter((f) => f.field === 'ports');
  if (!fields.length) return null;
  const ops = Array.isArray(rv.rule?.to) ? rv.rule!.to.length : 0;
  // A `to` entry without ports covers every port.
  if (fields.length < ops) return null;
  const out: number[] = [];
  for (const f of fields) for (const v of f.values) {
    const n = portNumber(v);
    if (n !== null && !out.includes(n)) out.push(n);
  }
  return out;
}
