import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { conditions, operationFields, rulesOf, sourceFields } from '../../posture/rules.js';
import { listSome } from '../../posture/util.js';
import { pathToString } from '../../model/resource.js';
import { AP } from './common.js';
import { postureReads } from '../../posture/reads.js';

/** What each negative field lets through, and how easily an attacker gets there. */
const WHY: Record<string, string> = {
  notPaths: 'any path not listed is allowed, and a path your application reads differently from Envoy (//admin, /admin%2F, /ADMIN, /admin;x) slips past the list',
  notHosts: 'any Host header not listed is allowed, and the client chooses the Host header (example.com:443, a trailing dot, another case)',
  notMethods: 'any method not listed is allowed, including methods nobody thought of (PATCH, custom verbs)',
  notPrincipals: 'any identity not listed is allowed, including a plaintext caller, which has no identity at all',
  notNamespaces: 'any namespace not listed is allowed, including a plaintext caller, which has none, and every namespace created later',
  notServiceAccounts: 'any service account not listed is allowed, including every one created later',
  notIpBlocks: 'any address not listed is allowed, and addresses change with every pod restart',
  notRemoteIpBlocks: 'any client address not listed is allowed, and X-Forwarded-For is easy to influence',
  notRequestPrincipals: 'any token subject not listed is allowed, including requests without a token',
  notPorts: 'any port not listed is allowed, including ports opened later',
};
const HIGH = new Set(['notPaths', 'notHosts']);

/**
 * `"*"` among the excluded values stands for any value, so the field matches only requests that carry
 * none (Istio turns it into a presence match, negated): what that lets through, for the fields where a
 * caller can simply have or send nothing. Elsewhere (paths, hosts, methods, ports: every request has
 * one) the generic wording stays.
 */
const WHY_ABSENT: Record<string, string> = {
  notPrincipals: 'it matches only callers without a mesh identity, so plaintext callers from outside the mesh are allowed',
  notNamespaces: 'it matches only callers without a mesh identity, so plaintext callers from outside the mesh are allowed',
  notServiceAccounts: 'it matches only callers without a mesh identity, so plaintext callers from outside the mesh are allowed',
  notRequestPrincipals: 'it matches only requests without a valid token, so anonymous requests are allowed',
};

/** Condition keys a request can carry no value for, by the caller's choice: a header, a token's claims, a mesh identity, an SNI. */
function callerMayOmit(key: string): boolean {
  return key.startsWith('request.headers[') || key.startsWith('request.auth.') || key === 'source.principal' || key === 'source.namespace' || key === 'source.serviceAccount' || key === 'connection.sni';
}

export default defineRule({
  meta: {
    id: 'AUT008',
    title: 'ALLOW AuthorizationPolicy matches by exclusion (notPaths, notPrincipals, notHosts...)',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP),
    docs: {
      summary:
        'An ALLOW AuthorizationPolicy uses a negative field: `notPrincipals`, `notNamespaces`, `notServiceAccounts`, `notIpBlocks`, `notRemoteIpBlocks`, `notRequestPrincipals` in a source; `notPaths`, `notMethods`, `notHosts`, `notPorts` in an operation; or `notValues` in a `when` condition. `notPaths` and `notHosts` are high (known bypass classes: path normalization, Host header), the others medium. A `"*"` among the excluded values of a field the caller controls (a header, a token claim, the mesh identity, the SNI) matches only requests that carry none: the message says so.',
      why:
        "An ALLOW rule written as \"everything except X\" allows whatever its author did not think of, and whatever Envoy and the application read differently. Istio's guidance is ALLOW with positive matching and DENY with negative matching, so that a mistake gives a 403 instead of a bypass. Bulletins ISTIO-SECURITY-2021-005 and 2021-008 were bypasses of exactly such matches (`//` and `%2F` in paths, Host header case).",
      fix:
        'Rewrite the rule with positive fields: list the paths, methods, hosts and callers that are allowed. Where an exclusion is really wanted, express it as a DENY policy with the positive field (and check AUT009 for path normalization).',
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - to:\n    - operation: {notPaths: ["/admin*"]}',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - to:\n    - operation: {paths: ["/shop/*", "/healthz"], methods: [GET, POST]}',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#use-allow-with-positive-matching-and-deny-with-negative-match-patterns',
        'https://istio.io/latest/news/security/istio-security-2021-005/',
        'https://istio.io/latest/news/security/istio-security-2021-008/',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.action !== 'ALLOW' || p.problems.length) continue;
      const r = p.resource;
      for (const rv of rulesOf(r)) {
        for (const f of [...sourceFields(rv), ...operationFields(rv)]) {
          if (!f.field.startsWith('not')) continue;
          report({
            resource: r,
            path: f.path,
            key: pathToString(f.path),
            severity: HIGH.has(f.field) ? 'high' : 'medium',
            message: `ALLOW policy ${r.namespace}/${r.name} matches ${f.field} [${listSome(f.values, 4)}] (rules[${rv.index}]): ${(f.values.includes('*') && WHY_ABSENT[f.field]) || WHY[f.field] || 'anything not listed is allowed'}.`,
          });
        }
        for (const c of conditions(rv)) {
          if (!c.notValues.length) continue;
          report({
            resource: r,
            path: [...c.path, 'notValues'],
            key: pathToString(c.path),
            message: `ALLOW policy ${r.namespace}/${r.name} has a when condition on ${c.key} with notValues [${listSome(c.notValues, 4)}] (rules[${rv.index}]): ${
              c.notValues.includes('*') && callerMayOmit(c.key) ? `"*" stands for any value, so the condition holds only when ${c.key} is absent, and every request without it is allowed (a caller can always leave it out)` : 'every value not listed is allowed'
            }.`,
          });
        }
      }
    }
  },
});
