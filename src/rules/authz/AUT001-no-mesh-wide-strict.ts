import { isObject } from '../../posture/util.js';
import { defineRule, type EvidenceInput } from '../types.js';
import { namesNoNamespace, type PathSegment, type Resource } from '../../model/resource.js';
import { computePosture } from '../../posture/index.js';
import { MESH_CONFIG, NAMESPACE, PA, WORKLOADS, looksLikeMesh, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT001',
    title: 'No mesh-wide STRICT mutual TLS',
    severity: 'high',
    category: 'authn-authz',
    reads: postureReads(PA, NAMESPACE, ...MESH_CONFIG, ...WORKLOADS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'The root namespace (istio-system unless meshConfig.rootNamespace says otherwise) holds no selector-less PeerAuthentication with `mtls.mode: STRICT`. Without one, Istio applies PERMISSIVE to every workload that no namespace or workload policy tightens. A mesh-wide DISABLE is reported as critical. When the input holds nothing of the root namespace (a dump of one namespace), whether a mesh-wide policy exists is unknown and the finding is low; so it is when the input has a STRICT policy without a selector that names no namespace (left to `kubectl apply -n`), which the finding names: applied to the root namespace, it is the mesh-wide policy.',
      why:
        "PERMISSIVE accepts plaintext next to mutual TLS. Any pod in the cluster, in the mesh or not, can then call a workload without a certificate: it needs no identity, its traffic is not encrypted, and AuthorizationPolicy rules on principals or namespaces never match it (a DENY on them fails open). PERMISSIVE is meant for migrations; left in place it makes every identity-based control optional. DISABLE mesh-wide turns mutual TLS off altogether.",
      fix:
        'Create `PeerAuthentication default` in the root namespace with `spec.mtls.mode: STRICT` (no selector). Keep PERMISSIVE only on the namespaces or ports that still receive plaintext from outside the mesh, each with a dated plan to remove it, and check the `connection_security_policy` label of `istio_requests_total` first to see who still sends plaintext.',
      bad: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: PERMISSIVE}',
      good: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: STRICT}',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#mutual-tls',
        'https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/',
        'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
      ],
    },
  },
  check({ model, report }) {
    if (!looksLikeMesh(model)) return;
    const posture = computePosture(model);
    const mm = posture.meshMtls;
    if (mm.mode === 'STRICT') return;
    const root = model.rootNamespace;

    // Workloads whose mode comes from the mesh level (or the default) and is not STRICT. PeerAuthentication
    // only governs workloads with a proxy: those whose namespace's injection the input does not show are
    // counted apart, and in system namespaces (istio-system's addons) they are taken as outside the mesh.
    const inherit = posture.workloads.filter((wp) => wp.mtls.applies && (wp.mtls.origin.level === 'mesh' || wp.mtls.origin.level === 'default') && wp.mtls.mode !== 'STRICT');
    const ws = inherit.filter((wp) => wp.dataplane !== null).map((wp) => wp.workload);
    const unsure = inherit.filter((wp) => wp.dataplane === null && !model.isSystemNamespace(wp.workload.namespace)).map((wp) => wp.workload);
    const outside = workloadCount(inherit.filter((wp) => wp.dataplane === null && model.isSystemNamespace(wp.workload.namespace)).map((wp) => wp.workload));
    const parts: string[] = [];
    const nWs = workloadCount(ws);
    const nUnsure = workloadCount(unsure);
    if (ws.length) parts.push(`${nWs === 1 ? '1 mesh workload inherits it and accepts' : `${nWs} mesh workloads inherit it and accept`} plaintext (${workloadList(ws)})`);
    if (unsure.length) parts.push(`${nUnsure === 1 ? '1 workload' : `${nUnsure} workloads`} in namespaces whose injection the input does not show would too (${workloadList(unsure)})`);
    if (outside) parts.push(`${outside === 1 ? '1 workload' : `${outside} workloads`} of system namespaces without a Namespace object ${outside === 1 ? 'is' : 'are'} taken as outside the mesh, where PeerAuthentication does not apply`);
    const who = parts.length ? parts.join('; ') : 'every workload that no namespace or workload policy makes STRICT accepts plaintext';
    const listed = [...ws, ...unsure];
    let resource: Resource;
    let path: PathSegment[];
    let message: string;
    const evidence: EvidenceInput[] = workloadEvidence(listed, (w) => `${wname(w)} inherits ${mm.mode}`);
    const pa = mm.policy;
    if (pa) {
      resource = pa.resource;
      // UNSET: point at the deepest field that exists (spec.mtls, spec, or the object itself).
      const spec = pa.resource.obj?.spec;
      path = !isObject(spec) ? [] : !isObject(spec.mtls) ? ['spec'] : Object.hasOwn(spec.mtls, 'mode') ? ['spec', 'mtls', 'mode'] : ['spec', 'mtls'];
      message = pa.mode
        ? `The mesh-wide PeerAuthentication ${root}/${pa.resource.name} sets ${pa.mode}: ${who}.`
        : `The mesh-wide PeerAuthentication ${root}/${pa.resource.name} sets no mode (UNSET), so Istio's default PERMISSIVE applies: ${who}.`;
    } else {
      const ns = model.namespace(root).resource;
      resource = ns ?? model.meshConfigResource;
      path = ns ? ['metadata', 'name'] : model.mesh.path;
      message = mm.known
        ? `No PeerAuthentication in the root namespace ${root} sets STRICT mesh-wide, so Istio's default PERMISSIVE applies: ${who}.`
        : `Nothing of the root namespace ${root} is in the input, so whether a mesh-wide PeerAuthentication exists is unknown; if none sets STRICT, Istio's default PERMISSIVE applies: ${who}. Include the root namespace's PeerAuthentications in the scan to check it.`;
    }
    // A repository often leaves the namespace to `kubectl apply -n`: a STRICT policy without a selector
    // that names no namespace is the mesh-wide one when it is applied to the root namespace. The input
    // does not say where it goes, so with no mesh-wide policy of its own the finding is low and names it.
    const unplaced = pa ? undefined : model.ofKind('security.istio.io', 'PeerAuthentication').find((r) => r.namespace !== root && namesNoNamespace(r) && strictWithoutSelector(r));
    if (unplaced) {
      message += ` PeerAuthentication ${unplaced.name} names no namespace and sets STRICT without a selector: applied with \`kubectl apply -n ${root}\` it is the mesh-wide policy, and this finding does not hold.`;
      evidence.push({ role: 'namespace-assumed', description: `${unplaced.name} was judged in ${unplaced.namespace}, where it applies only to that namespace`, resource: unplaced, path: ['metadata'] });
    }
    // Unknown is not absent: a dump of one namespace says nothing about the mesh-wide policy (as EGR001 grades a missing mesh config).
    const severity = mm.mode === 'DISABLE' ? 'critical' : mm.known && !unplaced ? 'high' : 'low';
    report({ resource, path, message, severity, evidence });
  },
});

/** A PeerAuthentication that sets STRICT for its whole namespace (no selector, or one that selects nothing in particular). */
function strictWithoutSelector(r: Resource): boolean {
  const spec = r.obj?.spec;
  if (!isObject(spec) || !isObject(spec.mtls) || spec.mtls.mode !== 'STRICT') return false;
  const labels = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
  return !isObject(labels) || Object.keys(labels).length === 0;
}
