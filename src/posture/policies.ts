import type { MeshModel } from '../model/model.js';
import { setOwn } from '../model/own.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { GATEWAY_API_GROUP, GATEWAY_NAME_LABEL, USE_WAYPOINT, type GatewayIndex, type GlobalLabelIndex } from './gateways.js';
import type { ServiceRegistry } from './services.js';
import type { Action, Attachment, EnforcedBy, PolicyInfo, TargetRefInfo, WorkloadPosture } from './types.js';
import { l7FieldsOf } from './rules.js';
import { SECURITY_GROUP } from './mtls.js';
import { EMPTY, isObject, overlayMap, push, sameList, specOf, str } from './util.js';
import { createLazy } from '../model/own-memo.js';

const ACTIONS = new Set<Action>(['ALLOW', 'DENY', 'CUSTOM', 'AUDIT']);

/**
 * A policy's info as a class instance, not an object literal with a getter: an overlay posture
 * resolves the policies a change can reach again for every admission review, and a literal's getter
 * gives each object its own hidden class in old space, which keeps the review alive past minor GCs
 * (model/own-memo.ts).
 */
class Policy implements PolicyInfo {
  scope: PolicyInfo['scope'] = 'namespace';
  selector: Record<string, string> | null = null;
  targetRefs: TargetRefInfo[] = [];
  targets: readonly Workload[] = EMPTY;
  constructor(
    readonly resource: Resource,
    readonly kind: PolicyInfo['kind'],
    readonly action: Action,
    readonly provider: string | null,
    readonly problems: string[],
    readonly allowNothing: boolean,
    readonly dryRun: boolean,
  ) {}

  /** Read on first use (and memoised per object by l7FieldsOf). */
  get l7Fields(): string[] {
    return this.kind === 'AuthorizationPolicy' ? l7FieldsOf(this.resource) : [];
  }
}

/** What a policy is from its object alone (policyBasics). */
export interface PolicyBasics {
  spec: Record<string, unknown>;
  action: Action;
  provider: string | null;
  /** Why Istio rejects the policy, in the order they are found; empty when it accepts it. */
  problems: string[];
  /** An ALLOW without rules whose action and rules Istio accepts (targetRefs and selector problems aside). */
  allowNothing: boolean;
  refs: Array<{ ref: unknown; index: number | null }>;
  hasSelector: boolean;
}

/**
 * A policy's action, provider and problems, read from its object alone: what a rule that judges only
 * those (AUT027) can read without the posture, and so without depending on every kind the posture reads.
 */
export function policyBasics(r: Resource, kind: PolicyInfo['kind']): PolicyBasics {
  const problems: string[] = [];
  const rawSpec = r.obj?.spec;
  if (rawSpec !== undefined && rawSpec !== null && !isObject(rawSpec)) problems.push('spec is not a mapping; Istio rejects the policy');
  const spec = specOf(r) ?? {};
  let action: Action = 'ALLOW';
  let provider: string | null = null;
  if (kind === 'AuthorizationPolicy') {
    const a = spec.action === undefined || spec.action === null ? 'ALLOW' : typeof spec.action === 'string' ? spec.action.toUpperCase() : '';
    if (ACTIONS.has(a as Action)) action = a as Action;
    else problems.push(`spec.action "${String(spec.action)}" is not ALLOW, DENY, CUSTOM or AUDIT; Istio rejects the policy`);
    if (action === 'CUSTOM') {
      provider = str(isObject(spec.provider) ? spec.provider.name : undefined) ?? null;
      if (!provider) problems.push('a CUSTOM policy needs spec.provider.name; Istio rejects it');
    }
    if (spec.rules !== undefined && spec.rules !== null && !Array.isArray(spec.rules)) problems.push('spec.rules is not a list; Istio rejects the policy');
    if (action === 'DENY' && !(Array.isArray(spec.rules) && spec.rules.length)) problems.push('a DENY policy without rules is rejected by Istio');
  }
  const hasRules = Array.isArray(spec.rules) && spec.rules.length > 0;
  // Judged on the action and rules alone, as it always was: targetRefs and selector problems come after.
  const allowNothing = kind === 'AuthorizationPolicy' && action === 'ALLOW' && !hasRules && problems.length === 0;
  const refs: Array<{ ref: unknown; index: number | null }> = [];
  if (Array.isArray(spec.targetRefs)) spec.targetRefs.forEach((ref: unknown, index: number) => refs.push({ ref, index }));
  else if (spec.targetRefs !== undefined && spec.targetRefs !== null) problems.push('spec.targetRefs is not a list; Istio rejects the policy');
  if (spec.targetRef !== undefined && spec.targetRef !== null) refs.push({ ref: spec.targetRef, index: null });
  const hasSelector = spec.selector !== undefined && spec.selector !== null;
  if (hasSelector && refs.length) problems.push('selector and targetRefs are both set; Istio allows at most one');
  if (!problems.length && !refs.length && hasSelector) {
    const ml = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
    if (!isObject(spec.selector) || (ml !== undefined && ml !== null && !isObject(ml))) problems.push('spec.selector.matchLabels is not a label map; Istio rejects the policy');
  }
  return { spec, action, provider, problems, allowNothing, refs, hasSelector };
}

