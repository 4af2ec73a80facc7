import { defineRule } from '../types.js';
import type { MeshModel } from '../../model/model.js';
import type { Workload } from '../../model/workloads.js';
import { resolveHost } from '../../model/hosts.js';
import { computePosture, namedPort, type MeshPosture, type ServiceInfo } from '../../posture/index.js';
import { listSome, plural, str } from '../../posture/util.js';
import { DR, NAMESPACE, PA, SERVICE, WORKLOADS, modeText, tlsBlocks, tlsMode, wname, workloadEvidence, destinationRulesWithTls } from './common.js';
import { postureReads } from '../../posture/reads.js';
import { collapseOwned } from '../../model/owners.js';

export default defineRule({
  meta: {
    id: 'AUT003',
    title: 'DestinationRule turns off TLS (tls.mode DISABLE) to a host in the mesh',
    severity: 'high',
    category: 'authn-authz',
    reads: postureReads(DR, SERVICE, NAMESPACE, PA, ...WORKLOADS),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A DestinationRule sets `tls.mode: DISABLE` (at the top level, in `portLevelSettings`, or in a subset) for a host that is a Service in the mesh (its pods have a sidecar or are ambient, or its namespace is in the mesh), or a wildcard that covers such Services. High when a destination accepts the plaintext (its effective mTLS on that port is not STRICT) or is not in the input; medium when every destination is STRICT and the calls just fail, or when the input does not show whether the destination\'s namespace is in the mesh (no Namespace object of it, as in a repository of Istio configuration kept apart from the applications, whether or not its workloads are in the input, unless they show a proxy of their own; the platform namespaces are left out). An ExternalName Service, or one without a selector (its endpoints written by hand), is not judged: Istio makes the first a mesh-external alias of its external name, and endpoints that are no pod carry no sidecar, so neither has Istio mutual TLS to turn off.',
      why:
        "Istio's auto mTLS would send Istio mutual TLS to these destinations. DISABLE overrides it: every client sidecar the rule reaches sends plaintext, so the traffic is readable and alterable on the network and the destination sees no client identity, which silently defeats AuthorizationPolicies on principals or namespaces. Because DestinationRules apply to hosts mesh-wide, a rule written in one namespace can downgrade other tenants' calls.",
      fix:
        'Remove the `tls` block (auto mTLS then uses ISTIO_MUTUAL), or set `tls.mode: ISTIO_MUTUAL`. Limit DestinationRules with `exportTo: ["."]`, and make the destinations STRICT so that a downgrade fails closed.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {matchLabels: {app: reviews}}\n  template:\n    metadata: {labels: {app: reviews}}\n    spec:\n      containers:\n      - {name: reviews, image: registry.example.com/shop/reviews:1.3.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {app: reviews}\n  ports:\n  - {name: http, port: 9080}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n  trafficPolicy:\n    tls: {mode: DISABLE}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {matchLabels: {app: reviews}}\n  template:\n    metadata: {labels: {app: reviews}}\n    spec:\n      containers:\n      - {name: reviews, image: registry.example.com/shop/reviews:1.3.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {app: reviews}\n  ports:\n  - {name: http, port: 9080}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode',
        'https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#auto-mutual-tls',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const dr of destinationRulesWithTls(model.ofKind('networking.istio.io', 'DestinationRule'), ['DISABLE'])) {
      const host = str(dr.obj?.spec?.host);
      if (!host) continue;
      const blocks = tlsBlocks(dr).filter((b) => tlsMode(b.tls) === 'DISABLE');
      if (!blocks.length) continue;
      const target = inMeshTarget(model, posture, host, dr.namespace);
      if (!target) {
        // The input may hold the mesh's configuration without its namespaces and workloads (a
        // repository of Istio config apart from the applications'): a downgrade to cluster services
        // whose place in the mesh the input does not show is still worth a look.
        const unknown = namesOnlyServicesOutsideTheMesh(posture, host, dr.namespace) ? null : unknownMeshTarget(model, host, dr.namespace);
        if (!unknown) continue;
        for (const b of blocks) {
          report({
            resource: dr,
            path: [...b.path, 'mode'],
            key: b.path.join('.'),
            severity: 'medium',
            message: `DestinationRule ${dr.namespace}/${dr.name} sets tls.mode DISABLE (${b.where}) for ${host}, ${unknown}. Where a destination is in the mesh, client sidecars send it plaintext instead of Istio mutual TLS and it sees no client identity. Include the namespace (its injection or data-plane label) or its workloads to judge it.`,
            evidence: [],
          });
        }
        continue;
      }
      for (const b of blocks) {
        const dest = destinations(posture, target.services, b.port);
        const open = dest.filter((d) => d.plaintext);
        const unknown = dest.length === 0;
        // Workloads in namespaces the input does not show may be outside the mesh (medium, as for a
        // namespace the input does not show at all); known mesh destinations that take plaintext are high.
        const severity = (open.length || unknown) && !target.assumed ? 'high' : 'medium';
        let outcome: string;
        if (unknown) outcome = `its workloads are not in the input, so nothing shows they refuse plaintext`;
        else if (open.length) {
          // A Deployment's ReplicaSets and Pods accept it as it does: named once (src/model/owners.ts).
          const named = new Set(collapseOwned(open.map((d) => d.w)).workloads);
          outcome = `${listSome(open.filter((d) => named.has(d.w)).map((d) => `${wname(d.w)} accepts it (${d.mode})`), 3)}`;
        }
        else outcome = `its workloads are STRICT, so these calls fail instead`;
        report({
          resource: dr,
          path: [...b.path, 'mode'],
          key: b.path.join('.'),
          severity,
          message: `DestinationRule ${dr.namespace}/${dr.name} sets tls.mode DISABLE (${b.where}) for ${host}, ${target.what}: client sidecars send plaintext instead of Istio mutual TLS, and ${outcome}.`,
          evidence: [
            ...target.services.slice(0, 5).map((s) => ({ role: 'destination', description: target.assumed ? `Service ${s.namespace}/${s.name}` : `Service ${s.namespace}/${s.name} is in the mesh`, resource: s.resource, path: ['metadata', 'name'] })),
            ...workloadEvidence(
              (open.length ? open : dest).map((d) => d.w),
              (w) => `${wname(w)}: ${dest.find((d) => d.w === w)?.mode}`,
            ),
          ],
        });
      }
    }
  },
});

