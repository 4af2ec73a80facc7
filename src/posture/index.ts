/**
 * Effective security posture of every workload: the mTLS mode on each of its ports, the
 * authorization policies that apply to it and who enforces them, and whether a default-deny covers
 * it. Computed once per model (memoised), shared by the AUT rules and `meshward posture`.
 *
 * Cost is linear in the input: policies are indexed by namespace and matched through the model's
 * label index, never by scanning every workload for every policy.
 */
import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { GatewayIndex, GlobalLabelIndex, USE_WAYPOINT as USE_WAYPOINT_LABEL, USE_WAYPOINT_NAMESPACE as USE_WAYPOINT_NAMESPACE_LABEL } from './gateways.js';
import { MtlsResolver } from './mtls.js';
import { PolicyResolver } from './policies.js';
import { ServiceRegistry } from './services.js';
import type { Attachment, GatewayKind, MtlsMode, MtlsOrigin, PeerAuthInfo, PolicyInfo, ServiceInfo, WaypointRef, WorkloadMtls, WorkloadPosture } from './types.js';
import { namespaceFacts, type DataplaneMode } from '../model/namespaces.js';
import { EMPTY, editWorkloads, push, specOf } from './util.js';
import { isNamespaceUpdate, modelWideReason } from '../model/overlay.js';
import { sameJson } from '../model/same-json.js';
import { OwnMemo } from '../model/own-memo.js';
import { selectorMatches } from '../model/selectors.js';

export * from './types.js';
export { DEFAULT_MTLS, SECURITY_GROUP, containerPorts, namedPort } from './mtls.js';
export { GATEWAY_API_GROUP, GATEWAY_NAME_LABEL, USE_WAYPOINT } from './gateways.js';
export type { ServiceRegistry } from './services.js';
export type { GatewayIndex } from './gateways.js';

/** Path normalization strength, weakest first (meshConfig.pathNormalization.normalization). */
export const NORMALIZATIONS = ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

export interface MeshPosture {
  readonly model: MeshModel;
  readonly workloads: readonly WorkloadPosture[];
  readonly services: ServiceRegistry;
  readonly gateways: GatewayIndex;
  /** Every PeerAuthentication, with its resolved scope. */
  readonly peerAuthentications: readonly PeerAuthInfo[];
  /** The mesh-wide mode (root-namespace policy, or Istio's default PERMISSIVE). */
  /**
   * The mesh-wide mode (root-namespace policy, or Istio's default PERMISSIVE). `known` is false when the
   * input holds nothing of the root namespace (a dump of one namespace): a mesh-wide policy may exist
   * unseen, so the default is only an assumption.
   */
  readonly meshMtls: { mode: MtlsMode; origin: MtlsOrigin; policy: PeerAuthInfo | null; known: boolean };
  /** PeerAuthentication → the workloads whose effective mode (on some port) it decides. */
  readonly mtlsDecides: ReadonlyMap<Resource, readonly Workload[]>;
  readonly authorizationPolicies: readonly PolicyInfo[];
  readonly requestAuthentications: readonly PolicyInfo[];
  /** Effective `meshConfig.pathNormalization.normalization` (Istio's default is BASE). */
  readonly pathNormalization: { value: Normalization; explicit: boolean; raw: unknown };
  of(w: Workload): WorkloadPosture | undefined;
  policy(r: Resource): PolicyInfo | undefined;
  peerAuthentication(r: Resource): PeerAuthInfo | undefined;
  /** AuthorizationPolicies applying to a workload, with who enforces each (memoised). */
  authorization(wp: WorkloadPosture): readonly Attachment[];
  /** RequestAuthentications applying to a workload. */
  requestAuthentication(wp: WorkloadPosture): readonly Attachment[];
  /** The enforced allow-nothing policy that makes the workload default-deny, if any. */
  defaultDeny(wp: WorkloadPosture): Attachment | null;
  /** The mesh-wide or namespace-wide allow-nothing policy covering a namespace (mesh-wide first). */
  namespaceDefaultDeny(ns: string): PolicyInfo | null;
  /** The mesh-wide allow-nothing policy (root namespace, no selector), if any. */
  meshDefaultDeny(): PolicyInfo | null;
  /** Whether the workload answers plaintext on some port (effective mode is not STRICT somewhere). */
  acceptsPlaintext(wp: WorkloadPosture): boolean;
}

