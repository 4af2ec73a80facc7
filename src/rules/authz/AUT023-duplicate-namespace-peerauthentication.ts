import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { computePosture, type PeerAuthInfo } from '../../posture/index.js';
import { str } from '../../posture/util.js';
import { PA } from './common.js';
import { postureReads } from '../../posture/reads.js';

/** Strength of a mode; UNSET (null) inherits and is weighed as the level above would be, so it is neither. */
const STRENGTH: Record<string, number> = { STRICT: 3, PERMISSIVE: 2, DISABLE: 1 };

export default defineRule({
  meta: {
    id: 'AUT023',
    title: 'Several mesh-wide or namespace-wide PeerAuthentications: Istio applies only the oldest',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(PA),
    docs: {
      summary:
        "More than one PeerAuthentication without a selector in the same namespace (namespace-wide), or in the root namespace (mesh-wide). Istio uses the oldest by `creationTimestamp` and ignores the others. Reported on each ignored policy: high when it is stricter than the one Istio applies (its author believes in a STRICT that is not there), medium when the input carries no creation times (which one wins depends on the order they were applied), low otherwise.",
      why:
        'The ignored policy looks effective in the repository and in `kubectl get`, so a reviewer reads STRICT where Istio applies PERMISSIVE: plaintext, unauthenticated connections are accepted while everyone believes they are refused. Worse, the winner can change when the policies are re-created in another order (a restore, a new cluster).',
      fix: 'Keep exactly one selector-less PeerAuthentication per namespace (conventionally named `default`) and one in the root namespace; merge the others into it, or give them a selector.',
      bad: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z"}\nspec:\n  mtls: {mode: PERMISSIVE}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: shop, creationTimestamp: "2025-03-01T00:00:00Z"}\nspec:\n  mtls: {mode: STRICT}',
      good: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec:\n  mtls: {mode: STRICT}',
      references: ['https://istio.io/latest/docs/reference/config/security/peer_authentication/', 'https://istio.io/latest/docs/concepts/security/#peer-authentication'],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    const root = model.rootNamespace;
    const winners = new Map<string, PeerAuthInfo>();
    for (const pa of posture.peerAuthentications) if (pa.scope === 'mesh' || pa.scope === 'namespace') winners.set(pa.resource.namespace, pa);
    for (const pa of posture.peerAuthentications) {
      if (pa.scope !== 'ignored' || pa.problems.length) continue;
      const r = pa.resource;
      const winner = winners.get(r.namespace);
      if (!winner || hasSelector(r.obj?.spec)) continue;
      const w = winner.resource;
      const level = r.namespace === root ? 'mesh-wide' : `namespace-wide (${r.namespace})`;
      const timed = str(r.obj?.metadata?.creationTimestamp) && str(w.obj?.metadata?.creationTimestamp);
      const mine = pa.mode ?? 'UNSET';
      const theirs = winner.mode ?? 'UNSET';
      let severity: Severity = 'low';
      if ((STRENGTH[mine] ?? 0) > (STRENGTH[theirs] ?? 0) && mine !== theirs) severity = 'high';
      else if (!timed) severity = 'medium';
      const order = timed ? 'it is newer' : 'the input has no creationTimestamp, so the winner is whichever was applied first (here assumed in input order)';
      report({
        resource: r,
        path: ['metadata', 'name'],
        severity,
        message: `PeerAuthentication ${r.namespace}/${r.name} is a second ${level} policy: Istio applies only the oldest, ${w.namespace}/${w.name} (${theirs}), and ignores this one (${mine}) because ${order}.`,
        evidence: [{ role: 'applied-policy', description: `${w.namespace}/${w.name} sets ${theirs} and is the one Istio applies`, resource: w, path: ['metadata', 'name'] }],
      });
    }
  },
});

function hasSelector(spec: unknown): boolean {
  return !!spec && typeof spec === 'object' && (spec as Record<string, unknown>).selector !== undefined && (spec as Record<string, unknown>).selector !== null;
}