interface Selected {
  policy: PolicyInfo;
  via: Attachment['via'];
  target: TargetRefInfo | null;
}

/**
 * Resolves which workloads each AuthorizationPolicy and RequestAuthentication applies to:
 * root-namespace policies without a selector apply mesh-wide, namespace policies without one to
 * their namespace, `selector.matchLabels` to matching pods (in every namespace for the root
 * namespace), and `targetRefs` / `targetRef` to a Gateway-API Gateway, GatewayClass, Service or
 * ServiceEntry. Per workload, `attachments` then says who enforces each policy (sidecar, gateway,
 * ztunnel, waypoint) or why nobody does.
 */
export class PolicyResolver {
  readonly authorization: PolicyInfo[] = [];
  readonly requestAuthn: PolicyInfo[] = [];
  readonly byResource = new Map<Resource, PolicyInfo>();
  private readonly meshScoped: { ap: PolicyInfo[]; ra: PolicyInfo[] } = { ap: [], ra: [] };
  private readonly nsScoped = { ap: new Map<string, PolicyInfo[]>(), ra: new Map<string, PolicyInfo[]>() };
  private readonly selected = { ap: new Map<Workload, Selected[]>(), ra: new Map<Workload, Selected[]>() };
  /** Attachments already made, per policy (weak: an overlay's policies go with the overlay). */
  private readonly interned = new WeakMap<PolicyInfo, Attachment[]>();

  constructor(
    private readonly model: MeshModel,
    private readonly labels: GlobalLabelIndex,
    private readonly gateways: GatewayIndex,
    private readonly services: ServiceRegistry,
    /** Workloads whose traffic goes through a waypoint, by the waypoint's `ns/name`. */
    private readonly waypointServes: Map<string, Workload[]>,
    /** Only these policies (in this order), for an overlay's recomputed share; all of the model's by default. */
    only?: readonly Resource[],
  ) {
    if (only) {
      for (const r of only) this.add(r, r.kind === 'AuthorizationPolicy' ? 'AuthorizationPolicy' : 'RequestAuthentication');
      return;
    }
    for (const r of model.ofKind(SECURITY_GROUP, 'AuthorizationPolicy')) this.add(r, 'AuthorizationPolicy');
    for (const r of model.ofKind(SECURITY_GROUP, 'RequestAuthentication')) this.add(r, 'RequestAuthentication');
  }