// Memo slots on the model itself, not WeakMaps: overlays and focused views are per admission review,
// and a WeakMap entry would keep their posture alive past the review (own-memo.ts).
const cache = new OwnMemo<MeshModel, MeshPosture>('posture');
/** Postures to be made on first use for a model (an overlay's, a focused view's) instead of a build from scratch. */
const providers = new OwnMemo<MeshModel, () => MeshPosture | null>('posture-provider');

class Posture implements WorkloadPosture {
  constructor(
    readonly workload: Workload,
    readonly dataplane: DataplaneMode | null,
    readonly gateway: GatewayKind | null,
    readonly waypoint: WaypointRef | null,
    readonly mtls: WorkloadMtls,
    private readonly registry: ServiceRegistry,
  ) {}

  get key(): string {
    return `${this.workload.resource.kind}/${this.workload.namespace}/${this.workload.resource.name}`;
  }

  get services(): readonly ServiceInfo[] {
    return this.registry.selecting(this.workload);
  }
}

/** The posture of a model, computed on first use and shared by every caller. */
export function computePosture(model: MeshModel): MeshPosture {
  let p = cache.get(model);
  if (!p) {
    p = providers.get(model)?.() ?? build(model);
    cache.set(model, p);
  }
  return p;
}

/**
 * Says how `model`'s posture is made when first asked for (an overlay posture, a focused view of one):
 * rules keep calling `computePosture(model)`. A provider answering null leaves it to a build from scratch.
 */
export function providePosture(model: MeshModel, provide: () => MeshPosture | null): void {
  if (!cache.has(model)) providers.set(model, provide);
}

/** An enforceable allow-nothing policy. */
function denies(p: PolicyInfo): boolean {
  return p.allowNothing && !p.dryRun;
}

function build(model: MeshModel): MeshPosture {
  const labels = new GlobalLabelIndex(model);
  const services = new ServiceRegistry(model);
  const gateways = new GatewayIndex(model, labels);
  const mtls = new MtlsResolver(model);

  const workloads: WorkloadPosture[] = [];
  const byWorkload = new Map<Workload, WorkloadPosture>();
  const waypointServes = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    const wp = workloadPosture(model, w, gateways, services, mtls);
    mtls.record(w, wp.mtls);
    workloads.push(wp);
    byWorkload.set(w, wp);
    if (wp.waypoint) push(waypointServes, `${wp.waypoint.namespace}/${wp.waypoint.name}`, w);
  }
  const policies = new PolicyResolver(model, labels, gateways, services, waypointServes);

  const meshPolicy = mtls.mesh;
  const root = model.rootNamespace;
  const known = meshPolicy !== null || model.namespace(root).resource !== null || model.inNamespace(root).length > 0;
  const meshMtls = meshPolicy?.mode
    ? { mode: meshPolicy.mode, origin: { level: 'mesh' as const, resource: meshPolicy.resource, path: ['spec', 'mtls', 'mode'] }, policy: meshPolicy, known }
    : { mode: 'PERMISSIVE' as MtlsMode, origin: { level: 'default' as const, resource: null, path: [] }, policy: meshPolicy, known };

  const rawNorm = model.mesh.config?.pathNormalization?.normalization;
  const normUpper = typeof rawNorm === 'string' ? rawNorm.toUpperCase() : '';
  const explicit = (NORMALIZATIONS as readonly string[]).includes(normUpper);
  const pathNormalization = { value: (explicit ? normUpper : 'BASE') as Normalization, explicit, raw: rawNorm };

  const parts: Parts = { model, labels, services, gateways, mtls, policies, waypointServes, of: (w) => byWorkload.get(w), workloads: () => workloads, meshMtls, pathNormalization, attachmentsFrom: null };
  return assemble(parts);
}

/** What a posture is made of, kept so that an overlay posture can reuse it. */
interface Parts {
  model: MeshModel;
  labels: GlobalLabelIndex;
  services: ServiceRegistry;
  gateways: GatewayIndex;
  mtls: MtlsResolver;
  policies: PolicyResolver;
  waypointServes: Map<string, Workload[]>;
  of: (w: Workload) => WorkloadPosture | undefined;
  workloads: () => readonly WorkloadPosture[];
  meshMtls: MeshPosture['meshMtls'];
  pathNormalization: MeshPosture['pathNormalization'];
  /** For an overlay: the base posture and which workloads' attachments differ from the base's. */
  attachmentsFrom: { base: MeshPosture; changed: (w: Workload, kind: 'ap' | 'ra') => boolean } | null;
}

const partsOf = new OwnMemo<MeshPosture, Parts>('posture-parts');

