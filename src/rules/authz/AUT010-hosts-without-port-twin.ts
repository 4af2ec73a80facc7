import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { operationFields, rulesOf } from '../../posture/rules.js';
import { listSome } from '../../posture/util.js';
import { pathToString } from '../../model/resource.js';
import { AP } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT010',
    title: 'AuthorizationPolicy host match lacks its `:*` twin',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP),
    docs: {
      summary:
        'An AuthorizationPolicy lists a host in `hosts` or `notHosts` without the same host with `:*` (or the `:*` form without the bare one). Host matching is exact: `example.com` does not match a Host header of `example.com:443`. High where the miss lets a request through (DENY or CUSTOM with `hosts`, ALLOW with `notHosts`), low where it only causes a 403 (ALLOW with `hosts`, DENY with `notHosts`).',
      why:
        'The client writes the Host header. Adding the port (`example.com:80`) makes a DENY on `example.com` miss, so the request is not denied, or makes an ALLOW-with-`notHosts` exception miss, so it is allowed. Istio\'s best practices ask every host match to list both forms.',
      fix: 'List both forms of each host: `example.com` and `example.com:*`.',
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-internal, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  action: DENY\n  rules:\n  - to:\n    - operation: {hosts: [internal.example.com]}',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-internal, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  action: DENY\n  rules:\n  - to:\n    - operation: {hosts: [internal.example.com, "internal.example.com:*"]}',
      references: ['https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies'],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.problems.length) continue;
      const r = p.resource;
      for (const rv of rulesOf(r)) {
        for (const f of operationFields(rv)) {
          if (f.field !== 'hosts' && f.field !== 'notHosts') continue;
          const have = new Set(f.values.map((v) => v.toLowerCase()));
          const missing: string[] = [];
          for (const v of f.values) {
            const h = v.toLowerCase();
            if (h === '*' || h === '*:*') continue;
            const twin = h.endsWith(':*') ? h.slice(0, -2) : hasPort(h) ? null : `${h}:*`;
            if (twin && !have.has(twin) && !missing.includes(twin)) missing.push(twin);
          }
          if (!missing.length) continue;
          const failOpen = (f.field === 'hosts' && (p.action === 'DENY' || p.action === 'CUSTOM')) || (f.field === 'notHosts' && p.action === 'ALLOW');
          const effect = failOpen
            ? p.action === 'DENY'
              ? 'a request whose Host header carries (or drops) the port is not denied'
              : p.action === 'CUSTOM'
                ? 'a request whose Host header carries (or drops) the port skips the external authorizer'
                : 'a request whose Host header carries (or drops) the port escapes the exception and is allowed'
            : 'requests whose Host header carries (or drops) the port get a 403';
          report({
            resource: r,
            path: f.path,
            key: pathToString(f.path),
            severity: failOpen ? 'high' : p.action === 'AUDIT' ? 'info' : 'low',
            message: `${p.action} policy ${r.namespace}/${r.name} matches ${f.field} [${listSome(f.values, 4)}] without ${listSome(missing, 4)} (rules[${rv.index}]): host matching is exact, so ${effect}.`,
          });
        }
      }
    }
  },
});

/** `host:port` (IPv6 literals in brackets keep their colons inside). */
function hasPort(h: string): boolean {
  const close = h.lastIndexOf(']');
  return h.indexOf(':', close + 1) >= 0;
}
