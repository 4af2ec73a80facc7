import { defineRule } from '../types.js';
import type { Resource, PathSegment } from '../../model/resource.js';
import { computePosture } from '../../posture/index.js';
import { isObject, str } from '../../posture/util.js';
import { terminalSafe } from '../../engine/text.js';
import { ISTIO_GW, K8S_GW, WORKLOADS, gatewayServers } from './common.js';
import { postureReads } from '../../posture/reads.js';

interface Use {
  gateway: Resource;
  path: PathSegment[];
  hosts: string[];
}

export default defineRule({
  meta: {
    id: 'AUT026',
    title: 'Two gateways serve the same TLS certificate',
    severity: 'medium',
    category: 'authn-authz',
    reads: postureReads(ISTIO_GW, K8S_GW, ...WORKLOADS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "Two Istio Gateways whose selectors pick the same gateway pods (or, when those pods are not in the input, have the same selector) have TLS servers with the same `credentialName` (medium, Istio's IST0138); or two Gateway-API Gateways reference the same Secret in their listeners' `certificateRefs` (low: one private key served by two gateway deployments).",
      why:
        'On the same pods, HTTP/2 clients reuse a connection opened for one host to send requests for another host of the same certificate (connection coalescing): requests land on the routes and policies of the other Gateway, so one team\'s Gateway can receive, or bypass the checks of, another\'s traffic. Across deployments, the private key sits in more places than it needs to: whoever compromises either gateway can impersonate every host of both.',
      fix: 'Give each Gateway its own certificate (one Secret per Gateway and host set), or merge the servers into one Gateway object when they really belong together.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: shop}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: wildcard-cert}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: admin, namespace: admin}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [admin.example.com]\n    tls: {mode: SIMPLE, credentialName: wildcard-cert}',
      references: ['https://istio.io/latest/docs/reference/config/analysis/ist0138/', 'https://github.com/envoyproxy/envoy/issues/6767'],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    // Istio Gateways: credentialName → the servers using it, in input order.
    const byCredential = new Map<string, Use[]>();
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      for (const s of gatewayServers(g)) {
        const cred = s.tls ? str(s.tls.credentialName) : undefined;
        if (!cred) continue;
        const list = byCredential.get(cred) ?? [];
        if (!list.some((u) => u.gateway === g)) list.push({ gateway: g, path: [...s.path, 'tls', 'credentialName'], hosts: s.hosts });
        byCredential.set(cred, list);
      }
    }
    for (const [cred, uses] of byCredential) {
      if (uses.length < 2) continue;
      // First Gateway seen on each gateway pod (or, with no pods in the input, on each selector): linear, not pairwise.
      const firstOnPod = new Map<unknown, Use>();
      const firstOnSelector = new Map<string, Use>();
      for (const me of uses) {
        const pods = posture.gateways.selectedBy.get(me.gateway) ?? [];
        let other: Use | undefined;
        if (pods.length) {
          for (const w of pods) {
            const seen = firstOnPod.get(w);
            if (seen && seen.gateway !== me.gateway) other ??= seen;
            else if (!seen) firstOnPod.set(w, me);
          }
        } else {
          const key = selectorKey(me.gateway.obj?.spec?.selector);
          if (key) {
            const seen = firstOnSelector.get(key);
            if (seen) other = seen;
            else firstOnSelector.set(key, me);
          }
        }
        if (!other) continue;
        report({
          resource: me.gateway,
          path: me.path,
          message: `Gateway ${me.gateway.namespace}/${me.gateway.name} serves ${hostText(me.hosts)} with credentialName ${terminalSafe(cred)}, the certificate Gateway ${other.gateway.namespace}/${other.gateway.name} serves for ${hostText(other.hosts)} on the same gateway pods: HTTP/2 clients reuse one connection for both, so requests reach the other Gateway's routes and policies.`,
          evidence: [{ role: 'gateway', description: `Gateway ${other.gateway.namespace}/${other.gateway.name} uses credentialName ${terminalSafe(cred)}`, resource: other.gateway, path: other.path }],
        });
      }
    }

    // Gateway-API Gateways: Secret ns/name → the first Gateway referencing it.
    const firstUse = new Map<string, Use>();
    for (const g of model.ofKind('gateway.networking.k8s.io', 'Gateway')) {
      const listeners = g.obj?.spec?.listeners;
      if (!Array.isArray(listeners)) continue;
      const seen = new Set<string>();
      listeners.forEach((l: unknown, li: number) => {
        if (!isObject(l) || !isObject(l.tls) || !Array.isArray(l.tls.certificateRefs)) return;
        l.tls.certificateRefs.forEach((ref: unknown, ri: number) => {
          if (!isObject(ref) || !str(ref.name)) return;
          if (ref.kind !== undefined && ref.kind !== 'Secret') return;
          const key = `${str(ref.namespace) ?? g.namespace}/${ref.name}`;
          if (seen.has(key)) return;
          seen.add(key);
          const use: Use = { gateway: g, path: ['spec', 'listeners', li, 'tls', 'certificateRefs', ri], hosts: str(l.hostname) ? [String(l.hostname)] : [] };
          const prior = firstUse.get(key);
          if (!prior) {
            firstUse.set(key, use);
            return;
          }
          report({
            resource: g,
            path: use.path,
            severity: 'low',
            key,
            message: `Gateway ${g.namespace}/${g.name} serves ${hostText(use.hosts)} with Secret ${terminalSafe(key)}, which Gateway ${prior.gateway.namespace}/${prior.gateway.name} also serves: one private key in two gateway deployments, so compromising either lets an attacker impersonate the hosts of both.`,
            evidence: [{ role: 'gateway', description: `Gateway ${prior.gateway.namespace}/${prior.gateway.name} references Secret ${terminalSafe(key)}`, resource: prior.gateway, path: prior.path }],
          });
        });
      });
    }
  },
});

/** A selector as a stable key (sorted `k=v` pairs), or null when it is empty or not a label map. */
function selectorKey(sel: unknown): string | null {
  if (!isObject(sel)) return null;
  const pairs = Object.keys(sel)
    .sort()
    .map((k) => `${k}=${String(sel[k])}`);
  return pairs.length ? pairs.join(',') : null;
}

function hostText(hosts: readonly string[]): string {
  if (!hosts.length) return 'its listener';
  const shown = hosts.slice(0, 3).map(terminalSafe).join(', ');
  return hosts.length > 3 ? `${shown} and ${hosts.length - 3} more` : shown;
}