function workloadPosture(model: MeshModel, w: Workload, gateways: GatewayIndex, services: ServiceRegistry, mtls: MtlsResolver): Posture {
  const dataplane = model.dataplaneOf(w);
  const gateway = gateways.kindOf(w);
  const waypoint = dataplane === 'ambient' && !gateway ? gateways.waypointOf(w, services.selectingWithLabel(w, USE_WAYPOINT_LABEL)) : null;
  return new Posture(w, dataplane, gateway, waypoint, mtls.resolve(w, dataplane, gateway), services);
}

function assemble(parts: Parts): MeshPosture {
  const posture = new AssembledPosture(parts);
  partsOf.set(posture, parts);
  return posture;
}

/**
 * A posture as a class instance rather than an object literal of getters and closures: one review
 * makes one or more (the overlay's, its focused views'), and instances of one class share their hidden
 * class and prototype methods, so a review allocates a few small young objects that die with it.
 */
class AssembledPosture implements MeshPosture {
  readonly model: MeshModel;
  readonly services: ServiceRegistry;
  readonly gateways: GatewayIndex;
  readonly meshMtls: MeshPosture['meshMtls'];
  readonly mtlsDecides: ReadonlyMap<Resource, readonly Workload[]>;
  readonly pathNormalization: MeshPosture['pathNormalization'];
  readonly of: (w: Workload) => WorkloadPosture | undefined;
  private readonly parts: Parts;
  private authzCache: Map<WorkloadPosture, readonly Attachment[]> | null = null;
  private raCache: Map<WorkloadPosture, readonly Attachment[]> | null = null;
  private nsDenyCache: Map<string, PolicyInfo | null> | null = null;

  constructor(parts: Parts) {
    this.parts = parts;
    this.model = parts.model;
    this.services = parts.services;
    this.gateways = parts.gateways;
    this.meshMtls = parts.meshMtls;
    this.mtlsDecides = parts.mtls.decides;
    this.pathNormalization = parts.pathNormalization;
    this.of = parts.of;
  }

  get workloads(): readonly WorkloadPosture[] {
    return this.parts.workloads();
  }

  get peerAuthentications(): readonly PeerAuthInfo[] {
    return this.parts.mtls.infos;
  }

  get authorizationPolicies(): readonly PolicyInfo[] {
    return this.parts.policies.authorization;
  }

  get requestAuthentications(): readonly PolicyInfo[] {
    return this.parts.policies.requestAuthn;
  }

  policy(r: Resource): PolicyInfo | undefined {
    return this.parts.policies.byResource.get(r);
  }

  peerAuthentication(r: Resource): PeerAuthInfo | undefined {
    return this.parts.mtls.byResource.get(r);
  }

  authorization(wp: WorkloadPosture): readonly Attachment[] {
    const cache = (this.authzCache ??= new Map());
    let a = cache.get(wp);
    if (!a) cache.set(wp, (a = this.attachments(wp, 'AuthorizationPolicy')));
    return a;
  }

  requestAuthentication(wp: WorkloadPosture): readonly Attachment[] {
    const cache = (this.raCache ??= new Map());
    let a = cache.get(wp);
    if (!a) cache.set(wp, (a = this.attachments(wp, 'RequestAuthentication')));
    return a;
  }

  defaultDeny(wp: WorkloadPosture): Attachment | null {
    for (const a of this.authorization(wp)) if (a.policy.allowNothing && a.enforcedBy !== 'none') return a;
    return null;
  }

  namespaceDefaultDeny(ns: string): PolicyInfo | null {
    const cache = (this.nsDenyCache ??= new Map());
    if (cache.has(ns)) return cache.get(ns)!;
    const policies = this.parts.policies;
    const found = policies.meshPolicies().find(denies) ?? policies.namespacePolicies(ns).find(denies) ?? null;
    cache.set(ns, found);
    return found;
  }

  meshDefaultDeny(): PolicyInfo | null {
    return this.parts.policies.meshPolicies().find(denies) ?? null;
  }

  acceptsPlaintext(wp: WorkloadPosture): boolean {
    if (!wp.mtls.applies) return wp.dataplane === 'none';
    if (wp.mtls.mode !== 'STRICT') return true;
    return wp.mtls.ports.some((p) => p.mode !== 'STRICT');
  }

  /** An overlay reuses its base's attachments for the workloads the change does not reach. */
  private attachments(wp: WorkloadPosture, kind: 'AuthorizationPolicy' | 'RequestAuthentication'): readonly Attachment[] {
    const from = this.parts.attachmentsFrom;
    const k = kind === 'AuthorizationPolicy' ? 'ap' : 'ra';
    if (from && !from.changed(wp.workload, k) && from.base.of(wp.workload) === wp) {
      return k === 'ap' ? from.base.authorization(wp) : from.base.requestAuthentication(wp);
    }
    return this.parts.policies.attachments(wp, kind);
  }
}