  /**
   * This resolver for `model`, an overlay of this one's model: the policies in `recompute` (objects of
   * `model`, in id order: the added policy, or every policy a workload change may reach) are resolved
   * again against the overlay's indexes, `removed` is dropped, and every other policy keeps its info. A
   * recomputed policy that resolves exactly as before keeps its old info too, so the attachments of
   * the workloads it selects stay valid. `changed(w, kind)` says whether a workload's attachments may
   * differ from this resolver's.
   */
  withChange(
    model: MeshModel,
    labels: GlobalLabelIndex,
    gateways: GatewayIndex,
    services: ServiceRegistry,
    waypointServes: Map<string, Workload[]>,
    recompute: readonly Resource[],
    removed: Resource | null,
  ): { resolver: PolicyResolver; changed: (w: Workload, kind: 'ap' | 'ra') => boolean } {
    const base = this;
    const scratch = new PolicyResolver(model, labels, gateways, services, waypointServes, recompute);
    // scratch info → the info the overlay uses (the base's when nothing changed).
    const final = new Map<PolicyInfo, PolicyInfo>();
    const replaced = new Map<PolicyInfo, PolicyInfo>();
    const dropped = new Set<Resource>(removed ? [removed] : []);
    const redone = new Set<Resource>(recompute);
    for (const info of [...scratch.authorization, ...scratch.requestAuthn]) {
      const old = base.byResource.get(info.resource);
      if (old && sameResolution(old, info)) final.set(info, old);
      else {
        final.set(info, info);
        if (old) replaced.set(old, info);
      }
    }
    if (removed && !redone.has(removed)) {
      const old = base.byResource.get(removed);
      if (old) replaced.set(old, old); // gone: marks its workloads changed
    }
    const targetOf = (info: PolicyInfo, t: TargetRefInfo | null): TargetRefInfo | null => {
      const f = final.get(info)!;
      return t && f !== info ? f.targetRefs[info.targetRefs.indexOf(t)] : t;
    };

    // createLazy, not getters defined on the object: see own-memo.ts.
    const o = createLazy(PolicyResolver.prototype, {
      authorization: () => editList(base.authorization, 'AuthorizationPolicy'),
      requestAuthn: () => editList(base.requestAuthn, 'RequestAuthentication'),
    }) as PolicyResolver;
    const w = o as unknown as Internals;
    // The base's attachments are the overlay's for the policies they share (keyed weakly by policy).
    Object.assign(w, { model, labels, gateways, services, waypointServes, interned: (base as unknown as Internals).interned });
    const editList = (list: readonly PolicyInfo[], kind: PolicyInfo['kind']): PolicyInfo[] => {
      const out = dropped.size || redone.size ? list.filter((p) => !dropped.has(p.resource) && !redone.has(p.resource)) : list.slice();
      const extra = (kind === 'AuthorizationPolicy' ? scratch.authorization : scratch.requestAuthn).map((p) => final.get(p)!);
      return mergeById(out, extra);
    };
    w.byResource = overlayMap(base.byResource);
    for (const r of dropped) w.byResource.delete(r);
    for (const info of final.values()) w.byResource.set(info.resource, info);

    const b = base as unknown as Internals;
    const s = scratch as unknown as Internals;
    const touchedScopes = new Set<string>();
    const scoped = (k: 'ap' | 'ra') => {
      const mesh = mergeById(b.meshScoped[k].filter((p) => !dropped.has(p.resource) && !redone.has(p.resource)), s.meshScoped[k].map((p) => final.get(p)!));
      if (!sameList(mesh, b.meshScoped[k])) touchedScopes.add(`${k}:mesh`);
      const ns = overlayMap(b.nsScoped[k]);
      const namespaces = new Set<string>();
      for (const r of [...dropped, ...redone]) namespaces.add(r.namespace);
      for (const n of namespaces) {
        const before = b.nsScoped[k].get(n) ?? EMPTY;
        const after = mergeById(before.filter((p) => !dropped.has(p.resource) && !redone.has(p.resource)), (s.nsScoped[k].get(n) ?? EMPTY).map((p) => final.get(p)!));
        if (sameList(after, before)) continue;
        touchedScopes.add(`${k}:ns:${n}`);
        if (after.length) ns.set(n, after);
        else ns.delete(n);
      }
      return { mesh, ns };
    };
    const ms = { ap: scoped('ap'), ra: scoped('ra') };
    w.meshScoped = { ap: ms.ap.mesh, ra: ms.ra.mesh };
    w.nsScoped = { ap: ms.ap.ns, ra: ms.ra.ns };

    const selectedOf = (k: 'ap' | 'ra') => {
      const memo = new Map<Workload, readonly Selected[]>();
      return {
        get(wl: Workload): readonly Selected[] | undefined {
          const hit = memo.get(wl);
          if (hit) return hit;
          const before = b.selected[k].get(wl) ?? EMPTY;
          const mine = s.selected[k].get(wl) ?? EMPTY;
          let after: readonly Selected[] = before;
          if (mine.length || before.some((e) => dropped.has(e.policy.resource) || redone.has(e.policy.resource))) {
            const kept = before.filter((e) => !dropped.has(e.policy.resource) && !redone.has(e.policy.resource));
            const fresh = mine.map((e) => ({ policy: final.get(e.policy)!, via: e.via, target: targetOf(e.policy, e.target) }));
            // Entries in policy (id) order, each policy's in targetRefs order: as a fresh resolver adds them.
            after = [...kept, ...fresh].sort((x, y) => x.policy.resource.id - y.policy.resource.id);
            if (after.length === before.length && after.every((e, i) => e.policy === before[i].policy && e.via === before[i].via && e.target === before[i].target)) after = before;
          }
          memo.set(wl, after);
          return after;
        },
      };
    };
    w.selected = { ap: selectedOf('ap'), ra: selectedOf('ra') } as unknown as Internals['selected'];
    const changed = (wl: Workload, k: 'ap' | 'ra') =>
      touchedScopes.has(`${k}:mesh`) || touchedScopes.has(`${k}:ns:${wl.namespace}`) || w.selected[k].get(wl) !== (b.selected[k].get(wl) ?? EMPTY);
    return { resolver: o, changed };
  }

