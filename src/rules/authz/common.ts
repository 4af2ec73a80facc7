/** Helpers shared by the AUT rules: kinds they read, workload evidence, TLS settings walking. */
import type { MeshModel } from '../../model/model.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import type { Workload } from '../../model/workloads.js';
import type { EvidenceInput } from '../types.js';
import type { Attachment, MeshPosture, PolicyInfo, PortMtls, WorkloadPosture } from '../../posture/index.js';
import { isObject } from '../../posture/util.js';
import { listSomeOf } from '../../engine/text.js';
import { collapseOwned, ownedText } from '../../model/owners.js';
import { controlPlaneVersions, type DetectedVersion } from '../../advisories/detect.js';
import { compareVersions } from '../../advisories/version.js';
import { WORKLOAD_READS } from '../reads.js';
import { OwnMemo } from '../../model/own-memo.js';
import { objectsWhere } from '../objects-where.js';

export const AP = 'security.istio.io/AuthorizationPolicy';
export const PA = 'security.istio.io/PeerAuthentication';
export const RA = 'security.istio.io/RequestAuthentication';
export const DR = 'networking.istio.io/DestinationRule';
export const ISTIO_GW = 'networking.istio.io/Gateway';
export const K8S_GW = 'gateway.networking.k8s.io/Gateway';
export const MESH_CONFIG = ['ConfigMap', 'install.istio.io/IstioOperator'];
export const WORKLOADS = WORKLOAD_READS;
export const NAMESPACE = 'Namespace';
export const SERVICE = 'Service';

/**
 * Evidence entries that point at an object (file and line) for the first few workloads, then plain
 * text for the rest: locating an object costs a parse of its document, and a finding about a
 * namespace of 200 workloads must not parse 200 documents.
 */
const MAX_LOCATED = 3;
const MAX_LISTED = 10;

/** `Deployment shop/web`. */
export function wname(w: Workload): string {
  return `${w.resource.kind} ${w.namespace}/${w.resource.name}`;
}

/**
 * A short list of workload names for a message. A ReplicaSet, Job or Pod whose controller is in the
 * list is not named (a cluster's Deployment is one workload, not eight; workloadEvidence counts them):
 * count with workloadCount so the number matches the names. The message says nothing of how many Pods
 * there are, so it does not change when a Deployment scales or a Pod restarts (`scan --watch` reports a
 * changed message as a new finding).
 */
export function workloadList(ws: readonly Workload[], max = 3): string {
  return listSomeOf(collapseOwned(ws).workloads, max, wname);
}

/** How many workloads a message about `ws` speaks of: those no other workload of the list runs. */
export function workloadCount(ws: readonly Workload[]): number {
  return collapseOwned(ws).workloads.length;
}

/**
 * One evidence entry per workload (the first few located, the rest as text), capped; ReplicaSets, Jobs
 * and Pods whose controller is in the list in one entry after the rest, as in workloadList.
 */
export function workloadEvidence(ws: readonly Workload[], describe: (w: Workload) => string, role = 'workload', located = MAX_LOCATED): EvidenceInput[] {
  const c = collapseOwned(ws);
  const listed = c.workloads;
  const out: EvidenceInput[] = listed.slice(0, MAX_LISTED).map((w, i) => (i < located ? { role, description: describe(w), resource: w.resource, path: w.metaPath } : { role, description: describe(w) }));
  if (listed.length > MAX_LISTED) out.push({ role, description: `…and ${listed.length - MAX_LISTED} more workloads` });
  if (c.owned) out.push({ role, description: `the same for ${ownedText(c)}` });
  return out;
}

/** `PERMISSIVE from namespace policy shop/default` for a port or workload mode. */
export function modeText(m: { mode: string; origin: PortMtls['origin'] }): string {
  const o = m.origin;
  if (!o.resource) return `${m.mode} by Istio's default`;
  return `${m.mode} from ${o.level === 'port' ? 'port-level' : o.level} policy ${o.resource.namespace}/${o.resource.name}`;
}

/**
 * Ports on which a workload accepts plaintext: `every port`, or the port numbers (plus `any other
 * port` when the workload-wide mode is not STRICT). With `only`, just those ports are considered.
 */
export function plaintextPorts(wp: WorkloadPosture, only: number[] | null = null): string[] {
  const m = wp.mtls;
  const modeAt = (port: number) => m.ports.find((p) => p.port === port)?.mode ?? m.mode;
  if (only) return only.filter((port) => modeAt(port) !== 'STRICT').map(String);
  const open = m.ports.filter((p) => p.mode !== 'STRICT');
  if (m.mode !== 'STRICT') return open.length === m.ports.length ? ['every port'] : [...open.map((p) => String(p.port)), 'any other port'];
  return open.map((p) => String(p.port));
}