export interface Target {
  services: ServiceInfo[];
  what: string;
  /**
   * In the mesh only by assumption: every workload behind the services is in a namespace the input does
   * not show (no Namespace object) and shows no proxy of its own, so whether it is in the mesh is unknown.
   */
  assumed: boolean;
}

/**
 * Services with no pods of the mesh behind them: an ExternalName Service, which Istio makes a
 * mesh-external alias of its external name (MeshExternal, resolution Alias:
 * pilot/pkg/serviceregistry/kube/conversion.go), and a Service without a selector, whose endpoints are
 * written by hand (istio.io's egress task points one at Wikipedia's addresses): endpoints that are no
 * pod carry no sidecar label, so auto mTLS sends them plaintext anyway. There is no Istio mutual TLS for
 * a DestinationRule to turn off or replace.
 */
function outsideTheMesh(s: ServiceInfo): boolean {
  return s.type === 'ExternalName' || s.selector === null;
}

/** Whether a (non-wildcard) host names only Services with no pods of the mesh behind them (outsideTheMesh). */
export function namesOnlyServicesOutsideTheMesh(posture: MeshPosture, host: string, ns: string): boolean {
  if (host.includes('*')) return false;
  const all = posture.services.resolve(host, ns);
  return all.length > 0 && all.every(outsideTheMesh);
}

/** The in-mesh Services a DestinationRule host reaches, or null when it reaches none. */
export function inMeshTarget(model: MeshModel, posture: MeshPosture, host: string, ns: string): Target | null {
  if (namesOnlyServicesOutsideTheMesh(posture, host, ns)) return null;
  const inMesh = (mode: string | null) => mode === 'sidecar' || mode === 'ambient';
  const meshSide = (s: ServiceInfo) => s.workloads.map((w) => posture.of(w)).filter((wp) => wp && !wp.gateway);
  const services = posture.services.resolve(host, ns).filter((s) => {
    if (outsideTheMesh(s)) return false;
    const ws = meshSide(s);
    // A workload whose namespace has no Namespace object (dataplane unknown) is assumed in the mesh, as posture does.
    return ws.length ? ws.some((wp) => wp!.dataplane !== 'none') : inMesh(model.namespace(s.namespace).mode);
  });
  if (services.length) {
    const assumed = services.every((s) => {
      const ws = meshSide(s);
      return ws.length > 0 && ws.every((wp) => wp!.dataplane === null);
    });
    if (assumed) {
      const namespaces = [...new Set(services.map((s) => s.namespace))];
      const what =
        services.length === 1 && !host.includes('*')
          ? `a service of namespace ${namespaces[0]}, which the input does not show in or out of the mesh`
          : `covering ${plural(services.length, 'service')} of ${plural(namespaces.length, 'namespace')} the input does not show in or out of the mesh (${listSome(namespaces, 3)})`;
      return { services, what, assumed };
    }
    const what = services.length === 1 && !host.includes('*') ? 'a service in the mesh' : `covering ${plural(services.length, 'service')} in the mesh`;
    return { services, what, assumed };
  }
  // Not in the input: judge by the namespace the cluster name points to, or by what a wildcard covers.
  const scope = clusterScope(model, host, ns);
  if (scope?.wildcard) {
    const meshNs = model.namespaces().filter((n) => inMesh(n.mode) && scope.covers(n.name));
    return meshNs.length ? { services: [], what: `a wildcard covering the mesh namespaces ${listSome(meshNs.map((n) => n.name), 3)}`, assumed: false } : null;
  }
  if (scope && inMesh(model.namespace(scope.namespace).mode)) return { services: [], what: `a service of the mesh namespace ${scope.namespace}`, assumed: false };
  return null;
}