  /** Policies applying to a workload, each with who enforces it. Order: CUSTOM, DENY, ALLOW, AUDIT (Istio's evaluation order). */
  attachments(wp: WorkloadPosture, kind: 'AuthorizationPolicy' | 'RequestAuthentication' = 'AuthorizationPolicy'): Attachment[] {
    const k = kind === 'AuthorizationPolicy' ? 'ap' : 'ra';
    const out: Attachment[] = [];
    const w = wp.workload;
    for (const p of this.meshScoped[k]) out.push(this.attach(wp, p, 'mesh', null));
    for (const p of this.nsScoped[k].get(w.namespace) ?? EMPTY) out.push(this.attach(wp, p, 'namespace', null));
    for (const s of this.selected[k].get(w) ?? EMPTY) out.push(this.attach(wp, s.policy, s.via, s.target));
    if (k === 'ap') out.sort((a, b) => ORDER[a.policy.action] - ORDER[b.policy.action]);
    return out;
  }

  private add(r: Resource, kind: PolicyInfo['kind']): void {
    const { spec, action, provider, problems, allowNothing, refs, hasSelector } = policyBasics(r, kind);
    const info = new Policy(r, kind, action, provider, problems, allowNothing, r.annotations['istio.io/dry-run'] === 'true');
    (kind === 'AuthorizationPolicy' ? this.authorization : this.requestAuthn).push(info);
    this.byResource.set(r, info);
    const k = kind === 'AuthorizationPolicy' ? 'ap' : 'ra';
    const isRoot = r.namespace === this.model.rootNamespace;
    if (problems.length) {
      info.scope = refs.length ? 'targetRefs' : hasSelector ? 'selector' : isRoot ? 'mesh' : 'namespace';
      return;
    }

    if (refs.length) {
      info.scope = 'targetRefs';
      const reached = new Set<Workload>();
      for (const { ref, index } of refs) {
        const t = this.resolveRef(ref, index, r, isRoot);
        info.targetRefs.push(t);
        const via: Attachment['via'] = t.resolved === 'waypoint' ? 'waypoint' : t.resolved === 'service' ? 'service' : t.resolved === 'serviceentry' ? 'serviceentry' : 'gateway';
        // One entry shared by every workload the reference reaches (entries are never modified).
        const entry = { policy: info, via, target: t };
        for (const w of t.workloads) {
          if (reached.has(w)) continue;
          reached.add(w);
          push(this.selected[k], w, entry);
        }
      }
      info.targets = [...reached];
      return;
    }
    if (hasSelector) {
      info.scope = 'selector';
      // A selector that is not a label map is among policyBasics' problems (returned above).
      const ml = (spec.selector as Record<string, unknown>).matchLabels;
      const labels: Record<string, string> = {};
      if (isObject(ml)) for (const [lk, lv] of Object.entries(ml)) setOwn(labels, lk, String(lv));
      info.selector = labels;
      info.targets = isRoot ? this.labels.select(labels) : this.model.selectWorkloads(r.namespace, { matchLabels: labels });
      // One entry shared by every workload the selector picks (entries are never modified): thousands of
      // policies on the same thousands of workloads made one object per pair.
      const entry = { policy: info, via: 'selector' as const, target: null };
      for (const w of info.targets) push(this.selected[k], w, entry);
      return;
    }
    if (isRoot) {
      info.scope = 'mesh';
      info.targets = this.model.workloads;
      this.meshScoped[k].push(info);
    } else {
      info.scope = 'namespace';
      info.targets = this.model.workloadsIn(r.namespace);
      push(this.nsScoped[k], r.namespace, info);
    }
  }

