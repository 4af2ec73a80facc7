/**
 * Helpers shared by the egress rules: the mesh-wide outbound mode, NetworkPolicy egress semantics and
 * short descriptions of selectors and ports for messages. Every input is untrusted: each helper checks
 * types and treats a malformed value as "not what we are looking for" rather than throwing.
 */
import type { MeshModel } from '../../model/model.js';
import { describe } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { isEmptySelector } from '../../model/selectors.js';
import type { Workload } from '../../model/workloads.js';
import { quoteValue } from '../../engine/text.js';
import { collapseOwned } from '../../model/owners.js';
import { OwnMemo } from '../../model/own-memo.js';
import { controlPlaneVersions } from '../../advisories/detect.js';
import { compareVersions, type IstioVersion } from '../../advisories/version.js';

export const NETPOL_GROUP = 'networking.k8s.io';
export const ISTIO_NET_GROUP = 'networking.istio.io';

/** Where the mesh config (and so the mesh-wide outbound policy) comes from, in words. */
export function meshSourceText(model: MeshModel): string {
  const m = model.mesh;
  switch (m.origin) {
    case 'configmap':
      return m.resource ? `ConfigMap ${m.resource.namespace}/${m.resource.name}` : 'the istio ConfigMap';
    case 'istiooperator':
      return m.resource ? describe(m.resource) : 'the IstioOperator';
    case 'sail':
      return m.resource ? `Sail ${describe(m.resource)}` : 'the Sail Istio resource';
    case 'file':
      return `mesh config file ${quote(m.file ?? '')}`;
    default:
      return "Istio's defaults";
  }
}

export type OutboundMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** The first release whose sidecars pass traffic for unknown destinations through when the mesh config says nothing. */
export const ALLOW_ANY_DEFAULT_SINCE = { major: 1, minor: 1, patch: 0 };

const outboundDefaultCache = new OwnMemo<MeshModel, OutboundMode>('outbound-default');

/**
 * What sidecars do with traffic for unknown destinations when the mesh config does not say. Istio 1.1
 * added `outboundTrafficPolicy` with ALLOW_ANY as its default (the upgrade notes of 1.1: "the outbound
 * traffic policy now defaults to ALLOW_ANY"; the virtual listener's fallback became PassthroughCluster).
 * Before 1.1 there was no such field, and the virtual listener sent every connection no listener
 * claimed to BlackHoleCluster (pilot/pkg/networking/core/v1alpha3/listener.go at 1.0.0): unknown
 * destinations were blocked, as REGISTRY_ONLY blocks them. The newest control plane in the input
 * decides (ALLOW_ANY is the weaker answer, and any 1.1 or later istiod gives it); with no readable
 * version, current Istio is assumed.
 */
export function outboundDefault(model: MeshModel): OutboundMode {
  let mode = outboundDefaultCache.get(model);
  if (mode) return mode;
  let newest: IstioVersion | null = null;
  for (const d of controlPlaneVersions(model)) if (!newest || compareVersions(d.version!, newest) > 0) newest = d.version;
  mode = !newest || compareVersions(newest, ALLOW_ANY_DEFAULT_SINCE) >= 0 ? 'ALLOW_ANY' : 'REGISTRY_ONLY';
  outboundDefaultCache.set(model, mode);
  return mode;
}

/**
 * The mesh-wide `outboundTrafficPolicy.mode` as written: `set` false when the field is absent, `valid`
 * false when it holds something Istio does not know. `effective` is what sidecars get: when the field is
 * absent, the default of the Istio version in play (outboundDefault); an unknown value never yields
 * REGISTRY_ONLY.
 */
export function meshOutbound(model: MeshModel): { set: boolean; valid: boolean; raw: unknown; effective: OutboundMode } {
  const otp = model.mesh.config.outboundTrafficPolicy;
  if (otp === undefined || otp === null) return { set: false, valid: true, raw: undefined, effective: outboundDefault(model) };
  if (!isObject(otp)) return { set: true, valid: false, raw: otp, effective: 'ALLOW_ANY' };
  const mode = otp.mode;
  if (mode === undefined || mode === null) return { set: false, valid: true, raw: undefined, effective: outboundDefault(model) };
  if (mode === 'REGISTRY_ONLY' || mode === 'ALLOW_ANY') return { set: true, valid: true, raw: mode, effective: mode };
  return { set: true, valid: false, raw: mode, effective: 'ALLOW_ANY' };
}

/** A value for a message: strings quoted, anything else as short JSON, never more than `max` characters. */
export function quote(v: unknown, max = 60): string {
  return quoteValue(v, max);
}