/** Kinds whose objects the overlay posture recomputes from its base; any other change is built from scratch. */
const POLICY_KINDS = new Set(['AuthorizationPolicy', 'RequestAuthentication']);

/**
 * The posture of `model`, an overlay of `base.model` with `removed` taken out and `added` put in
 * (src/model/overlay.ts), made from `base` by recomputing only what the change can reach, or null when
 * the change is of a kind this does not follow (the caller then builds from scratch):
 *
 * - a workload: its own posture; the Services, Istio Gateways and workload PeerAuthentications of its
 *   namespace whose selectors pick it (and the postures of the workloads behind such Services, which
 *   read them); every AuthorizationPolicy and RequestAuthentication of its namespace, of the root
 *   namespace and of its waypoint's namespace (the only ones that can reach it), kept where they
 *   resolve as before;
 * - an AuthorizationPolicy or RequestAuthentication outside the root namespace: that policy;
 * - a Service created, replaced or deleted: that Service's info, the workloads it picks before or
 *   after, and the policies of its namespace (withServiceChange);
 * - a PeerAuthentication outside the root namespace: the mTLS of its namespace's workloads
 *   (withPeerAuthenticationChange);
 * - a kind the posture does not read, or a ConfigMap that is not the mesh's (modelWideReason): nothing.
 *
 * Every other answer is the base's. Held equal to a build from scratch by posture/overlay.test.ts.
 */
