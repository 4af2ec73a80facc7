import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { NamespaceInfo } from '../../model/namespaces.js';
import type { Workload } from '../../model/workloads.js';
import { computePosture, type MeshPosture, type WorkloadPosture } from '../../posture/index.js';
import { listSome, plural } from '../../posture/util.js';
import { AP, NAMESPACE, WORKLOADS, looksLikeMesh, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT006',
    title: 'Mesh namespace has no default-deny AuthorizationPolicy',
    severity: 'medium',
    category: 'authn-authz',
    reads: postureReads(AP, NAMESPACE, ...WORKLOADS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A tenant namespace in sidecar or ambient mode is covered by no allow-nothing policy: no ALLOW AuthorizationPolicy without rules in the root namespace (mesh-wide) or in the namespace itself (namespace-wide), and not every workload has its own. Medium when some of its workloads have no ALLOW policy at all and so accept every request; low when every workload in the input has its own ALLOW policies (a new workload would still start open). When no mesh namespace and not the root namespace has a default-deny, the finding is reported once, on the root namespace, listing the namespaces: the fix is one policy there. As soon as some namespaces have their own, each namespace without one is reported on its own.',
      why:
        "Istio allows every request to a workload that no ALLOW policy selects. Without a default-deny, each new workload, and each one whose policy was forgotten or mistyped, is reachable from every other workload in the mesh: an attacker who compromises one pod can call the rest directly. A default-deny makes the worst case of a missing policy a 403 rather than open access, which is Istio's recommended pattern.",
      fix:
        'Add `AuthorizationPolicy allow-nothing` with `spec: {}` in the root namespace (mesh-wide) or in each namespace, then an ALLOW policy per workload for the callers it needs (positive `principals`, `namespaces`, `methods`, `paths`). Roll it out with the `istio.io/dry-run` annotation first.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n# and no AuthorizationPolicy without rules in shop or istio-system',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-nothing, namespace: istio-system}\nspec: {}',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns',
        'https://istio.io/latest/docs/reference/config/security/authorization-policy/',
      ],
    },
  },
  check({ model, report, perNamespace }) {
    const posture = computePosture(model);
    if (posture.meshDefaultDeny()) return;
    const root = model.rootNamespace;
    const gaps: Gap[] = [];
    // Unknown namespaces count only in an input that is a mesh at all (plain Kubernetes manifests stay quiet).
    const meshLike = looksLikeMesh(model);
    let someHaveOne = false;
    for (const info of model.namespaces()) {
      if (info.system) continue;
      // Without a Namespace object the mode is unknown: assumed in the mesh, as posture does, when it holds workloads.
      if (!info.resource ? !meshLike || !model.workloadsIn(info.name).length : info.mode !== 'sidecar' && info.mode !== 'ambient') continue;
      // Whether a namespace has its own default-deny, and if not what it leaves open, reads its own
      // workloads and policies and the root namespace's: kept across incremental runs until a change
      // reaches the namespace (RuleContext.perNamespace), so a run walks 2,000 namespaces by lookups.
      const state = perNamespace(info.name, 'gap', () => (posture.namespaceDefaultDeny(info.name) ? COVERED : gapOf(posture, info.name)));
      if (state === COVERED) {
        someHaveOne = true;
        continue;
      }
      if (state) gaps.push({ info, ...state });
    }
    if (!gaps.length) return;

    if (!someHaveOne && gaps.length > 1) {
      // Nobody uses default-deny: one root cause, one finding, one fix (a policy in the root namespace).
      const open = gaps.flatMap((g) => g.open);
      const rootNs = model.namespace(root).resource;
      const evidence: EvidenceInput[] = gaps.slice(0, 10).map((g, i) => ({
        role: 'namespace',
        description: `${g.info.name} (${g.info.resource ? g.info.mode : "mode unknown, assumed in the mesh"}): ${g.open.length ? `${plural(workloadCount(g.open), 'workload')} without any ALLOW policy` : g.workloads ? 'every workload has ALLOW policies' : 'no workloads in the input'}`,
        ...(i < 3 && g.info.resource ? { resource: g.info.resource, path: ['metadata', 'name'] } : {}),
      }));
      if (gaps.length > 10) evidence.push({ role: 'namespace', description: `…and ${gaps.length - 10} more namespaces` });
      report({
        resource: rootNs ?? model.meshConfigResource,
        path: rootNs ? ['metadata', 'name'] : model.mesh.path,
        severity: open.length ? 'medium' : 'low',
        message: `No default-deny AuthorizationPolicy (ALLOW with no rules) in the root namespace ${root} or in any of the ${gaps.length} mesh namespaces (${listSome(
          gaps.map((g) => g.info.name),
          4,
        )}): ${open.length ? openText(open) : 'every new workload starts open to every mesh client'}.`,
        evidence,
      });
      return;
    }
    for (const g of gaps) {
      const tail = g.open.length
        ? openText(g.open)
        : g.workloads
          ? 'its workloads have ALLOW policies today, but any new workload, or one whose policy is mistyped, starts open'
          : 'any workload deployed there starts open to every mesh client';
      // A namespace without its object is reported on its first workload, one grade lower (its mode is assumed).
      const first = g.info.resource ? null : posture.model.workloadsIn(g.info.name)[0];
      report({
        resource: g.info.resource ?? first!.resource,
        path: g.info.resource ? ['metadata', 'name'] : first!.metaPath,
        severity: g.info.resource ? g.severity : 'low',
        message: `Namespace ${g.info.name} (${modeText(g.info)}) has no default-deny AuthorizationPolicy (ALLOW with no rules), and neither has the root namespace ${root}: ${tail}.`,
        evidence: workloadEvidence(
          g.open,
          (w) => `${wname(w)} has no ALLOW policy`,
          'workload',
          0,
        ),
      });
    }
  },
});

function modeText(info: NamespaceInfo): string {
  return info.resource ? `${info.mode} mode` : 'no Namespace object in the input; assumed in the mesh';
}

/** A namespace with its own default-deny (kept per namespace beside the gaps). */
const COVERED = 'covered';

/** `2 workloads without any ALLOW policy accept every request from any mesh client (…)`, counted once. */
function openText(open: readonly Workload[]): string {
  const n = workloadCount(open);
  return `${plural(n, 'workload')} without any ALLOW policy ${n === 1 ? 'accepts' : 'accept'} every request from any mesh client (${workloadList(open)})`;
}

/** What a namespace without a namespace-wide default-deny leaves open (plain data: it is kept across runs). */
interface NamespaceGap {
  /** Workloads in the mesh of this namespace. */
  workloads: number;
  /** Those with no enforced ALLOW policy at all. */
  open: Workload[];
  severity: Severity;
}

interface Gap extends NamespaceGap {
  info: NamespaceInfo;
}

/** What namespace `ns` leaves open without a namespace-wide default-deny, or null when every workload has its own. */
function gapOf(posture: MeshPosture, ns: string): NamespaceGap | null {
  const wps: WorkloadPosture[] = [];
  for (const w of posture.model.workloadsIn(ns)) {
    const wp = posture.of(w);
    if (wp && wp.dataplane !== 'none') wps.push(wp);
  }
  const uncovered = wps.filter((wp) => !posture.defaultDeny(wp));
  if (wps.length && !uncovered.length) return null;
  const open = uncovered.filter((wp) => !posture.authorization(wp).some((a) => a.policy.action === 'ALLOW' && a.enforcedBy !== 'none')).map((wp) => wp.workload);
  return { workloads: wps.length, open, severity: open.length ? 'medium' : 'low' };
}
