import { isIP } from 'node:net';
import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../posture/util.js';
import { RA } from './common.js';
import { redactUrl } from '../../kubeconfig/redact.js';
import { terminalSafe } from '../../engine/text.js';

export default defineRule({
  meta: {
    id: 'AUT016',
    title: 'RequestAuthentication fetches its keys over http:// or from an internal address',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: [RA],
    docs: {
      summary:
        'A `jwtRules[].jwksUri` uses plain `http://` (high), or points at a loopback, private (RFC 1918, CGNAT, IPv6 ULA), link-local or unspecified address, `localhost`, or a cloud metadata endpoint (medium; high for metadata endpoints). Addresses are normalised first, so `http://2130706433/` is seen as 127.0.0.1. In-cluster DNS names (`*.svc.cluster.local`) are not flagged: they are the normal way to reach an in-cluster issuer.',
      why:
        'The JWKS holds the keys every token is checked against. Fetched over plaintext, anyone on the path between istiod and the issuer can swap in their own key and mint tokens the mesh accepts. A URI to an internal address makes istiod, which runs with wide privileges on the pod network, fetch it for whoever can write a RequestAuthentication: server-side request forgery toward the node, the metadata service (cloud credentials) or internal admin endpoints (ISTIO-SECURITY-2026-003; istiod can block ranges with BLOCKED_CIDRS_IN_JWKS_URIS, see IST0175).',
      fix:
        'Serve the JWKS over https from the issuer\'s public or in-cluster DNS name, or inline the keys with `jwks`. Set `BLOCKED_CIDRS_IN_JWKS_URIS` on istiod to the metadata, node and private ranges you never fetch keys from, and restrict who may create RequestAuthentications.',
      bad: 'apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: http://auth.example.com/jwks.json',
      good: 'apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: shop}\nspec:\n  jwtRules:\n  - issuer: https://auth.example.com\n    jwksUri: https://auth.example.com/.well-known/jwks.json',
      references: [
        'https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule',
        'https://istio.io/latest/news/security/istio-security-2026-003/',
        'https://istio.io/latest/docs/reference/config/analysis/ist0175/',
      ],
    },
  },
  check({ model, report }) {
    for (const r of model.ofKind('security.istio.io', 'RequestAuthentication')) {
      const rules = r.obj?.spec?.jwtRules;
      if (!Array.isArray(rules)) continue;
      rules.forEach((rule: unknown, i: number) => {
        if (!isObject(rule) || typeof rule.jwksUri !== 'string' || rule.jwksUri.length > 4096) return;
        let url: URL;
        try {
          url = new URL(rule.jwksUri);
        } catch {
          return; // not a URL: Istio rejects the policy
        }
        const problems: string[] = [];
        let severity: Severity = 'medium';
        if (url.protocol === 'http:') {
          problems.push('it is fetched over plain http, so anyone on the path can substitute the signing keys and mint accepted tokens');
          severity = 'high';
        }
        const internal = classifyHost(url.hostname);
        if (internal) {
          problems.push(`it points at ${internal.what} (${url.hostname}), so whoever can write a RequestAuthentication makes istiod fetch internal endpoints (SSRF)`);
          if (internal.severe) severity = 'high';
        }
        if (!problems.length) return;
        report({
          resource: r,
          path: ['spec', 'jwtRules', i, 'jwksUri'],
          key: String(i),
          severity,
          message: `RequestAuthentication ${r.namespace}/${r.name} jwtRules[${i}] takes its keys from ${shownUri(rule.jwksUri)}: ${problems.join('; ')}.`,
        });
      });
    }
  },
});

/**
 * The URI as a message may show it: userinfo and query values fingerprinted (a JWKS URI sometimes
 * carries `?access_token=`, `?key=`, `?sig=` or `user:password@`), escaped, and cut to one line.
 */
function shownUri(raw: string): string {
  const s = terminalSafe(redactUrl(raw));
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal']);

/** What kind of internal address a URL host is, or null for an ordinary public host. */
export function classifyHost(hostname: string): { what: string; severe: boolean } | null {
  let h = hostname.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (METADATA_HOSTS.has(h)) return { what: 'a cloud metadata endpoint', severe: true };
  if (h === 'localhost' || h.endsWith('.localhost')) return { what: 'the loopback interface', severe: false };
  const v = isIP(h);
  if (v === 4) return classifyV4(h.split('.').map(Number));
  if (v === 6) return classifyV6(h);
  return null;
}

function classifyV4([a, b]: number[]): { what: string; severe: boolean } | null {
  if (a === 169 && b === 254) return { what: 'a link-local address, home of the cloud metadata service', severe: true };
  if (a === 127) return { what: 'the loopback interface', severe: false };
  if (a === 0) return { what: 'the unspecified address', severe: false };
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return { what: 'a private address', severe: false };
  if (a === 100 && b >= 64 && b <= 127) return { what: 'a carrier-grade NAT address', severe: false };
  return null;
}

function classifyV6(h: string): { what: string; severe: boolean } | null {
  if (h === '::1') return { what: 'the loopback interface', severe: false };
  if (h === '::') return { what: 'the unspecified address', severe: false };
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(h);
  if (mapped) {
    const octets = mapped[1]
      ? mapped[1].split('.').map(Number)
      : [parseInt(mapped[2], 16) >> 8, parseInt(mapped[2], 16) & 255, parseInt(mapped[3], 16) >> 8, parseInt(mapped[3], 16) & 255];
    return classifyV4(octets);
  }
  if (h === 'fd00:ec2::254') return { what: 'a cloud metadata endpoint', severe: true };
  const first = parseInt(h.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return { what: 'a private (unique local) address', severe: false };
  if ((first & 0xffc0) === 0xfe80) return { what: 'a link-local address', severe: false };
  return null;
}