  /** Mesh-wide policies (root namespace, no selector, no targetRefs). */
  meshPolicies(kind: 'AuthorizationPolicy' | 'RequestAuthentication' = 'AuthorizationPolicy'): readonly PolicyInfo[] {
    return this.meshScoped[kind === 'AuthorizationPolicy' ? 'ap' : 'ra'];
  }

  /** Namespace-wide policies of `ns` (no selector, no targetRefs; not the root namespace's). */
  namespacePolicies(ns: string, kind: 'AuthorizationPolicy' | 'RequestAuthentication' = 'AuthorizationPolicy'): readonly PolicyInfo[] {
    return this.nsScoped[kind === 'AuthorizationPolicy' ? 'ap' : 'ra'].get(ns) ?? EMPTY;
  }

  private resolveRef(raw: unknown, index: number | null, policy: Resource, isRoot: boolean): TargetRefInfo {
    const t: TargetRefInfo = { index, group: '', kind: '', name: '', namespace: policy.namespace, resolved: 'invalid', resource: null, workloads: EMPTY, note: null };
    if (!isObject(raw)) {
      t.note = 'not a mapping';
      return t;
    }
    t.group = typeof raw.group === 'string' ? raw.group : '';
    t.kind = str(raw.kind) ?? '';
    t.name = str(raw.name) ?? '';
    t.namespace = str(raw.namespace) ?? policy.namespace;
    if (!t.kind || !t.name) {
      t.note = 'kind and name are required';
      return t;
    }
    if (t.namespace !== policy.namespace) {
      t.note = `targets must be in the policy's namespace (${policy.namespace}), not ${t.namespace}`;
      return t;
    }
    const ns = policy.namespace;
    if (t.kind === 'Gateway' && t.group === GATEWAY_API_GROUP) {
      const g = this.gateways.k8sGateways.get(`${ns}/${t.name}`) ?? null;
      t.resource = g;
      if (g && this.gateways.isWaypoint(g)) {
        t.resolved = 'waypoint';
        t.workloads = this.waypointWorkloads(ns, t.name);
        return t;
      }
      t.resolved = g ? 'gateway' : 'missing';
      t.workloads = this.model.selectWorkloads(ns, { [GATEWAY_NAME_LABEL]: t.name });
      if (!g) t.note = `Gateway ${ns}/${t.name} is not in the input${t.workloads.length ? '' : ', nor are its pods'}`;
      else if (!t.workloads.length) t.note = `the pods Istio deploys for Gateway ${ns}/${t.name} are not in the input`;
      return t;
    }
    if (t.kind === 'GatewayClass' && t.group === GATEWAY_API_GROUP) {
      if (!isRoot) {
        t.resolved = 'unsupported';
        t.note = `a GatewayClass target is only honoured in the root namespace ${this.model.rootNamespace}`;
        return t;
      }
      t.resolved = 'gatewayclass';
      const reached: Workload[] = [];
      for (const g of this.gateways.k8sGateways.values()) {
        if (str(specOf(g)?.gatewayClassName) !== t.name) continue;
        if (this.gateways.isWaypoint(g)) reached.push(...this.waypointWorkloads(g.namespace, g.name));
        else reached.push(...this.model.selectWorkloads(g.namespace, { [GATEWAY_NAME_LABEL]: g.name }));
      }
      t.workloads = reached;
      if (!reached.length) t.note = `no Gateway of class ${t.name} (or none of its pods) is in the input`;
      return t;
    }
    if (t.kind === 'Service' && (t.group === '' || t.group === 'core')) {
      const s = this.services.get(ns, t.name);
      t.resource = s?.resource ?? null;
      t.resolved = s ? 'service' : 'missing';
      t.workloads = s?.workloads ?? EMPTY;
      if (!s) t.note = `Service ${ns}/${t.name} is not in the input`;
      return t;
    }
    if (t.kind === 'ServiceEntry' && t.group === 'networking.istio.io') {
      const se = this.model.ofKindInNamespace('networking.istio.io', 'ServiceEntry', ns).find((x) => x.name === t.name) ?? null;
      t.resource = se;
      t.resolved = se ? 'serviceentry' : 'missing';
      const ws = se ? specOf(se)?.workloadSelector : undefined;
      t.workloads = isObject(ws) && isObject(ws.labels) && Object.keys(ws.labels).length ? this.model.selectWorkloads(ns, ws.labels) : EMPTY;
      t.note = se ? (t.workloads.length ? null : `ServiceEntry ${ns}/${t.name} selects no workload in the input (the policy applies at the waypoint for its hosts)`) : `ServiceEntry ${ns}/${t.name} is not in the input`;
      return t;
    }
    t.resolved = 'unsupported';
    t.note = `Istio does not attach policies to ${t.group ? `${t.group}/` : ''}${t.kind}`;
    return t;
  }

