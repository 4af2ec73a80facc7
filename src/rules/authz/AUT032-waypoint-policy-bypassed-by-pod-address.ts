import { defineRule } from '../types.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import type { Workload } from '../../model/workloads.js';
import { computePosture, type MeshPosture, type ServiceInfo, type WorkloadPosture } from '../../posture/index.js';
import { l7Uses, rulesOf, type RuleView } from '../../posture/rules.js';
import { isObject, listSome, plural, specOf, str, strings } from '../../posture/util.js';
import { AP, K8S_GW, NAMESPACE, SERVICE, WORKLOADS, attachmentOf, targetPostures, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

const WAYPOINT_FOR = 'istio.io/waypoint-for';
const SA_ANNOTATION = 'gateway.istio.io/service-account';
const WAYPOINT_CLASSES = new Set(['istio-waypoint', 'agentgateway-waypoint']);

/** What ztunnel lets reach one workload directly, past its waypoint. */
interface Admission {
  /** Sources admitted besides waypoints and gateways: principals, namespaces, `any source`... */
  sources: string[];
  /** The ztunnel-enforced policies that admit them (empty: there is none, everyone is admitted). */
  policies: Resource[];
}

export default defineRule({
  meta: {
    id: 'AUT032',
    title: "A waypoint's AuthorizationPolicy is skipped by connections to the pod's own address",
    severity: 'medium',
    category: 'authn-authz',
    // Not namespace-scoped: which callers are waypoints or gateways is read from every namespace's
    // Gateways and gateway pods, so another tenant's objects change the verdict.
    reads: postureReads(AP, NAMESPACE, SERVICE, K8S_GW, 'gateway.networking.k8s.io/GatewayClass', ...WORKLOADS),
    docs: {
      summary:
        "An ALLOW, DENY or CUSTOM AuthorizationPolicy is enforced by a waypoint (attached with targetRefs to the waypoint's Gateway or to a Service it serves) that handles only traffic addressed to Services (`istio.io/waypoint-for: service`, Istio's default when the Gateway and its GatewayClass set no such label), and the workloads behind it are reachable past it: ztunnel, which is all that stands between a client and a connection made to the pod's own IP address, enforces no ALLOW policy on them (anyone is admitted), or one whose rules admit sources other than waypoints and gateways. The finding names those sources and the ztunnel policies that admit them. Waypoints that also handle workload traffic (`workload`, `all`) and workloads whose ztunnel ALLOW policies admit only waypoint and gateway identities (or that a ztunnel DENY with `notPrincipals` limits to them), and workloads that no Service using the waypoint selects (a Service labelled `istio.io/use-waypoint: none` is BYP007's), are not reported.",
      why:
        "A waypoint set up for Services sees only connections addressed to a Service: istiod gives a workload the waypoint only when the waypoint accepts workload traffic (`fetchWaypointForWorkload`), so a client that connects to a pod IP goes from its ztunnel straight to the destination's ztunnel, which applies only the L4 policies of the workload (`selector`, namespace- or mesh-wide). Every rule the waypoint enforces (methods, paths, JWT claims, the ext-authz call, a DENY) is then skipped by any client that finds the pod address, which the Endpoints or EndpointSlice API and a scan of the pod network give away. Istio's ambient getting-started guide closes it with an L4 ALLOW on the workload that admits only the waypoint's identity and the ingress gateway's.",
      fix:
        "Add an AuthorizationPolicy with a `selector` for the workloads behind the waypoint, L4 fields only, whose `principals` are the waypoint's identity (`cluster.local/ns/NS/sa/WAYPOINT`: the Gateway's name, or its `gateway.istio.io/service-account` annotation) and the gateways that must reach the pods directly; move every other caller's permission to the waypoint's policy. Labelling the waypoint `istio.io/waypoint-for: all` also sends ambient clients' pod-addressed traffic through it, but not that of clients outside the mesh, so keep the L4 policy.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ledger\n  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: ledger}\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - {name: mesh, port: 15008, protocol: HBONE}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: books, namespace: ledger}\nspec:\n  selector: {matchLabels: {app: books}}\n  template:\n    metadata: {labels: {app: books}}\n    spec:\n      containers:\n      - {name: books, image: registry.example.com/ledger/books:3.1.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: books, namespace: ledger}\nspec:\n  selector: {app: books}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: read-only, namespace: ledger}\nspec:\n  targetRefs:\n  - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\n  rules:\n  - to:\n    - operation: {methods: [GET]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ledger\n  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: ledger}\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - {name: mesh, port: 15008, protocol: HBONE}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: books, namespace: ledger}\nspec:\n  selector: {matchLabels: {app: books}}\n  template:\n    metadata: {labels: {app: books}}\n    spec:\n      containers:\n      - {name: books, image: registry.example.com/ledger/books:3.1.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: books, namespace: ledger}\nspec:\n  selector: {app: books}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: read-only, namespace: ledger}\nspec:\n  targetRefs:\n  - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\n  rules:\n  - to:\n    - operation: {methods: [GET]}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: books-via-waypoint, namespace: ledger}\nspec:\n  selector: {matchLabels: {app: books}}\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/ledger/sa/waypoint]}',
      references: [
        'https://istio.io/latest/docs/ambient/usage/waypoint/#waypoint-traffic-types',
        'https://istio.io/latest/docs/ambient/getting-started/enforce-auth-policies/',
        'https://istio.io/latest/docs/ambient/usage/l4-policy/',
      ],
    },
  },
  check({ model, report }) {
    const classes = new Map<string, Resource>();
    for (const c of model.ofKind('gateway.networking.k8s.io', 'GatewayClass')) classes.set(c.name, c);
    const gateways = model.ofKind('gateway.networking.k8s.io', 'Gateway');
    // Without a Gateway-API Gateway that handles Service traffic only, no policy can be skipped this
    // way; most clusters have none, and the rule then costs nothing (it runs for every workload review
    // at admission).
    if (!gateways.some((g) => trafficType(g, classes) === 'service')) return;
    const posture = computePosture(model);
    // Identities that may reach a pod directly without opening a hole: every waypoint's (it is the
    // path the policy wants) and every gateway's (an ingress gateway sends to the pods itself unless
    // the Service asks for istio.io/ingress-use-waypoint; its own policies guard that path). Made
    // when a policy first needs it: it reads every workload's posture.
    let infra: Infra | null = null;
    const infraOf = (): Infra => {
      if (infra) return infra;
      const ids = new Set<string>();
      infra = new Infra(ids, (ns) => model.tenancy.isPlatform(ns));
      for (const g of gateways) {
        const cls = str(specOf(g)?.gatewayClassName);
        // The deployment controller names a waypoint's ServiceAccount after the Gateway and any other
        // class's `<name>-<class>` (GetDefaultName), unless the annotation overrides it.
        const sa = g.annotations[SA_ANNOTATION] ?? (cls && !WAYPOINT_CLASSES.has(cls) && !isWaypointGateway(g, classes) ? `${g.name}-${cls}` : g.name);
        ids.add(`${g.namespace}/${sa}`);
      }
      for (const wp of posture.workloads) {
        if (!wp.gateway) continue;
        const sa = str(wp.workload.spec?.serviceAccountName) ?? str(wp.workload.spec?.serviceAccount) ?? 'default';
        ids.add(`${wp.workload.namespace}/${sa}`);
      }
      return infra;
    };
    const admissions = new Map<Workload, Admission | null>();
    const admissionOf = (wp: WorkloadPosture) => {
      if (!admissions.has(wp.workload)) admissions.set(wp.workload, directAdmission(posture, wp, infraOf()));
      return admissions.get(wp.workload)!;
    };

    for (const p of posture.authorizationPolicies) {
      if (p.problems.length || p.dryRun || p.action === 'AUDIT') continue;
      // A waypoint enforces a policy only through targetRefs (to its Gateway or to a Service it serves).
      const spec = specOf(p.resource);
      if (spec?.targetRef === undefined && spec?.targetRefs === undefined) continue;
      const hit: Workload[] = [];
      const open: Workload[] = [];
      const sources = new Set<string>();
      const l4 = new Set<Resource>();
      let waypoint: Resource | null = null;
      let path: PathSegment[] = ['spec', 'targetRefs'];
      for (const wp of targetPostures(posture, p)) {
        if (wp.dataplane !== 'ambient' || wp.gateway) continue;
        const a = attachmentOf(posture, wp, p);
        if (!a || a.enforcedBy !== 'waypoint' || (a.via !== 'waypoint' && a.via !== 'service')) continue;
        const gw = a.via === 'waypoint' ? a.target?.resource ?? null : wp.waypoint?.gateway ?? null;
        if (!gw || trafficType(gw, classes) !== 'service') continue;
        // Only a workload behind a Service that uses this waypoint has traffic through it to skip: one no
        // Service selects, or whose Services opt out (istio.io/use-waypoint: none, BYP007), never meets it.
        if (!wp.services.some((svc) => sendsThrough(posture, svc, gw))) continue;
        const adm = admissionOf(wp);
        if (!adm) continue;
        hit.push(wp.workload);
        if (!adm.policies.length) open.push(wp.workload);
        for (const s of adm.sources) sources.add(s);
        for (const r of adm.policies) l4.add(r);
        waypoint ??= gw;
        if (a.target) path = a.target.index !== null ? ['spec', 'targetRefs', a.target.index] : ['spec', 'targetRef'];
      }
      if (!hit.length || !waypoint) continue;
      const r = p.resource;
      const parts: string[] = [];
      if (open.length) parts.push(`admits any client to ${open.length === hit.length ? (hit.length === 1 ? 'it' : 'them') : workloadList(open)} (no ALLOW policy it enforces there)`);
      if (l4.size) {
        const to = open.length ? ' to the others' : '';
        parts.push(`admits ${listSome([...sources], 4)}${to} (${l4.size === 1 ? 'policy' : 'policies'} ${listSome([...l4].map(nsName), 3)})`);
      }
      report({
        resource: r,
        path,
        severity: 'medium',
        message: `${p.action} policy ${r.namespace}/${r.name} is enforced by waypoint ${waypoint.namespace}/${waypoint.name}, which handles only traffic addressed to Services (${waypoint.labels[WAYPOINT_FOR] !== undefined ? `istio.io/waypoint-for: ${waypoint.labels[WAYPOINT_FOR]}` : 'no istio.io/waypoint-for label: Istio\'s default is service'}): a connection to the pod address of ${plural(workloadCount(hit), 'workload')} (${workloadList(hit)}) goes from ztunnel straight to the pod and skips the policy; ztunnel, which alone checks such a connection, ${parts.join(', and ')}.`,
        evidence: [
          { role: 'waypoint', description: `waypoint ${waypoint.namespace}/${waypoint.name} serves Services only`, resource: waypoint, path: waypoint.labels[WAYPOINT_FOR] !== undefined ? ['metadata', 'labels', WAYPOINT_FOR] : ['metadata', 'name'] },
          ...[...l4].slice(0, 3).map((x) => ({ role: 'ztunnel policy', description: `${x.kind} ${nsName(x)} is what ztunnel checks for a direct connection`, resource: x, path: ['spec', 'rules'] as PathSegment[] })),
          ...workloadEvidence(hit, (w) => `${wname(w)} is reachable at its pod address past the waypoint`, 'workload', 0),
        ],
      });
    }
  },
});

/**
 * What ztunnel admits on a direct connection to `wp`, besides waypoints and gateways; null when
 * nothing else gets through (an ALLOW admitting only them, an ALLOW-nothing, or a DENY with
 * `notPrincipals` listing only them).
 */
function directAdmission(posture: MeshPosture, wp: WorkloadPosture, infra: Infra): Admission | null {
  const atZtunnel = posture.authorization(wp).filter((a) => a.enforcedBy === 'ztunnel' && (a.via === 'mesh' || a.via === 'namespace' || a.via === 'selector'));
  if (atZtunnel.some((a) => a.policy.allowNothing)) return null;
  // A DENY whose only rule says "anyone but these principals" limits direct connections to them.
  for (const a of atZtunnel) {
    if (a.policy.action !== 'DENY') continue;
    for (const rv of rulesOf(a.policy.resource)) {
      const only = onlyNotPrincipals(rv);
      if (only && only.every((pr) => isInfra(pr, infra))) return null;
    }
  }
  const allows = atZtunnel.filter((a) => a.policy.action === 'ALLOW');
  if (!allows.length) return { sources: [], policies: [] };
  const sources: string[] = [];
  const policies: Resource[] = [];
  for (const a of allows) {
    const before = sources.length;
    for (const rv of rulesOf(a.policy.resource)) {
      // ztunnel drops ALLOW rules that use HTTP attributes: they never match (AUT021).
      if (!rv.rule || !l7Uses(rv).next().done) continue;
      const from = rv.rule.from;
      if (!Array.isArray(from) || !from.length) {
        sources.push(`any client (rule ${rv.index} has no from)`);
        continue;
      }
      for (const item of from) {
        const d = describeSource(isObject(item) && isObject(item.source) ? item.source : {}, infra);
        if (d) sources.push(...d);
      }
    }
    if (sources.length > before) policies.push(a.policy.resource);
  }
  if (!sources.length) return null;
  return { sources: [...new Set(sources)], policies };
}

/** The sources one `from[].source` admits other than waypoints and gateways; null for none. */
function describeSource(src: Record<string, unknown>, infra: Infra): string[] | null {
  const principals = strings(src.principals);
  // Fields of one source are ANDed: principals that are all waypoints or gateways narrow it to them.
  if (principals.length) {
    const rest = principals.filter((p) => !isInfra(p, infra));
    return rest.length ? rest : null;
  }
  const accounts = strings(src.serviceAccounts);
  if (accounts.length) {
    const rest = accounts.filter((a) => !infra.has(a));
    return rest.length ? rest.map((a) => `service account ${a}`) : null;
  }
  const namespaces = strings(src.namespaces);
  if (namespaces.length) return namespaces.map((n) => `namespace ${n}`);
  const blocks = strings(src.ipBlocks);
  if (blocks.length) return blocks.map((b) => `address ${b}`);
  const nots = ['notPrincipals', 'notNamespaces', 'notServiceAccounts', 'notIpBlocks'].filter((f) => strings(src[f]).length);
  return [nots.length ? `any client outside ${nots.join(', ')}` : 'any client'];
}

/**
 * The identities (`namespace/serviceaccount`) of waypoints and gateways: those the input's Gateways
 * and gateway pods give, and a gateway's service account in a platform namespace whose objects are
 * not in the input (Istio's installs name them `istio-ingressgateway-service-account`, or after the
 * gateway's release such as `istio-ingressgateway`). A tenant cannot make a service account in a
 * platform namespace, so a name there that says gateway is taken at its word.
 */
class Infra {
  constructor(
    private readonly ids: ReadonlySet<string>,
    private readonly isPlatform: (ns: string) => boolean,
  ) {}

  has(id: string): boolean {
    if (this.ids.has(id)) return true;
    const slash = id.indexOf('/');
    return slash > 0 && /gateway/i.test(id.slice(slash + 1)) && this.isPlatform(id.slice(0, slash));
  }
}

/** `cluster.local/ns/NS/sa/SA` (any trust domain, or `*`) naming a waypoint's or gateway's identity. */
function isInfra(principal: string, infra: Infra): boolean {
  const m = /^[^/]*\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return !!m && !m[1].includes('*') && !m[2].includes('*') && infra.has(`${m[1]}/${m[2]}`);
}

function onlyNotPrincipals(rv: RuleView): string[] | null {
  const r = rv.rule;
  if (!r || r.to !== undefined || r.when !== undefined || !Array.isArray(r.from) || r.from.length !== 1) return null;
  const src = isObject(r.from[0]) && isObject(r.from[0].source) ? r.from[0].source : null;
  if (!src || Object.keys(src).length !== 1) return null;
  const list = strings(src.notPrincipals);
  return list.length ? list : null;
}

/** The waypoint's traffic type: its own label, else its class's, else Istio's default `service` (gatewayToWaypointTransform). */
function trafficType(gw: Resource, classes: Map<string, Resource>): string {
  const own = gw.labels[WAYPOINT_FOR];
  if (own !== undefined) return own;
  const cls = classes.get(str(specOf(gw)?.gatewayClassName) ?? '');
  return cls?.labels[WAYPOINT_FOR] ?? 'service';
}

function isWaypointGateway(g: Resource, classes: Map<string, Resource>): boolean {
  const cls = str(specOf(g)?.gatewayClassName);
  return (cls !== undefined && WAYPOINT_CLASSES.has(cls)) || g.labels[WAYPOINT_FOR] !== undefined || (cls !== undefined && classes.get(cls)?.labels[WAYPOINT_FOR] !== undefined);
}

/** Whether a Service's traffic goes through waypoint `gw`: its own label, else its namespace's, as the posture reads them (`none` opts out). */
function sendsThrough(posture: MeshPosture, svc: ServiceInfo, gw: Resource): boolean {
  const ref = posture.gateways.serviceWaypoint(svc);
  return ref !== null && ref.name === gw.name && ref.namespace === gw.namespace;
}

function nsName(r: Resource): string {
  return `${r.namespace}/${r.name}`;
}