/** Is the input a mesh at all (an Istio mesh config, a mesh namespace, or Istio security objects)? */
export function looksLikeMesh(model: MeshModel): boolean {
  if (model.mesh.origin !== 'defaults') return true;
  if (model.ofKind('security.istio.io', 'PeerAuthentication').length || model.ofKind('security.istio.io', 'AuthorizationPolicy').length) return true;
  return model.namespaces().some((n) => n.mode === 'sidecar' || n.mode === 'ambient');
}

/** Workload postures of a policy's targets. */
export function targetPostures(posture: MeshPosture, p: PolicyInfo): WorkloadPosture[] {
  const out: WorkloadPosture[] = [];
  for (const w of p.targets) {
    const wp = posture.of(w);
    if (wp) out.push(wp);
  }
  return out;
}

/** Each workload's attachments by policy, for workloads that many policies select (keyed by the posture's own cached list). */
const attachmentIndex = new WeakMap<readonly Attachment[], Map<PolicyInfo, Attachment>>();

/**
 * The attachment of policy `p` on workload `wp`, if it applies there. Rules ask this for every policy
 * and each of its targets: a search of the workload's list made that cubic when thousands of policies
 * select the same thousands of workloads (3,000 of each: over two minutes), so long lists are indexed.
 */
export function attachmentOf(posture: MeshPosture, wp: WorkloadPosture, p: PolicyInfo): Attachment | null {
  const list = p.kind === 'AuthorizationPolicy' ? posture.authorization(wp) : posture.requestAuthentication(wp);
  if (list.length <= 16) return list.find((a) => a.policy === p) ?? null;
  let index = attachmentIndex.get(list);
  if (!index) {
    index = new Map();
    for (const a of list) if (!index.has(a.policy)) index.set(a.policy, a);
    attachmentIndex.set(list, index);
  }
  return index.get(p) ?? null;
}

export interface TlsBlock {
  tls: Record<string, any>;
  path: PathSegment[];
  /** `trafficPolicy`, `portLevelSettings[0] (port 8080)`, `subset v1`... */
  where: string;
  /** Service port this block is limited to, when port-level. */
  port: number | null;
  subset: string | null;
}

/**
 * Every `tls` block of a DestinationRule: top level, port level, and in each subset. Kept per spec
 * object: seven rules ask for every DestinationRule's blocks on every run, and an incremental run
 * sees the same objects again (an object is replaced on change, never edited). Callers must not
 * modify the list.
 */
export function tlsBlocks(dr: Resource): readonly TlsBlock[] {
  const spec = dr.obj?.spec;
  if (!isObject(spec)) return NO_BLOCKS;
  let out = blocksBySpec.get(spec);
  if (!out) blocksBySpec.set(spec, (out = readTlsBlocks(spec)));
  return out;
}

const NO_BLOCKS: readonly TlsBlock[] = Object.freeze([]);

/** The DestinationRules of `drs` (a model's list) with a tls block in one of `modes`, in list order (kept: objectsWhere). */
export function destinationRulesWithTls(drs: readonly Resource[], modes: readonly string[]): readonly Resource[] {
  return objectsWhere(drs, `tls-mode:${modes.join(',')}`, (dr) => tlsBlocks(dr).some((b) => modes.includes(tlsMode(b.tls))));
}
const blocksBySpec = new WeakMap<object, readonly TlsBlock[]>();

function readTlsBlocks(spec: Record<string, any>): TlsBlock[] {
  const out: TlsBlock[] = [];
  const visit = (tp: unknown, base: PathSegment[], subset: string | null) => {
    if (!isObject(tp)) return;
    const prefix = subset ? `subset ${subset}: ` : '';
    if (isObject(tp.tls)) out.push({ tls: tp.tls, path: [...base, 'tls'], where: `${prefix}trafficPolicy`, port: null, subset });
    if (Array.isArray(tp.portLevelSettings)) {
      tp.portLevelSettings.forEach((pls: unknown, i: number) => {
        if (!isObject(pls) || !isObject(pls.tls)) return;
        const port = isObject(pls.port) && typeof pls.port.number === 'number' ? pls.port.number : null;
        out.push({ tls: pls.tls, path: [...base, 'portLevelSettings', i, 'tls'], where: `${prefix}port ${port ?? '?'}`, port, subset });
      });
    }
  };
  visit(spec.trafficPolicy, ['spec', 'trafficPolicy'], null);
  if (Array.isArray(spec.subsets)) {
    spec.subsets.forEach((s: unknown, i: number) => {
      if (!isObject(s)) return;
      visit(s.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy'], typeof s.name === 'string' ? s.name : String(i));
    });
  }
  return out;
}

/** `tls.mode` upper-cased, or '' when absent. */
export function tlsMode(tls: Record<string, any>): string {
  return typeof tls.mode === 'string' ? tls.mode.toUpperCase() : '';
}


export interface ServerView {
  index: number;
  path: PathSegment[];
  protocol: string;
  port: number | null;
  /** Hosts without their `namespace/` prefix, lower case. */
  hosts: string[];
  tls: Record<string, any> | null;
}

/** The servers of an Istio Gateway, read defensively. */
export function gatewayServers(g: Resource): ServerView[] {
  const servers = g.obj?.spec?.servers;
  if (!Array.isArray(servers)) return [];
  const out: ServerView[] = [];
  servers.forEach((s: unknown, index: number) => {
    if (!isObject(s)) return;
    const port = isObject(s.port) ? s.port : {};
    const hosts = Array.isArray(s.hosts) ? s.hosts.filter((h: unknown): h is string => typeof h === 'string').map((h: string) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h).toLowerCase()) : [];
    out.push({
      index,
      path: ['spec', 'servers', index],
      protocol: typeof port.protocol === 'string' ? port.protocol.toUpperCase() : '',
      port: typeof port.number === 'number' ? port.number : null,
      hosts,
      tls: isObject(s.tls) ? s.tls : null,
    });
  });
  return out;
}