  /** Pods of a waypoint plus the workloads whose traffic it serves. */
  private waypointWorkloads(ns: string, name: string): Workload[] {
    return [...this.model.selectWorkloads(ns, { [GATEWAY_NAME_LABEL]: name }), ...(this.waypointServes.get(`${ns}/${name}`) ?? EMPTY)];
  }

  /**
   * The attachment of `policy` on `wp`. Workloads enforcing a policy the same way share one frozen
   * attachment: a workload's list holds one per policy that applies to it, and thousands of policies
   * on the same thousands of workloads made millions of identical objects.
   */
  private attach(wp: WorkloadPosture, policy: PolicyInfo, via: Attachment['via'], target: TargetRefInfo | null): Attachment {
    const { enforcedBy, note } = enforcement(wp, policy, via, target, this.gateways, this.services);
    let byPolicy = this.interned.get(policy);
    if (!byPolicy) this.interned.set(policy, (byPolicy = []));
    for (const a of byPolicy) if (a.via === via && a.target === target && a.enforcedBy === enforcedBy && a.note === note) return a;
    const a: Attachment = Object.freeze({ policy, via, enforcedBy, note, target });
    // A policy is enforced in a handful of ways; past that (notes naming workloads), stop remembering.
    if (byPolicy.length < 8) byPolicy.push(a);
    return a;
  }
}

const ORDER: Record<Action, number> = { CUSTOM: 0, DENY: 1, ALLOW: 2, AUDIT: 3 };