export function overlayPosture(base: MeshPosture, model: MeshModel, removed: Resource | null, added: Resource | null): MeshPosture | null {
  const parts = partsOf.get(base);
  if (!parts) return null;
  const subject = added ?? removed;
  if (!subject || (added && removed && (added.group !== removed.group || added.kind !== removed.kind))) return null;
  const root = model.rootNamespace;
  if (isNamespaceUpdate(removed, added)) {
    // The posture sees a namespace through its facts (mode, injection, waypoint labels): a Namespace
    // update that keeps them (a team or cost label) keeps the posture; one that changes them rebuilds it.
    const name = subject.name;
    if (namespaceFacts(base.model.namespace(name)) !== namespaceFacts(model.namespace(name))) return null;
    return assemble({ ...parts, model, attachmentsFrom: { base, changed: () => false } });
  }
  if (subject.group === SECURITY_GROUP_NAME && POLICY_KINDS.has(subject.kind)) {
    if (subject.namespace === root || !subject.namespace) return null;
    const { resolver, changed } = parts.policies.withChange(model, parts.labels, parts.gateways, parts.services, parts.waypointServes, added ? [added] : [], removed);
    return assemble({ ...parts, model, policies: resolver, attachmentsFrom: { base, changed } });
  }
  if (subject.group === '' && subject.kind === 'Service') return withServiceChange(base, parts, model, removed, added);
  if (subject.group === 'networking.istio.io' && subject.kind === 'Gateway') {
    // The posture reads an Istio Gateway only through its selector (which workloads are gateways):
    // servers, hosts, TLS and labels changed keep every posture; the index is keyed by the new object.
    // A Gateway created or deleted keeps them too unless a workload becomes, or stops being, a gateway.
    if (removed && !parts.gateways.selectedBy.has(removed)) return null;
    const gateways = removed && added && !sameJson(specOf(removed)?.selector, specOf(added)?.selector) ? null : parts.gateways.withIstioGatewayChange(parts.labels, removed, added);
    return gateways ? assemble({ ...parts, model, gateways, attachmentsFrom: { base, changed: () => false } }) : null;
  }
  if (subject.group === SECURITY_GROUP_NAME && subject.kind === 'PeerAuthentication') return withPeerAuthenticationChange(base, parts, model, subject.namespace);
  if (subject.group === 'networking.istio.io' && subject.kind === 'ServiceEntry') {
    // The posture reads a ServiceEntry only as the target of a policy of its namespace naming it
    // (policies.ts; only its own namespace's can): with no such policy, nothing changes but the model.
    const names = new Set([removed?.name, added?.name]);
    const named = [...base.model.ofKindInNamespace(SECURITY_GROUP_NAME, 'AuthorizationPolicy', subject.namespace), ...base.model.ofKindInNamespace(SECURITY_GROUP_NAME, 'RequestAuthentication', subject.namespace)].some(
      (r) => base.policy(r)?.targetRefs.some((t) => t.kind === 'ServiceEntry' && t.group === 'networking.istio.io' && names.has(t.name)) ?? false,
    );
    return named ? null : assemble({ ...parts, model, attachmentsFrom: { base, changed: () => false } });
  }
  const removedW = removed ? base.model.workloadFor(removed) ?? null : null;
  const addedW = added ? model.workloadFor(added) ?? null : null;
  if (!removedW && !addedW) {
    // A kind the posture never reads (routing config): the base's posture, over the overlay model.
    // The posture reads ConfigMaps only through what the model derives from the mesh's own (mesh config,
    // injectors): another one (an application's) changes nothing here. At 100,000 objects this keeps a
    // 0.15 s rebuild off every such change.
    const appConfigMap = subject.group === '' && subject.kind === 'ConfigMap' && modelWideReason(subject, root) === null;
    if ((POSTURE_KINDS.has(`${subject.group}/${subject.kind}`) && !appConfigMap) || subject.group === 'install.istio.io' || subject.group === 'gateway.networking.k8s.io') return null;
    return assemble({ ...parts, model, attachmentsFrom: { base, changed: () => false } });
  }
  if ((removedW?.synthetic ?? false) || (addedW?.synthetic ?? false)) return null;
  const ns = subject.namespace;
  if (!ns || ns === root) return null;

  const labels = parts.labels.withWorkloadChange(model, removedW, addedW);
  const gateways = parts.gateways.withWorkloadChange(labels, removedW, addedW);
  const { registry: services, neighbours } = parts.services.withWorkloadChange(model, ns, removedW, addedW);
  const removedPosture = removedW ? base.of(removedW) ?? null : null;
  let addedPosture: Posture | null = null;
  const { resolver: mtls } = parts.mtls.withWorkloadChange(model, ns, removedPosture ? { w: removedW!, mtls: removedPosture.mtls } : null, addedW, (r) => {
    if (!addedW) return null;
    addedPosture = workloadPosture(model, addedW, gateways, services, r);
    return addedPosture.mtls;
  });
  const fresh: Posture | null = addedPosture;

  const waypointServes = new Map(parts.waypointServes);
  const serveKey = (wp: WorkloadPosture | null) => (wp?.waypoint ? `${wp.waypoint.namespace}/${wp.waypoint.name}` : null);
  const goneKey = serveKey(removedPosture);
  const comeKey = serveKey(fresh);
  for (const key of new Set([goneKey, comeKey])) {
    if (key === null) continue;
    const list = editWorkloads(parts.waypointServes.get(key) ?? EMPTY, key === goneKey ? removedW : null, key === comeKey ? addedW : null);
    if (list.length) waypointServes.set(key, list as Workload[]);
    else waypointServes.delete(key);
  }

  // The only policies that can reach a workload: its namespace's, the root namespace's, its waypoint's namespace's.
  const namespaces = new Set([ns, root]);
  for (const wp of [removedPosture, fresh]) if (wp?.waypoint) namespaces.add(wp.waypoint.namespace);
  // Of those, a policy that picks workloads by its selector alone (valid, no targetRefs) resolves as
  // before unless its labels match the workload's pods before or after the change: its targets are the
  // workloads its labels match, and no other changed. Most of a namespace's policies are of that kind
  // (one per application), so a Deployment review re-resolves one or two instead of all of them.
  const reaches = (r: Resource) => {
    const info = parts.policies.byResource.get(r);
    if (!info || info.problems.length || info.scope !== 'selector' || info.selector === null) return true;
    // Matched as the resolver's selectWorkloads matches (the same helper), so both agree on every label.
    const selector = { matchLabels: info.selector };
    return [removedW, addedW].some((w) => w !== null && selectorMatches(selector, w.podLabels));
  };
  const recompute: Resource[] = [];
  // A workload change leaves every policy as it was: the base model's, by namespace (kept on it).
  const policiesIn = policiesByNamespace(base.model);
  for (const n of namespaces) for (const r of policiesIn.get(n) ?? EMPTY) if (reaches(r)) recompute.push(r);
  recompute.sort((a, b) => a.id - b.id);
  const { resolver: policies, changed: policyChanged } = parts.policies.withChange(model, labels, gateways, services, waypointServes, recompute, null);

  // Workloads behind a Service that now picks or no longer picks the changed one read the new Service infos.
  const rewrapped = new Map<Workload, WorkloadPosture>();
  for (const w of neighbours) {
    const old = base.of(w);
    if (old) rewrapped.set(w, new Posture(w, old.dataplane, old.gateway, old.waypoint, old.mtls, services));
  }
  const of = (w: Workload): WorkloadPosture | undefined => {
    if (w === addedW) return fresh ?? undefined;
    if (w === removedW) return undefined;
    return rewrapped.get(w) ?? parts.of(w);
  };
  const workloads = workloadList(model, of);
  const changed = (w: Workload, k: 'ap' | 'ra') => w === addedW || rewrapped.has(w) || policyChanged(w, k);
  return assemble({ model, labels, services, gateways, mtls, policies, waypointServes, of, workloads, meshMtls: parts.meshMtls, pathNormalization: parts.pathNormalization, attachmentsFrom: { base, changed } });
}