/** The first release whose proxies verify an origination without `caCertificates` against the OS CA bundle. */
export const VERIFY_AT_CLIENT_SINCE = { major: 1, minor: 21 };

export interface ClientVerification {
  /** Whether a SIMPLE/MUTUAL origination without a CA is verified against the system CA bundle. */
  verifies: boolean;
  /** `Istio 1.22.3 (image of container "discovery" of Deployment istio-system/istiod)`, or why it is assumed. */
  basis: string;
  evidence: EvidenceInput[];
}

const clientVerificationCache = new OwnMemo<MeshModel, ClientVerification>('client-verification');

/**
 * Whether the mesh's proxies verify upstream certificates when a DestinationRule gives no CA. Istio 1.21
 * turned VERIFY_CERTIFICATE_AT_CLIENT on by default (the OS CA bundle is used; `compatibilityVersion:
 * 1.20` or the env var set to false on istiod restores the old, unverified behaviour). The flag lives
 * in istiod, so istiod's version decides; proxies only when no istiod is in the input; with no version
 * at all, current Istio is assumed.
 */
export function clientVerification(model: MeshModel): ClientVerification {
  let v = clientVerificationCache.get(model);
  if (v) return v;
  const pool = controlPlaneVersions(model);
  let oldest: DetectedVersion | null = null;
  for (const d of pool) if (!oldest || compareVersions(versionFloor(d.version!), versionFloor(oldest.version!)) < 0) oldest = d;
  const off = istiodEnvDisablingVerification(model);
  if (off) {
    v = { verifies: false, basis: `istiod sets ${off.name}=${off.value}`, evidence: [{ role: 'control-plane', description: `istiod sets ${off.name}=${off.value}`, resource: off.resource, path: off.path }] };
  } else if (oldest) {
    const ver = oldest.version!;
    const text = `Istio ${ver.major}.${ver.minor}${ver.patch === null ? '' : `.${ver.patch}`} (${oldest.where})`;
    const verifies = compareVersions(versionFloor(ver), { ...VERIFY_AT_CLIENT_SINCE, patch: 0 }) >= 0;
    v = { verifies, basis: text, evidence: [{ role: 'version', description: `${text}`, resource: oldest.resource, path: oldest.path }] };
  } else {
    v = { verifies: true, basis: 'no Istio version in the input, so a current release is assumed', evidence: [] };
  }
  clientVerificationCache.set(model, v);
  return v;
}

function versionFloor(v: { major: number; minor: number; patch: number | null }) {
  return { major: v.major, minor: v.minor, patch: v.patch ?? 0 };
}

/** istiod's `VERIFY_CERTIFICATE_AT_CLIENT=false` (or `compatibilityVersion` ≤ 1.20 rendered into it), if set. */
function istiodEnvDisablingVerification(model: MeshModel): { name: string; value: string; resource: Resource; path: PathSegment[] } | null {
  for (const w of model.workloadsIn(model.rootNamespace)) {
    for (const c of w.containers) {
      if (c.kind !== 'container' || (c.name !== 'discovery' && !/\/pilot(?:[:@]|$)/.test(c.image))) continue;
      const env = c.spec.env;
      if (!Array.isArray(env)) continue;
      for (let i = 0; i < env.length; i++) {
        const e = env[i];
        if (isObject(e) && e.name === 'VERIFY_CERTIFICATE_AT_CLIENT' && typeof e.value === 'string' && e.value.toLowerCase() === 'false') {
          return { name: 'VERIFY_CERTIFICATE_AT_CLIENT', value: 'false', resource: w.resource, path: [...c.path, 'env', i, 'value'] };
        }
      }
    }
  }
  return null;
}

/** Is a DestinationRule host inside the cluster (a Service name) rather than a public name? */
export function isInMeshHost(model: MeshModel, host: string, namespace: string): boolean {
  const h = model.resolveHost(host, namespace);
  const domain = model.clusterDomain.toLowerCase();
  if (h.endsWith(`.svc.${domain}`) || h.endsWith('.svc')) return true;
  return model.hosts.covered(h).some((o) => o.via === 'Service');
}
