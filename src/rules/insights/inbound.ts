/**
 * What the INS rules about inbound traffic share: the effective mTLS mode the manifests give the
 * destination of an edge (from src/posture, per workload and port, the way `meshward posture` shows
 * it), and the destination-reported edges grouped per destination workload.
 */
import type { MeshModel } from '../../model/model.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { computePosture, type MtlsMode, type MtlsOrigin, type PeerAuthInfo } from '../../posture/index.js';
import type { TrafficEdge, TrafficFacts } from '../../insights/types.js';
import { UNKNOWN, anchorFor, groupBy, peerKey, volume, type Anchor } from './common.js';
import { OwnMemo } from '../../model/own-memo.js';

export interface EffectiveMtls {
  mode: MtlsMode;
  /** The PeerAuthentication that set it, null for Istio's default. */
  resource: Resource | null;
  path: PathSegment[];
  /** `PeerAuthentication shop/strict (namespace-wide)`, or Istio's default. */
  text: string;
}

/** One destination workload and the destination-reported edges into it (with traffic in the window). */
export interface Inbound {
  anchor: Anchor;
  edges: TrafficEdge[];
}

/**
 * Edges the destination's own proxy reported (`reporter="destination"`): the one view of a request
 * that says what the receiving side accepted, and counted once (the source's proxy reports the same
 * request again). Grouped per destination workload; edges into `unknown` and without traffic left out.
 */
export function inboundByDestination(model: MeshModel, facts: TrafficFacts): readonly Inbound[] {
  // Four rules read the same grouping: made once per facts and model.
  let perModel = inboundCache.get(facts);
  if (!perModel) inboundCache.set(facts, (perModel = new WeakMap()));
  let inbound = perModel.get(model);
  if (!inbound) perModel.set(model, (inbound = groupInbound(model, facts)));
  return inbound;
}

const inboundCache = new WeakMap<TrafficFacts, WeakMap<MeshModel, readonly Inbound[]>>();

function groupInbound(model: MeshModel, facts: TrafficFacts): readonly Inbound[] {
  const groups = groupBy(facts.edges, (e) => (e.reporter === 'destination' && e.destination.workload !== UNKNOWN && volume(e) > 0 ? peerKey(e.destination) : null));
  return [...groups.values()].map((edges) => ({ anchor: anchorFor(model, edges[0].destination), edges }));
}

const LEVEL_TEXT: Record<MtlsOrigin['level'], string> = { default: "Istio's default", mesh: 'mesh-wide', namespace: 'namespace-wide', workload: 'workload', port: 'port-level' };

/**
 * The effective mode for traffic into `anchor` on `port`: the workload's (port-level when the edge
 * names a port the policy overrides) when the input holds the workload; else the namespace-wide or
 * mesh-wide one (workload-level policies cannot be known for a workload not in the input). Null when
 * PeerAuthentication does not govern the workload (a gateway, or a workload outside the mesh).
 */
export function effectiveMtls(model: MeshModel, anchor: Anchor, namespace: string, port: number | undefined): EffectiveMtls | null {
  const posture = computePosture(model);
  if (anchor.workload) {
    const wp = posture.of(anchor.workload);
    if (!wp || !wp.mtls.applies || wp.gateway) return null;
    const portMode = port !== undefined ? wp.mtls.ports.find((p) => p.port === port) : undefined;
    const { mode, origin } = portMode ?? wp.mtls;
    return { mode, resource: origin.resource, path: origin.path, text: originText(origin) };
  }
  const ns = namespacePolicies(model).get(namespace);
  if (ns && ns.mode) return { mode: ns.mode, resource: ns.resource, path: ['spec', 'mtls', 'mode'], text: `PeerAuthentication ${ns.resource.namespace}/${ns.resource.name} (namespace-wide)` };
  const mesh = posture.meshMtls;
  return { mode: mesh.mode, resource: mesh.origin.resource, path: mesh.origin.path, text: originText(mesh.origin) };
}

const nsPolicies = new OwnMemo<MeshModel, Map<string, PeerAuthInfo>>('namespace-peer-authentications');

/** Namespace → its namespace-wide PeerAuthentication with a mode (the one Istio uses), built once per model. */
function namespacePolicies(model: MeshModel): Map<string, PeerAuthInfo> {
  let m = nsPolicies.get(model);
  if (!m) {
    nsPolicies.set(model, (m = new Map()));
    for (const p of computePosture(model).peerAuthentications) if (p.scope === 'namespace' && p.mode !== null) m.set(p.resource.namespace, p);
  }
  return m;
}

function originText(o: MtlsOrigin): string {
  if (!o.resource) return "Istio's default (no PeerAuthentication applies)";
  return `PeerAuthentication ${o.resource.namespace}/${o.resource.name} (${LEVEL_TEXT[o.level]}${o.level === 'port' ? ` ${o.path[2]}` : ''})`;
}