const policiesMemo = new OwnMemo<MeshModel, Map<string, Resource[]>>('posture-policies-by-namespace');

/**
 * The model's AuthorizationPolicies and RequestAuthentications by namespace (made once per model):
 * every workload review asks for its namespace's and the root namespace's, and walking those
 * namespaces' objects cost more than the rest of the overlay posture.
 */
function policiesByNamespace(model: MeshModel): Map<string, Resource[]> {
  let m = policiesMemo.get(model);
  if (!m) {
    m = new Map();
    for (const kind of POLICY_KINDS) for (const r of model.ofKind(SECURITY_GROUP_NAME, kind)) push(m, r.namespace, r);
    policiesMemo.set(model, m);
  }
  return m;
}

/**
 * The posture with Service `removed` replaced by `added` (an UPDATE; the relay's commonest change),
 * or one of them alone (a Service created or deleted, at every application's deployment): the
 * registry swaps, adds or drops one info (ServiceRegistry.withServiceChange); the workloads the old or the new
 * selector picks get postures that read it (a workload's data plane, gateway and mTLS do not read
 * Services, and its waypoint reads only Services that name one); the AuthorizationPolicies and
 * RequestAuthentications of the Service's namespace are resolved again (a targetRef may name it, and
 * only one of its own namespace can). A Service naming a waypoint before or after, or one in the root
 * namespace, is built from scratch (null): it moves workloads' waypoints and what enforces policies.
 * A host appearing or going reaches only the registry's answers (resolve) and the policies of its
 * namespace that name it: a DestinationRule or a policy elsewhere reads the posture through them.
 */
function withServiceChange(base: MeshPosture, parts: Parts, model: MeshModel, removed: Resource | null, added: Resource | null): MeshPosture | null {
  const ns = (added ?? removed)?.namespace;
  if (!ns || ns === model.rootNamespace) return null;
  const namesWaypoint = (r: Resource | null) => r !== null && (Object.hasOwn(r.labels, USE_WAYPOINT_LABEL) || Object.hasOwn(r.labels, USE_WAYPOINT_NAMESPACE_LABEL));
  if (namesWaypoint(removed) || namesWaypoint(added)) return null;
  const swapped = parts.services.withServiceChange(model, removed, added);
  if (!swapped) return null;
  const { registry: services, touched } = swapped;
  const recompute = model.inNamespace(ns).filter((r) => r.group === SECURITY_GROUP_NAME && POLICY_KINDS.has(r.kind));
  recompute.sort((a, b) => a.id - b.id);
  const { resolver: policies, changed: policyChanged } = parts.policies.withChange(model, parts.labels, parts.gateways, services, parts.waypointServes, recompute, null);
  const rewrapped = new Map<Workload, WorkloadPosture>();
  for (const w of touched) {
    const old = parts.of(w);
    if (old) rewrapped.set(w, new Posture(w, old.dataplane, old.gateway, old.waypoint, old.mtls, services));
  }
  const of = (w: Workload): WorkloadPosture | undefined => rewrapped.get(w) ?? parts.of(w);
  const workloads = workloadList(model, of);
  const changed = (w: Workload, k: 'ap' | 'ra') => rewrapped.has(w) || policyChanged(w, k);
  return assemble({ ...parts, model, services, policies, of, workloads, attachmentsFrom: { base, changed } });
}

/**
 * The posture with a PeerAuthentication of namespace `ns` created, replaced or deleted (outside the
 * root namespace: a policy reaches only its own namespace's workloads, and the mesh-wide policy is
 * the root namespace's). The resolver is made afresh (it reads only PeerAuthentications: there are
 * few), the workloads of `ns` are resolved again against it, every other workload keeps its
 * posture, and which policy decides which workload is the base's with `ns`'s workloads moved.
 * Policies do not read mTLS modes.
 */