function enforcement(
  wp: WorkloadPosture,
  p: PolicyInfo,
  via: Attachment['via'],
  target: TargetRefInfo | null,
  gateways: GatewayIndex,
  services: ServiceRegistry,
): { enforcedBy: EnforcedBy; note: string | null } {
  if (p.problems.length) return { enforcedBy: 'none', note: `rejected by Istio: ${p.problems[0]}` };
  if (p.dryRun) return { enforcedBy: 'none', note: 'dry-run (istio.io/dry-run): evaluated and logged, not enforced' };
  const what = p.kind === 'RequestAuthentication' ? 'RequestAuthentication' : `${p.action} policy`;
  if (via === 'mesh' || via === 'namespace' || via === 'selector') {
    if (wp.gateway === 'waypoint') return { enforcedBy: 'none', note: 'waypoints apply only policies attached with targetRefs' };
    if (wp.gateway === 'k8s-gateway') {
      if (via === 'selector') return { enforcedBy: 'none', note: 'a selector has no effect on the pods of a Gateway-API Gateway; use targetRefs' };
      return { enforcedBy: 'gateway', note: null };
    }
    if (wp.gateway === 'istio-gateway') return { enforcedBy: 'gateway', note: null };
    switch (wp.dataplane) {
      case 'sidecar':
        return { enforcedBy: 'sidecar', note: null };
      case 'ambient':
        if (p.kind === 'RequestAuthentication') return { enforcedBy: 'none', note: 'ztunnel cannot validate JWTs; attach it to a waypoint with targetRefs' };
        if (p.action === 'CUSTOM' || p.action === 'AUDIT') return { enforcedBy: 'none', note: `ztunnel does not support the ${p.action} action` };
        if (p.l7Fields.length)
          return {
            enforcedBy: 'ztunnel',
            note: `ztunnel cannot evaluate ${p.l7Fields.join(', ')}: ${p.action === 'ALLOW' ? 'rules using them never match' : 'the rules are enforced without them (broader)'}`,
          };
        return { enforcedBy: 'ztunnel', note: null };
      case 'none':
        return { enforcedBy: 'none', note: 'not in the mesh: no proxy enforces policies' };
      default:
        return { enforcedBy: 'unknown', note: 'data-plane mode unknown (no Namespace object in the input)' };
    }
  }
  if (via === 'gateway') return { enforcedBy: wp.gateway ? 'gateway' : 'none', note: wp.gateway ? null : `${what} targets a Gateway; this workload is not its proxy` };
  if (wp.gateway === 'waypoint') return { enforcedBy: 'waypoint', note: null };
  if (via === 'waypoint') return { enforcedBy: 'waypoint', note: null };
  // Service / ServiceEntry targets: only a waypoint applies them.
  if (via === 'service' && target?.resource) {
    const s = services.of(target.resource);
    const wpRef = s ? gateways.serviceWaypoint(s) : null;
    if (wpRef) return { enforcedBy: 'waypoint', note: wpRef.gateway ? null : `waypoint ${wpRef.namespace}/${wpRef.name} is named but not in the input` };
  }
  if (via === 'serviceentry' && target?.resource) {
    const label = target.resource.labels[USE_WAYPOINT];
    if (label && label !== 'none') return { enforcedBy: 'waypoint', note: null };
  }
  if (wp.waypoint && via === 'serviceentry') return { enforcedBy: 'waypoint', note: null };
  const kindName = target ? `${target.kind} ${target.name}` : 'its target';
  return {
    enforcedBy: 'none',
    note:
      wp.dataplane === 'sidecar'
        ? `attached to ${kindName} with targetRefs, which only waypoints apply: sidecars ignore it`
        : `no waypoint serves ${kindName} (label istio.io/use-waypoint): nothing enforces it`,
  };
}

/** PolicyResolver's state, for building an overlay of it. */
interface Internals {
  model: MeshModel;
  authorization: PolicyInfo[];
  requestAuthn: PolicyInfo[];
  byResource: Map<Resource, PolicyInfo>;
  meshScoped: { ap: PolicyInfo[]; ra: PolicyInfo[] };
  nsScoped: { ap: Map<string, PolicyInfo[]>; ra: Map<string, PolicyInfo[]> };
  selected: { ap: Map<Workload, Selected[]>; ra: Map<Workload, Selected[]> };
  interned: WeakMap<PolicyInfo, Attachment[]>;
}

/** Two id-ordered lists merged in id order (`b` is short: each of its entries goes in by binary search). */
function mergeById(a: PolicyInfo[], b: PolicyInfo[]): PolicyInfo[] {
  if (!b.length) return a;
  const out = a.slice();
  for (const p of b) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (out[mid].resource.id < p.resource.id) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, p);
  }
  return out;
}

/** Whether a policy resolved again means what it meant: same scope, problems, targets and targetRefs. */
function sameResolution(a: PolicyInfo, b: PolicyInfo): boolean {
  if (a.resource !== b.resource || a.scope !== b.scope || a.action !== b.action || a.problems.length !== b.problems.length) return false;
  if (!a.problems.every((p, i) => p === b.problems[i])) return false;
  if (!sameList(a.targets, b.targets) || a.targetRefs.length !== b.targetRefs.length) return false;
  return a.targetRefs.every((t, i) => {
    const u = b.targetRefs[i];
    return t.resolved === u.resolved && t.resource === u.resource && t.note === u.note && t.group === u.group && t.kind === u.kind && t.name === u.name && t.namespace === u.namespace && t.index === u.index && sameList(t.workloads, u.workloads);
  });
}