/** The cluster services a host names through the cluster's DNS (see clusterScope). */
type ClusterScope =
  /** A wildcard: which namespaces' services it covers; `every` when it covers every namespace's; `namespace` when exactly one. */
  | { wildcard: true; covers: (namespace: string) => boolean; every: boolean; namespace: string | null }
  /** One Service of `namespace`. */
  | { wildcard: false; namespace: string };

/** What a DestinationRule host names among the cluster's services, or null for a name outside the cluster domain. */
function clusterScope(model: MeshModel, host: string, ns: string): ClusterScope | null {
  const domain = model.clusterDomain;
  const canonical = resolveHost(host, ns, domain, (n) => model.namespace(n).resource !== null);
  const svcSuffix = `.svc.${domain}`;
  if (canonical.startsWith('*')) {
    const suffix = canonical.slice(1);
    // `*`, `*.local`, `*.svc.cluster.local`: every namespace's services, those the input does not hold included.
    const every = suffix === '' || svcSuffix.endsWith(suffix);
    const one = /^\.([a-z0-9-]+)$/.exec(suffix.endsWith(svcSuffix) ? suffix.slice(0, -svcSuffix.length) : '');
    return { wildcard: true, covers: (n) => `.${n}${svcSuffix}`.endsWith(suffix) || suffix === '', every, namespace: one ? one[1] : null };
  }
  if (!canonical.endsWith(svcSuffix)) return null;
  const labels = canonical.slice(0, -svcSuffix.length).split('.');
  return labels.length === 2 ? { wildcard: false, namespace: labels[1] } : null;
}

/**
 * What a host reaches among cluster services whose place in the mesh the input does not show (a
 * namespace with no Namespace object in the input), as words for the message; null
 * when it reaches none (an external name, or only namespaces the input shows outside the mesh).
 */
export function unknownMeshTarget(model: MeshModel, host: string, ns: string): string | null {
  const scope = clusterScope(model, host, ns);
  if (!scope) return null;
  // System namespaces (the control plane's, kube-system) hold no tenant workloads a sidecar serves.
  const unknown = (n: string) => model.namespace(n).mode === null && !model.namespace(n).system;
  if (scope.wildcard) {
    if (scope.every) return `a wildcard over the services of every namespace, whose place in the mesh the input does not show`;
    return scope.namespace !== null && unknown(scope.namespace) ? `a wildcard over the services of namespace ${scope.namespace}, which the input does not show in or out of the mesh` : null;
  }
  return unknown(scope.namespace) ? `a service of namespace ${scope.namespace}, which the input does not show in or out of the mesh` : null;
}

interface Destination {
  w: Workload;
  plaintext: boolean;
  mode: string;
}

/** Workloads behind the Services, with their effective mode on the port the block governs. */
export function destinations(posture: MeshPosture, services: ServiceInfo[], servicePort: number | null): Destination[] {
  const out: Destination[] = [];
  const seen = new Set<Workload>();
  for (const s of services) {
    const sp = servicePort === null ? null : s.ports.find((p) => p.port === servicePort);
    for (const w of s.workloads) {
      const wp = posture.of(w);
      if (!wp || wp.gateway || !wp.mtls.applies || seen.has(w)) continue;
      seen.add(w);
      let port: number | null = null;
      if (sp) port = typeof sp.targetPort === 'number' ? sp.targetPort : typeof sp.targetPort === 'string' ? namedPort(w, sp.targetPort) : sp.port;
      const pm = port === null ? null : wp.mtls.ports.find((p) => p.port === port);
      const m = pm ?? (port === null ? null : { mode: wp.mtls.mode, origin: wp.mtls.origin });
      if (m) out.push({ w, plaintext: m.mode !== 'STRICT', mode: modeText(m) });
      else {
        const open = wp.mtls.mode !== 'STRICT' || wp.mtls.ports.some((p) => p.mode !== 'STRICT');
        out.push({ w, plaintext: open, mode: modeText(open && wp.mtls.mode === 'STRICT' ? wp.mtls.ports.find((p) => p.mode !== 'STRICT')! : wp.mtls) });
      }
    }
  }
  return out;
}