function withPeerAuthenticationChange(base: MeshPosture, parts: Parts, model: MeshModel, ns: string): MeshPosture | null {
  if (!ns || ns === model.rootNamespace) return null;
  const mtls = new MtlsResolver(model);
  const rewrapped = new Map<Workload, WorkloadPosture>();
  const moved: Array<{ w: Workload; before: WorkloadMtls; after: WorkloadMtls }> = [];
  for (const w of model.workloadsIn(ns)) {
    const old = parts.of(w);
    if (!old) return null;
    const next = new Posture(w, old.dataplane, old.gateway, old.waypoint, mtls.resolve(w, old.dataplane, old.gateway), parts.services);
    rewrapped.set(w, next);
    moved.push({ w, before: old.mtls, after: next.mtls });
  }
  const of = (w: Workload): WorkloadPosture | undefined => rewrapped.get(w) ?? parts.of(w);
  // Which policy decides which workload: the base's, with ns's workloads moved (no pass over the mesh).
  mtls.decidesFrom(parts.mtls, moved);
  const workloads = workloadList(model, of);
  const changed = (w: Workload) => rewrapped.has(w);
  return assemble({ ...parts, model, mtls, of, workloads, attachmentsFrom: { base, changed } });
}

/** An overlay posture's `workloads`: every workload's posture through `of`, in model order, made when first asked for. */
function workloadList(model: MeshModel, of: (w: Workload) => WorkloadPosture | undefined): () => readonly WorkloadPosture[] {
  let list: WorkloadPosture[] | null = null;
  return () => (list ??= model.workloads.map((w) => of(w)!));
}

const SECURITY_GROUP_NAME = 'security.istio.io';

/** `group/Kind` of every kind the posture reads besides workloads (a workload of any kind is followed apart). */
const POSTURE_KINDS = new Set([
  '/Service',
  '/Namespace',
  '/ConfigMap',
  'networking.istio.io/Gateway',
  'networking.istio.io/ServiceEntry',
  'security.istio.io/PeerAuthentication',
  'security.istio.io/AuthorizationPolicy',
  'security.istio.io/RequestAuthentication',
]);

/**
 * A posture whose lists rules loop over are cut to the object under review (src/webhook/focus.ts): the
 * same answers as `full` to every lookup, but `workloads` lists only the subject's workload posture
 * when `cut.workloads`; the policy lists only `subject` when it is of their kind and `cut.kind`; and,
 * for a workload under review and `cut.related`, only the policies that apply to it and the
 * PeerAuthentications that select it or decide its mode.
 */
export function focusedPosture(full: MeshPosture, view: MeshModel, subject: Resource, cut: { kind: boolean; workloads: boolean; related?: boolean }): MeshPosture {
  const o = new FocusedPosture(full, view);
  if (cut.workloads) {
    const w = view.workloadFor(subject);
    const wp = w ? full.of(w) : undefined;
    o.cutWorkloads = wp ? [wp] : [];
  }
  const w = cut.related ? view.workloadFor(subject) : undefined;
  const wp = w ? full.of(w) : undefined;
  if (wp) {
    // Only the policies that apply to the workload, and the PeerAuthentications that select it or decide its mode.
    const ap = new Set(full.authorization(wp).map((a) => a.policy));
    const ra = new Set(full.requestAuthentication(wp).map((a) => a.policy));
    const pa = new Set<Resource>();
    if (wp.mtls.origin.resource) pa.add(wp.mtls.origin.resource);
    for (const port of wp.mtls.ports) if (port.origin.resource) pa.add(port.origin.resource);
    // In the lists' own order (object order), without reading the whole lists.
    const byId = (a: PolicyInfo, b: PolicyInfo) => a.resource.id - b.resource.id;
    o.cutAuthorizationPolicies = [...ap].sort(byId);
    o.cutRequestAuthentications = [...ra].sort(byId);
    // A PeerAuthentication selects workloads of its own namespace only, and one deciding a workload's
    // mode is of its namespace or the root's: the namespace test first keeps the scan of every policy
    // in the mesh (hundreds at 20,000 objects) to a string comparison each.
    const ns = wp.workload.namespace;
    const root = view.rootNamespace;
    o.cutPeerAuthentications = full.peerAuthentications.filter((p) => (p.resource.namespace === ns || p.resource.namespace === root) && (pa.has(p.resource) || p.targets.includes(wp.workload)));
  }
  if (cut.kind && subject.group === SECURITY_GROUP_NAME) {
    if (subject.kind === 'AuthorizationPolicy' || subject.kind === 'RequestAuthentication') {
      const info = full.policy(subject);
      if (subject.kind === 'AuthorizationPolicy') o.cutAuthorizationPolicies = info ? [info] : [];
      else o.cutRequestAuthentications = info ? [info] : [];
    } else if (subject.kind === 'PeerAuthentication') {
      const info = full.peerAuthentication(subject);
      o.cutPeerAuthentications = info ? [info] : [];
    }
  }
  return o;
}

