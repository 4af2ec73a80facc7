import { defineRule } from '../types.js';
import { computePosture, type Attachment, type PolicyInfo } from '../../posture/index.js';
import { conditions, rulesOf, sourceFields, type RuleView } from '../../posture/rules.js';
import { plural } from '../../posture/util.js';
import { AP, RA, WORKLOADS, attachmentOf, targetPostures, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT015',
    title: 'RequestAuthentication without an AuthorizationPolicy that requires a token',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(RA, AP, ...WORKLOADS),
    docs: {
      summary:
        "A RequestAuthentication applies to workloads that no AuthorizationPolicy makes require a valid token: no ALLOW policy whose every rule needs `requestPrincipals` (or a `when` on `request.auth.*`), and no DENY policy on `notRequestPrincipals`. When the RequestAuthentication's workloads are not in the input, any such policy in its namespace or the root namespace counts.",
      why:
        'RequestAuthentication only validates tokens that are present: a request with an invalid token is rejected, but a request with no token at all is accepted as anonymous. Unless an AuthorizationPolicy demands a request principal, the JWT check protects nothing against a caller who simply leaves the token out (ISTIO-SECURITY-2021-001 showed the same gap).',
      fix:
        'Add an AuthorizationPolicy on the same workloads that requires a principal, e.g. ALLOW with `from.source.requestPrincipals: ["*"]` (or the exact `issuer/subject`), or DENY with `notRequestPrincipals: ["*"]`.',
      bad: 'apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: https://auth.example.com/.well-known/jwks.json',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: require-jwt, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  action: ALLOW\n  rules:\n  - from:\n    - source: {requestPrincipals: ["https://auth.example.com/*"]}',
      references: [
        'https://istio.io/latest/docs/reference/config/security/request_authentication/',
        'https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/',
        'https://istio.io/latest/news/security/istio-security-2021-001/',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    if (!posture.requestAuthentications.length) return;
    const requiring = new Set(posture.authorizationPolicies.filter(requiresToken));
    for (const ra of posture.requestAuthentications) {
      if (ra.problems.length) continue;
      const r = ra.resource;
      const path = Array.isArray(r.obj?.spec?.jwtRules) ? ['spec', 'jwtRules'] : ['spec'];
      const targets = targetPostures(posture, ra).filter((wp) => attachmentOf(posture, wp, ra)?.enforcedBy !== 'none');
      if (!targets.length) {
        if (ra.targets.length) continue; // applies only where nothing enforces it: AUT021/AUT013 say so
        const near = [...requiring].filter((p) => p.resource.namespace === r.namespace || p.resource.namespace === model.rootNamespace);
        if (near.length) continue;
        report({
          resource: r,
          path,
          message: `RequestAuthentication ${r.namespace}/${r.name} validates tokens, but no AuthorizationPolicy in ${r.namespace === model.rootNamespace ? `the root namespace ${r.namespace}` : `${r.namespace} or ${model.rootNamespace}`} requires one: a request without a token is accepted as anonymous.`,
        });
        continue;
      }
      const unprotected = targets.filter((wp) => !posture.authorization(wp).some((a) => a.enforcedBy !== 'none' && requiring.has(a.policy) && enforces(a)));
      if (!unprotected.length) continue;
      const ws = unprotected.map((wp) => wp.workload);
      report({
        resource: r,
        path,
        message:
          workloadCount(ws) === 1 && ws.length === targets.length
            ? `RequestAuthentication ${r.namespace}/${r.name} validates tokens for ${workloadList(ws)}, but no AuthorizationPolicy there requires one: a request without a token is accepted as anonymous.`
            : `RequestAuthentication ${r.namespace}/${r.name} validates tokens for ${plural(workloadCount(targets.map((wp) => wp.workload)), 'workload')}, but on ${ws.length === targets.length ? 'all of them' : plural(workloadCount(ws), 'workload')} (${workloadList(ws)}) no AuthorizationPolicy requires one: a request without a token is accepted as anonymous.`,
        evidence: workloadEvidence(ws, (w) => `${wname(w)} has no policy requiring requestPrincipals`),
      });
    }
  },
});

function enforces(a: Attachment): boolean {
  return a.policy.action === 'ALLOW' || a.policy.action === 'DENY';
}

/** ALLOW whose every rule needs a token, or DENY with a rule on notRequestPrincipals. */
function requiresToken(p: PolicyInfo): boolean {
  if (p.problems.length) return false;
  const rules = rulesOf(p.resource);
  if (p.action === 'ALLOW') return rules.length > 0 && rules.every(ruleNeedsToken);
  if (p.action === 'DENY') return rules.some((rv) => sourceFields(rv).some((f) => f.field === 'notRequestPrincipals'));
  return false;
}

function ruleNeedsToken(rv: RuleView): boolean {
  if (sourceFields(rv).some((f) => f.field === 'requestPrincipals')) return true;
  return conditions(rv).some((c) => c.key.startsWith('request.auth.') && c.values.length > 0);
}
