import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../posture/util.js';
import { quoteValue } from '../../engine/text.js';
import { AP } from './common.js';

/** Conditions istiod writes on AuthorizationPolicies in ambient mode, and who they speak for. */
const ENFORCERS: Record<string, string> = { ZtunnelAccepted: 'ztunnel', WaypointAccepted: 'the waypoint' };

export default defineRule({
  meta: {
    id: 'AUT025',
    title: 'AuthorizationPolicy status says ztunnel or the waypoint does not enforce it',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: [AP],
    docs: {
      summary:
        "An AuthorizationPolicy carries a `status.conditions[]` entry of type `ZtunnelAccepted` or `WaypointAccepted` with status `False`, or `WaypointAccepted` with reason `PartiallyInvalid` (even when True): istiod reports that the ambient data plane enforces the policy only in part, or not at all. Such status comes from live dumps (`kubectl get -o yaml`). Istio's analyzer reports the same as IST0171. Medium; low for AUDIT policies.",
      why:
        'The policy is in the cluster, reviewed and believed in, but the component that should apply it has refused it, often because it names HTTP attributes ztunnel cannot see or a waypoint it is not bound to. Requests the policy was written to stop (or to require a JWT for) go through; a DENY that is not applied fails open.',
      fix:
        "Read the condition's reason and message (`kubectl get authorizationpolicy -o yaml`): attach L7 rules to a waypoint with `targetRefs` instead of a selector, bind the workloads to that waypoint (`istio.io/use-waypoint`), or keep the policy to L4 fields ztunnel enforces.",
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-admin, namespace: analytics}\nspec:\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [/admin]}\nstatus:\n  conditions:\n  - type: ZtunnelAccepted\n    status: "False"\n    reason: UnsupportedValue\n    message: "ztunnel does not support HTTP attributes (found: paths)."',
      references: ['https://istio.io/latest/docs/reference/config/analysis/ist0171/', 'https://istio.io/latest/docs/ambient/usage/l7-features/'],
    },
  },
  check({ model, report }) {
    for (const r of model.ofKind('security.istio.io', 'AuthorizationPolicy')) {
      const conditions = r.obj?.status?.conditions;
      if (!Array.isArray(conditions)) continue;
      const action = typeof r.obj?.spec?.action === 'string' ? r.obj.spec.action.toUpperCase() : 'ALLOW';
      const severity: Severity = action === 'AUDIT' ? 'low' : 'medium';
      conditions.slice(0, 50).forEach((c: unknown, i: number) => {
        if (!isObject(c) || typeof c.type !== 'string' || !Object.hasOwn(ENFORCERS, c.type)) return;
        const status = String(c.status);
        const partial = c.type === 'WaypointAccepted' && c.reason === 'PartiallyInvalid';
        if (status !== 'False' && !partial) return;
        const detail = [typeof c.reason === 'string' ? `reason ${quoteValue(c.reason, 60)}` : '', typeof c.message === 'string' ? quoteValue(c.message, 200) : ''].filter(Boolean).join(': ');
        const what = partial && status !== 'False' ? `enforces only part of it` : 'does not enforce it';
        report({
          resource: r,
          path: ['status', 'conditions', i, partial && status !== 'False' ? 'reason' : 'status'],
          key: `${c.type}:${i}`,
          severity,
          message: `${action} policy ${r.namespace}/${r.name} has status ${c.type} ${status}${detail ? ` (${detail})` : ''}: ${ENFORCERS[c.type]} ${what}, so requests it was written to ${action === 'ALLOW' ? 'admit only under its rules are handled otherwise' : action === 'DENY' ? 'refuse can get through' : 'check are not checked'}.`,
        });
      });
    }
  },
});