/**
 * `full` over a namespace slice (src/engine/scope.ts's view): its lists (workloads,
 * AuthorizationPolicies, RequestAuthentications, PeerAuthentications) hold only what the view's loops
 * list; every lookup (of a workload, a policy, what applies to what) stays the whole mesh's.
 */
export function slicedPosture(full: MeshPosture, view: MeshModel): MeshPosture {
  const o = new FocusedPosture(full, view);
  // From the view's cut lists (in object order, as the posture's), not by filtering the whole
  // posture's: an overlay posture makes its whole workload list on first read (one lookup per workload).
  o.cutWorkloads = view.workloads.map((w) => full.of(w)).filter((wp): wp is WorkloadPosture => wp !== undefined);
  const policies = (kind: string) => view.ofKind(SECURITY_GROUP_NAME, kind).map((r) => full.policy(r)).filter((p): p is PolicyInfo => p !== undefined);
  o.cutAuthorizationPolicies = policies('AuthorizationPolicy');
  o.cutRequestAuthentications = policies('RequestAuthentication');
  o.cutPeerAuthentications = view.ofKind(SECURITY_GROUP_NAME, 'PeerAuthentication').map((r) => full.peerAuthentication(r)).filter((p): p is PeerAuthInfo => p !== undefined);
  return o;
}

/**
 * `full` with its model replaced by the focused view and some lists cut (null: the full list). A class
 * delegating to `full` rather than `Object.create(full)` with properties defined per view: `full` is
 * the review's overlay posture, and making a short-lived object a prototype costs V8 a new hidden
 * class per review, allocated in old space.
 */
class FocusedPosture implements MeshPosture {
  cutWorkloads: readonly WorkloadPosture[] | null = null;
  cutAuthorizationPolicies: readonly PolicyInfo[] | null = null;
  cutRequestAuthentications: readonly PolicyInfo[] | null = null;
  cutPeerAuthentications: readonly PeerAuthInfo[] | null = null;

  constructor(
    private readonly full: MeshPosture,
    readonly model: MeshModel,
  ) {}

  get workloads(): readonly WorkloadPosture[] {
    return this.cutWorkloads ?? this.full.workloads;
  }
  get authorizationPolicies(): readonly PolicyInfo[] {
    return this.cutAuthorizationPolicies ?? this.full.authorizationPolicies;
  }
  get requestAuthentications(): readonly PolicyInfo[] {
    return this.cutRequestAuthentications ?? this.full.requestAuthentications;
  }
  get peerAuthentications(): readonly PeerAuthInfo[] {
    return this.cutPeerAuthentications ?? this.full.peerAuthentications;
  }
  get services(): ServiceRegistry {
    return this.full.services;
  }
  get gateways(): GatewayIndex {
    return this.full.gateways;
  }
  get meshMtls(): MeshPosture['meshMtls'] {
    return this.full.meshMtls;
  }
  get mtlsDecides(): ReadonlyMap<Resource, readonly Workload[]> {
    return this.full.mtlsDecides;
  }
  get pathNormalization(): MeshPosture['pathNormalization'] {
    return this.full.pathNormalization;
  }
  of(w: Workload): WorkloadPosture | undefined {
    return this.full.of(w);
  }
  policy(r: Resource): PolicyInfo | undefined {
    return this.full.policy(r);
  }
  peerAuthentication(r: Resource): PeerAuthInfo | undefined {
    return this.full.peerAuthentication(r);
  }
  authorization(wp: WorkloadPosture): readonly Attachment[] {
    return this.full.authorization(wp);
  }
  requestAuthentication(wp: WorkloadPosture): readonly Attachment[] {
    return this.full.requestAuthentication(wp);
  }
  defaultDeny(wp: WorkloadPosture): Attachment | null {
    return this.full.defaultDeny(wp);
  }
  namespaceDefaultDeny(ns: string): PolicyInfo | null {
    return this.full.namespaceDefaultDeny(ns);
  }
  meshDefaultDeny(): PolicyInfo | null {
    return this.full.meshDefaultDeny();
  }
  acceptsPlaintext(wp: WorkloadPosture): boolean {
    return this.full.acceptsPlaintext(wp);
  }
}
