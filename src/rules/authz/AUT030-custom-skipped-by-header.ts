import { defineRule } from '../types.js';
import { computePosture, type MeshPosture, type PolicyInfo } from '../../posture/index.js';
import { listSome } from '../../posture/util.js';
import { conditions, rulesOf, sourceFields } from '../../posture/rules.js';
import { AP } from './common.js';
import { postureReads } from '../../posture/reads.js';
import type { Workload } from '../../model/workloads.js';

/** `request.headers[name]`: a value the client writes. */
const HEADER_KEY = /^request\.headers\[([^\]]{1,256})\]$/i;
/**
 * Headers that also route the request: a client that changes them reaches another route or path, as
 * with the policy's `hosts` and `paths` (which is how a CUSTOM policy is meant to be scoped), so they are
 * not a way around it.
 */
const ROUTING_HEADERS: ReadonlySet<string> = new Set([':authority', 'host', ':path', ':method', ':scheme']);

export default defineRule({
  meta: {
    id: 'AUT030',
    title: 'CUSTOM AuthorizationPolicy lets the client decide whether the external authorizer runs (a condition on a request header)',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP),
    docs: {
      summary:
        "A CUSTOM AuthorizationPolicy calls its external authorizer only for the requests its rules match. A `when` condition on `request.headers[...]` (`values` or `notValues`; not the routing pseudo-headers `:authority`, `:path`, `:method`, `:scheme` or `host`, which scope the policy as `hosts` and `paths` do) makes that depend on a header the client writes: sending it (or leaving it out, or another value) skips the authorizer. High; low when every workload the policy applies to also has a DENY policy refusing requests without a validated token (`notRequestPrincipals: [\"*\"]`), so that a skipped request still needs a valid JWT. Dry-run and invalid policies are left out.",
      why:
        "The CUSTOM policy is often the only authentication in front of a workload (oauth2-proxy, OPA): a request it does not match goes on to the DENY and ALLOW policies as if it had been authorized. A condition such as \"only when there is no Authorization header\" (meant to let token-bearing clients through to JWT validation) lets `Authorization: Basic x`, which no RequestAuthentication validates, skip both, unless a DENY on missing request principals stands behind it.",
      fix:
        'Decide when the authorizer runs by what the client cannot choose: paths, hosts, ports, or the validated token (`notRequestPrincipals` in the rule\'s `from`). Where a header condition must stay, add a DENY policy on the same workloads with `from: [{source: {notRequestPrincipals: ["*"]}}]` and the same path exceptions, so a request that skips the authorizer needs a valid JWT.',
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ext-authz, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  action: CUSTOM\n  provider: {name: oauth2-proxy}\n  rules:\n  - when:\n    - key: request.headers[authorization]\n      notValues: ["*"]',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ext-authz, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  action: CUSTOM\n  provider: {name: oauth2-proxy}\n  rules:\n  - from:\n    - source: {notRequestPrincipals: ["*"]}',
      references: [
        'https://istio.io/latest/docs/tasks/security/authorization/authz-custom/',
        'https://istio.io/latest/docs/reference/config/security/authorization-policy/',
        'https://istio.io/latest/docs/concepts/security/#implicit-enablement',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.action !== 'CUSTOM' || p.problems.length || p.dryRun) continue;
      const r = p.resource;
      let guard: PolicyInfo | null | undefined;
      for (const c of rulesOf(r).flatMap(conditions)) {
        const header = HEADER_KEY.exec(c.key)?.[1];
        if (!header || ROUTING_HEADERS.has(header.toLowerCase())) continue;
        for (const field of ['values', 'notValues'] as const) {
          const listed = c[field];
          if (!listed.length) continue;
          if (guard === undefined) guard = tokenGuard(posture, p.targets);
          const shown = listSome(listed.map((v) => `"${v}"`), 4);
          const when =
            field === 'notValues'
              ? listed.includes('*')
                ? `only for requests without the ${header} header: a client skips it by sending one, with any value`
                : `only for requests whose ${header} header is not ${shown}: a client skips it by sending one of those`
              : `only for requests whose ${header} header is ${shown}: a client skips it by leaving the header out or sending another value`;
          const after = guard
            ? `; DENY policy ${guard.resource.namespace}/${guard.resource.name} on the same workloads refuses requests without a validated token, so a skipped request still needs a valid JWT (check that its exceptions are no wider than this policy's)`
            : '; a skipped request goes on to the DENY and ALLOW policies as if it had been authorized, and nothing in the input refuses it for lacking a token';
          report({
            resource: r,
            path: [...c.path, field],
            severity: guard ? 'low' : 'high',
            message: `CUSTOM policy ${r.namespace}/${r.name} calls its authorizer${p.provider ? ` "${p.provider}"` : ''} ${when}${after}.`,
            evidence: guard ? [{ role: 'guard', description: `DENY ${guard.resource.namespace}/${guard.resource.name} refuses requests without request principals`, resource: guard.resource, path: ['spec'] }] : [],
          });
        }
      }
    }
  },
});

/**
 * A DENY policy that applies to every one of `targets` and refuses requests without a validated token
 * (`from.source.notRequestPrincipals` holding "*"), or null. Without targets in the input, none.
 */
function tokenGuard(posture: MeshPosture, targets: readonly Workload[]): PolicyInfo | null {
  let common: PolicyInfo[] | null = null;
  for (const w of targets) {
    const wp = posture.of(w);
    if (!wp) return null;
    const here = posture.authorization(wp).map((a) => a.policy).filter((q) => q.action === 'DENY' && !q.problems.length && !q.dryRun && refusesMissingToken(q));
    common = common === null ? here : common.filter((q) => here.includes(q));
    if (!common.length) return null;
  }
  return common?.[0] ?? null;
}

function refusesMissingToken(p: PolicyInfo): boolean {
  return rulesOf(p.resource).some((rv) => sourceFields(rv).some((f) => f.field === 'notRequestPrincipals' && f.values.includes('*')));
}