/** `a, b, c and 4 more`. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** A label selector in words: `app=web, tier In (a,b)`; `everything` for an empty one. */
export function selectorText(selector: unknown): string {
  if (isEmptySelector(selector)) return 'everything';
  if (!isObject(selector)) return quote(selector, 40);
  const structured = 'matchLabels' in selector || 'matchExpressions' in selector;
  const parts: string[] = [];
  const ml = structured ? selector.matchLabels : selector;
  if (isObject(ml)) for (const [k, v] of Object.entries(ml)) parts.push(`${k}=${typeof v === 'string' ? v : quote(v, 30)}`);
  if (structured && Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions) {
      if (!isObject(e)) continue;
      const vals = Array.isArray(e.values) ? ` (${e.values.map((x: unknown) => String(x)).join(',')})` : '';
      parts.push(`${String(e.key)} ${String(e.operator)}${vals}`);
    }
  }
  return listSome(
    parts.map((x) => (x.length > 80 ? `${x.slice(0, 79)}…` : x)),
    4,
  );
}

/** The pods a NetworkPolicy selects, in words. */
export function podsText(ns: string, podSelector: unknown): string {
  return isEmptySelector(podSelector) ? `every pod in ${ns}` : `pods in ${ns} matching ${selectorText(podSelector)}`;
}

/** Workloads as `Deployment shop/web, Pod shop/x and 3 more` (a Deployment's ReplicaSets and Pods not named: src/model/owners.ts). */
export function workloadsText(ws: readonly Workload[], max = 5): string {
  return listSome(
    collapseOwned(ws).workloads.map((w) => describe(w.resource)),
    max,
  );
}

/**
 * Whether a NetworkPolicy spec governs egress. With `policyTypes` given it decides; without it,
 * Kubernetes adds Egress only when the `egress` list is non-empty (an empty `egress: []` alone does not).
 */
export function affectsEgress(spec: Record<string, any>): boolean {
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.includes('Egress');
  return Array.isArray(spec.egress) && spec.egress.length > 0;
}

/**
 * A NetworkPolicy egress rule in normal form, or null when it is malformed (the API server would reject
 * it). A null list item decodes as an empty rule, which allows everything.
 */
export function egressRule(rule: unknown): { to: unknown[]; ports: unknown[] } | null {
  if (rule === null || rule === undefined) return { to: [], ports: [] };
  if (!isObject(rule)) return null;
  const to = rule.to ?? [];
  const ports = rule.ports ?? [];
  if (!Array.isArray(to) || !Array.isArray(ports)) return null;
  return { to, ports };
}

/** Does this CIDR cover every address of its family (`0.0.0.0/0`, `::/0`, any `/0`)? */
export function cidrCoversAll(cidr: unknown): boolean {
  if (typeof cidr !== 'string') return false;
  const m = /^\s*([0-9A-Fa-f.:]+)\/0*0\s*$/.exec(cidr);
  return m !== null;
}

/** The `/0` ipBlock peers of a rule, with their index in `to`. */
export function openIpBlocks(to: readonly unknown[]): Array<{ index: number; cidr: string; except: number }> {
  const out: Array<{ index: number; cidr: string; except: number }> = [];
  to.forEach((peer, index) => {
    if (!isObject(peer) || !isObject(peer.ipBlock)) return;
    const { cidr, except } = peer.ipBlock;
    if (!cidrCoversAll(cidr)) return;
    out.push({ index, cidr: String(cidr).trim().slice(0, 60), except: Array.isArray(except) ? except.length : 0 });
  });
  return out;
}

/**
 * Does this egress rule let the selected pods reach every external address on every port? True for a
 * rule without `to` and `ports`, and for one whose `to` holds a `/0` ipBlock without `ports`.
 */
export function opensEverything(rule: { to: unknown[]; ports: unknown[] }): boolean {
  if (rule.ports.length > 0) return false;
  return rule.to.length === 0 || openIpBlocks(rule.to).length > 0;
}

/** Index of the first egress rule of a policy that opens everything, or -1. */
export function firstOpenRule(spec: Record<string, any>): number {
  if (!Array.isArray(spec.egress)) return -1;
  for (let i = 0; i < spec.egress.length; i++) {
    const r = egressRule(spec.egress[i]);
    if (r && opensEverything(r)) return i;
  }
  return -1;
}

/** Are all these NetworkPolicy ports DNS (port 53, TCP or UDP, no wider range)? */
export function onlyDns(ports: readonly unknown[]): boolean {
  if (ports.length === 0) return false;
  return ports.every((p) => {
    if (!isObject(p)) return false;
    const proto = p.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP') return false;
    const port = typeof p.port === 'number' ? p.port : typeof p.port === 'string' && /^\s*\d+\s*$/.test(p.port) ? Number(p.port) : NaN;
    if (port !== 53) return false;
    return p.endPort === undefined || p.endPort === null || Number(p.endPort) === 53;
  });
}

/** NetworkPolicy ports in words: `TCP/443, UDP/53, TCP/8000-9000, all UDP ports`. */
export function portsText(ports: readonly unknown[]): string {
  const parts = ports.map((p) => {
    if (!isObject(p)) return quote(p, 20);
    const proto = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    if (p.port === undefined || p.port === null) return `all ${proto} ports`;
    const port = typeof p.port === 'number' ? String(p.port) : quote(p.port, 20);
    const end = typeof p.endPort === 'number' ? `-${p.endPort}` : '';
    return `${proto}/${port}${end}`;
  });
  return listSome(parts, 6);
}
