import { isIPv4, isIPv6 } from 'node:net';
import { parseImage } from '../../model/images.js';
import type { ContainerRef, Workload } from '../../model/workloads.js';
import type { RuleSettings } from '../../config/settings.js';
import type { NamespaceInfo } from '../../model/namespaces.js';
import { describe, type PathSegment } from '../../model/resource.js';
import type { EvidenceInput } from '../types.js';
import { quoteValue, terminalSafe } from '../../engine/text.js';
import type { MeshModel } from '../../model/model.js';
import type { InjectorInfo } from '../../model/injector.js';

/** Container names Istio's injector gives the containers it adds. */
export const PROXY_CONTAINER_NAMES = new Set(['istio-proxy', 'istio-init', 'istio-validation']);

/**
 * Is this image one the settings trust as Istio's proxy? Matched on registry + repository; an entry
 * that pins a digest (`name@sha256:...`) also requires that digest. `auto` is the placeholder the
 * gateway injection template replaces with the real proxy image.
 */
export function isTrustedProxyImage(image: string, settings: RuleSettings): boolean {
  if (image === 'auto') return true;
  const trust = trustOf(settings.trustedProxyImages);
  let verdict = trust.verdicts.get(image);
  if (verdict === undefined) {
    verdict = decideTrust(image, trust.entries);
    if (trust.verdicts.size >= VERDICT_LIMIT) trust.verdicts.clear();
    trust.verdicts.set(image, verdict);
  }
  return verdict;
}

function decideTrust(image: string, entries: readonly TrustedEntry[]): boolean {
  const ref = parseImage(image);
  if (!ref) return false;
  for (const { name, digest } of entries) {
    if (name !== ref.name) continue;
    if (digest && ref.digest !== digest) continue;
    return true;
  }
  return false;
}

/** A trusted entry, parsed: `registry/repository` and the pinned digest, if any. */
interface TrustedEntry {
  name: string;
  digest: string | undefined;
}

/**
 * The trusted list parsed once, with the verdict for each image text met so far: several rules ask
 * about every proxy-named container, and the same images recur across thousands of pods. Keyed by the
 * list itself (settings are made once per run); a list that changed length is parsed again.
 */
const trustCache = new WeakMap<readonly string[], { size: number; entries: TrustedEntry[]; verdicts: Map<string, boolean> }>();
const VERDICT_LIMIT = 4096;

function trustOf(list: readonly string[]): { entries: readonly TrustedEntry[]; verdicts: Map<string, boolean> } {
  let trust = trustCache.get(list);
  if (!trust || trust.size !== list.length) {
    const entries: TrustedEntry[] = [];
    for (const entry of list) {
      const [name, digest] = entry.split('@');
      const want = parseImage(name);
      if (want) entries.push({ name: want.name, digest });
    }
    trust = { size: list.length, entries, verdicts: new Map() };
    trustCache.set(list, trust);
  }
  return trust;
}

/**
 * A container named like one Istio injects and running a trusted proxy image: what BYP003 leaves to
 * the injector (its NET_ADMIN/NET_RAW are Istio's own) and BYP010 checks for the injector's shape.
 */
export function isIstioImageContainer(c: ContainerRef, settings: RuleSettings, model?: MeshModel, w?: Workload): boolean {
  if (!PROXY_CONTAINER_NAMES.has(c.name)) return false;
  if (isTrustedProxyImage(c.image, settings)) return true;
  return !!model && !!w && injectorImageOf(model, w, c.image) !== null;
}

/**
 * A container running istiod: the `pilot` image of a hub whose `proxyv2` the settings trust (the
 * hubs Istio publishes both to). Istio's own Deployment ran istiod as UID and GID 1337 through 1.19
 * (istio/istio#45394, in 1.20, dropped the fixed IDs for OpenShift); istiod has no sidecar, so those
 * IDs bypass nothing there. A trusted entry pinned to a digest trusts that one image, not its hub.
 */
export function isIstiodContainer(c: ContainerRef, settings: RuleSettings): boolean {
  return isTrustedHubImage(c.image, 'pilot', settings);
}

/** Images of Istio's own components that run without a sidecar by design: istiod, the CNI agent, ztunnel. */
const CONTROL_PLANE_IMAGES = ['pilot', 'install-cni', 'ztunnel'] as const;

/**
 * A workload of Istio's own control plane or node agents (every running container is istiod, the CNI
 * agent or ztunnel, from a hub whose proxy the settings trust): Istio's charts turn injection off for
 * them wherever they are installed, as they must not run behind a sidecar.
 */
export function isIstioComponentWorkload(w: Workload, settings: RuleSettings): boolean {
  const running = w.containers.filter((c) => c.kind === 'container');
  return running.length > 0 && running.every((c) => CONTROL_PLANE_IMAGES.some((name) => isTrustedHubImage(c.image, name, settings)));
}

/**
 * An image Istio publishes beside its proxy: `<hub>/<name>` of a hub whose `proxyv2` the settings
 * trust (istiod's `pilot`, the `agentgateway` proxy of Istio's agentgateway class, 1.29 and later:
 * pkg/kube/inject AgentgatewayImage builds it from the same hub and tag). A trusted entry pinned to a
 * digest trusts that one image, not its hub.
 */
function isTrustedHubImage(image: string, name: string, settings: RuleSettings): boolean {
  const ref = parseImage(image);
  if (!ref || !ref.name.endsWith(`/${name}`)) return false;
  const proxy = `${ref.name.slice(0, -name.length)}proxyv2`;
  return trustOf(settings.trustedProxyImages).entries.some((e) => e.name === proxy && !e.digest);
}

const REV = 'istio.io/rev';
/** Image variants Istio publishes for one build (`1.24.2-distroless`). */
const VARIANT = /-(distroless|debug)$/;

/**
 * The injector (from the input) that wrote, or will write, this workload's proxy: its revision is the
 * pod's istio.io/rev annotation or label, else its namespace's istio.io/rev, else the default ('').
 */
export function injectorFor(model: MeshModel, w: Workload): { revision: string; injector: InjectorInfo | undefined } {
  const own = Object.prototype.hasOwnProperty.call(w.podAnnotations, REV)
    ? w.podAnnotations[REV]
    : Object.prototype.hasOwnProperty.call(w.podLabels, REV)
      ? w.podLabels[REV]
      : model.namespace(w.namespace).revision;
  const revision = !own || own === 'default' ? '' : own;
  return { revision, injector: model.injectors.get(revision) };
}

/** Same repository and, when both have one, the same build tag (variants aside). */
export function sameProxyBuild(a: string, b: string): boolean {
  const x = parseImage(a);
  const y = parseImage(b);
  if (!x || !y || x.name !== y.name) return false;
  if (!x.tag || !y.tag) return true;
  return x.tag.replace(VARIANT, '') === y.tag.replace(VARIANT, '');
}

/**
 * The injector whose configured proxy image this is (the installation's own choice, such as a private
 * mirror), or null. Only an image the injector of the workload's revision writes counts.
 */
export function injectorImageOf(model: MeshModel, w: Workload, image: string): InjectorInfo | null {
  if (!image) return null;
  const { injector } = injectorFor(model, w);
  return injector?.proxyImage && sameProxyBuild(image, injector.proxyImage) ? injector : null;
}

/**
 * A genuine Istio-injected container: a proxy container name, a trusted proxy image *and* the shape
 * the injector gives it (see `proxyShapeProblems`). Never by name alone.
 */
export function isGenuineProxyContainer(c: ContainerRef, settings: RuleSettings): boolean {
  return isIstioImageContainer(c, settings) && proxyShapeProblems(c).length === 0;
}

export interface ShapeProblem {
  path: PathSegment[];
  severity: 'critical' | 'high';
  /** What is wrong, as the end of a sentence ("adds capability SYS_ADMIN, which ..."). */
  what: string;
  key: string;
}

/** What the injection template gives istio-init when the CNI plugin is off: these two, after dropping ALL. */
const INIT_CAPABILITIES = new Set(['NET_ADMIN', 'NET_RAW']);

/**
 * How a container named istio-init / istio-validation / istio-proxy differs from what Istio's
 * injector (1.20 to 1.30) writes. istio-init: an init container (never a main or native-sidecar one)
 * adding at most NET_ADMIN and NET_RAW and not privileged (the template writes `privileged:
 * <values.global.proxy.privileged>`, false unless an installer turned it on); istio-validation: an
 * init container adding no capability, not privileged; istio-proxy: a main container, or a native
 * sidecar (init container with restartPolicy Always). Empty when the shape is Istio's.
 */
export function proxyShapeProblems(c: ContainerRef): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  const native = c.kind === 'initContainer' && c.spec?.restartPolicy === 'Always';
  if (c.name === 'istio-proxy') {
    if (c.kind === 'ephemeralContainer' || (c.kind === 'initContainer' && !native)) {
      out.push({ path: c.path, severity: 'high', key: 'kind', what: `is ${c.kind === 'ephemeralContainer' ? 'an ephemeral container' : 'an init container without restartPolicy: Always'}, while Istio injects istio-proxy as a main container or a native sidecar` });
    }
    return out;
  }
  if (c.name !== 'istio-init' && c.name !== 'istio-validation') return out;
  if (c.kind !== 'initContainer' || native) {
    const was = c.kind === 'container' ? 'a main container' : c.kind === 'ephemeralContainer' ? 'an ephemeral container' : 'a native sidecar (restartPolicy: Always)';
    out.push({
      path: c.kind === 'initContainer' ? [...c.path, 'restartPolicy'] : c.path,
      severity: 'high',
      key: 'kind',
      what: `is ${was}, while Istio only ever injects ${c.name} as an init container that runs once before the application: this one keeps running beside the application${c.name === 'istio-init' ? ' with the rights to rewrite the pod\'s redirection' : ''}`,
    });
  }
  const sc = c.spec?.securityContext;
  if (sc === null || typeof sc !== 'object' || Array.isArray(sc)) return out;
  if (sc.privileged === true) {
    out.push({
      path: [...c.path, 'securityContext', 'privileged'],
      severity: 'high',
      key: 'privileged',
      what: `runs privileged, which the injector writes only when the installation sets values.global.proxy.privileged=true: a privileged container in the pod can reach the node, far beyond the NET_ADMIN and NET_RAW that traffic redirection needs`,
    });
  }
  const caps = sc.capabilities;
  const add = caps !== null && typeof caps === 'object' && Array.isArray(caps.add) ? caps.add : [];
  const allowed = c.name === 'istio-init' ? INIT_CAPABILITIES : new Set<string>();
  const seen = new Set<string>();
  add.slice(0, 1000).forEach((raw: unknown, i: number) => {
    const cap = normalizeCapability(raw);
    if (!cap || allowed.has(cap) || seen.has(cap)) return;
    seen.add(cap);
    const grave = cap === 'SYS_ADMIN' || cap === 'ALL';
    out.push({
      path: [...c.path, 'securityContext', 'capabilities', 'add', i],
      severity: grave ? 'critical' : 'high',
      key: `cap/${cap}`,
      what: `adds capability ${cap}${raw !== cap ? ` (written ${shown(raw, 40)})` : ''}, which Istio's injector never gives ${c.name} (${c.name === 'istio-init' ? 'it adds only NET_ADMIN and NET_RAW' : 'it adds none'})${grave ? `: ${cap === 'ALL' ? 'every capability' : 'SYS_ADMIN'} is close to root on the node` : ''}`,
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the BYP rules. Every input is hostile: each helper checks types and treats a
// malformed value as "not what we are looking for" (or as "invalid", where that matters) rather than
// throwing.
// ---------------------------------------------------------------------------------------------

/**
 * Why an image is or is not trusted as Istio's proxy, in words for a message. Same decision as
 * `isTrustedProxyImage`, with the reason: not a valid reference, a trusted repository at another
 * digest than the pinned one, or simply not a trusted repository.
 */
export function proxyImageVerdict(image: string, settings: RuleSettings): { trusted: boolean; reason: string } {
  if (isTrustedProxyImage(image, settings)) return { trusted: true, reason: 'a trusted Istio proxy image' };
  const ref = parseImage(image);
  if (!ref) return { trusted: false, reason: 'not a valid image reference' };
  const pinned = settings.trustedProxyImages.some((entry) => {
    const [name, digest] = entry.split('@');
    return !!digest && parseImage(name)?.name === ref.name;
  });
  if (pinned) return { trusted: false, reason: `from a trusted repository but not at the pinned digest (${ref.digest ? 'another digest' : 'no digest given'})` };
  return { trusted: false, reason: `not a trusted Istio proxy image (repository ${/^[A-Za-z0-9_.:/@-]{1,200}$/.test(ref.name) ? ref.name : shown(ref.name)} is not in settings.trustedProxyImages)` };
}

/** `container "app"`, `init container "setup"`, `ephemeral container "debug"`; unnamed ones by index. */
export function containerLabel(c: ContainerRef): string {
  const kind = c.kind === 'initContainer' ? 'init container' : c.kind === 'ephemeralContainer' ? 'ephemeral container' : 'container';
  return c.name ? `${kind} ${shown(c.name, 80)}` : `${kind} #${c.index}`;
}

/** A stable per-container key for fingerprints: kind and name (index when unnamed). */
export function containerKey(c: ContainerRef): string {
  return `${c.kind}/${c.name || `#${c.index}`}`;
}

/** `Deployment shop/web`; control characters in a hostile name are escaped. */
export function workloadLabel(w: Workload): string {
  return terminalSafe(describe(w.resource));
}

/** A value for a message: JSON-quoted, control characters escaped, never longer than `max`. */
export function shown(v: unknown, max = 120): string {
  return quoteValue(v, max);
}

/**
 * A Linux capability name as container runtimes read it: case-insensitive, with or without the
 * `CAP_` prefix. `null` for anything that is not a non-empty string.
 */
export function normalizeCapability(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  let s = v.trim().toUpperCase();
  if (s.startsWith('CAP_')) s = s.slice(4);
  return s && s.length <= 64 ? s : null;
}

/**
 * The pod's own `sidecar.istio.io/inject` setting, read as Istio's injector reads it: the label wins
 * over the (legacy) annotation; `true`, `yes`, `y` and `on` (any case) opt in; the empty string means
 * "namespace default"; every other value opts out. `null` when neither is set.
 */
export function sidecarInjectSetting(
  w: Workload,
): { value: string; source: 'label' | 'annotation'; path: PathSegment[]; inject: boolean | null } | null {
  const name = 'sidecar.istio.io/inject';
  let source: 'label' | 'annotation';
  let value: string;
  if (Object.prototype.hasOwnProperty.call(w.podLabels, name)) {
    source = 'label';
    value = w.podLabels[name];
  } else if (Object.prototype.hasOwnProperty.call(w.podAnnotations, name)) {
    source = 'annotation';
    value = w.podAnnotations[name];
  } else return null;
  const v = String(value).toLowerCase();
  const inject = v === '' ? null : v === 'true' || v === 'yes' || v === 'y' || v === 'on';
  return { value, source, path: [...w.metaPath, source === 'label' ? 'labels' : 'annotations', name], inject };
}

/** The namespace label that decides its data-plane mode (for messages and evidence); null when no label does. */
export function modeLabel(ns: NamespaceInfo): { key: string; value: string } | null {
  const l = ns.labels;
  const pick = (key: string) => (l[key] !== undefined ? { key, value: l[key] } : null);
  if (ns.mode === 'sidecar') return l['istio-injection'] === 'enabled' ? pick('istio-injection') : ns.revision ? pick('istio.io/rev') : null;
  if (ns.mode === 'ambient') return pick('istio.io/dataplane-mode');
  return pick('istio-injection') ?? pick('istio.io/dataplane-mode');
}

/** Evidence entry pointing at the Namespace object and the label that sets its mode (when the object is in the input). */
export function namespaceEvidence(ns: NamespaceInfo): EvidenceInput[] {
  if (!ns.resource) return [];
  const label = modeLabel(ns);
  return [
    {
      role: 'namespace',
      description: label
        ? `Namespace ${ns.name} has label ${label.key}=${shown(label.value, 60)} (data-plane mode: ${ns.mode ?? 'unknown'})`
        : ns.injectedByDefault
          ? `Namespace ${ns.name} has no injection label and the default injector has enableNamespacesByDefault on (data-plane mode: sidecar)`
          : `Namespace ${ns.name} (data-plane mode: ${ns.mode ?? 'unknown'})`,
      resource: ns.resource,
      path: label ? ['metadata', 'labels', label.key] : ['metadata'],
    },
  ];
}

/**
 * Namespace evidence plus, when the namespace is injected only because of the default injector's
 * enableNamespacesByDefault, the injector ConfigMap / IstioOperator that says so.
 */
export function injectionEvidence(model: MeshModel, ns: NamespaceInfo): EvidenceInput[] {
  const out = namespaceEvidence(ns);
  const injector = ns.injectedByDefault ? model.injectors.get('') : undefined;
  if (injector) {
    out.push({
      role: 'injector',
      description: `${describe(injector.resource)} sets sidecarInjectorWebhook.enableNamespacesByDefault: true, so namespaces without injection labels are injected`,
      resource: injector.resource,
      path: injector.enablePath,
    });
  }
  return out;
}

export interface Cidr {
  text: string;
  family: 4 | 6;
  prefix: number;
}

/**
 * Parses `addr/prefix` the way Istio's injector validates it (Go `netip.ParsePrefix`): an IPv4 or
 * IPv6 address without a zone, a slash, and a decimal prefix without leading zeros that fits the
 * family. `null` when it is not a CIDR.
 */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const slash = text.indexOf('/');
  if (slash <= 0) return null;
  const addr = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits) || addr.includes('%')) return null;
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 0;
  if (!family) return null;
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return null;
  return { text, family, prefix };
}

/**
 * Splits an annotation's comma-separated list: items trimmed, empty items dropped, at most `max`
 * items kept (a hostile value can be huge; the rest are counted, not parsed).
 */
export function splitList(value: string, max = 1000): { items: string[]; dropped: number } {
  const all = String(value).split(',');
  const items: string[] = [];
  let dropped = 0;
  for (const raw of all) {
    const s = raw.trim();
    if (!s) continue;
    if (items.length < max) items.push(s);
    else dropped++;
  }
  return { items, dropped };
}

/** A port as Istio's injector parses it: a decimal integer from 0 to 65535 (surrounding spaces allowed). */
export function isPort(s: string): boolean {
  return /^[0-9]{1,5}$/.test(s) && Number(s) <= 65535;
}

/** `a, b, c and 4 more`, each item shown quoted when it is not a plain token. */
export function listSome(items: readonly string[], max = 5): string {
  const head = items.slice(0, max).map((s) => (/^[A-Za-z0-9_.:/*-]{1,64}$/.test(s) ? s : shown(s, 40)));
  if (items.length <= max) return head.join(', ');
  return `${head.join(', ')} and ${items.length - max} more`;
}

/** Pod labels istiod's gateway deployment controller puts on the proxies it deploys for Gateway API Gateways (and waypoints). */
export const GATEWAY_POD_LABELS = ['gateway.networking.k8s.io/gateway-name', 'gateway.istio.io/managed'] as const;

/**
 * A proxy istiod's gateway controller deploys for a Gateway API Gateway or a waypoint (the
 * kube-gateway / waypoint templates): its pods are labelled `gateway.networking.k8s.io/gateway-name`
 * or `gateway.istio.io/managed` (or the workload is owned by a Gateway), and the templates label them
 * `sidecar.istio.io/inject: "false"` and `istio.io/dataplane-mode: none` because the pod is itself the
 * proxy. Only when every container is that proxy (istio-proxy, a main container, Istio's image, as
 * `isIstioImageContainer` decides; or, for the agentgateway class, `agentgateway` running Istio's
 * agentgateway image of a trusted hub): a pod that merely claims the label, runs another image or runs
 * anything beside the proxy is not one. Returns the label or owner that marks it, or null.
 */
export function managedGatewayProxy(w: Workload, settings: RuleSettings, model: MeshModel): string | null {
  // The pods meshward expects istiod to deploy for a Gateway of a class it deploys (no manifest of
  // them is in the input; the model stands them in with injection off, as istiod labels them).
  if (w.synthetic === 'gateway-api') return 'a Gateway API Gateway of a class istiod deploys';
  let mark: string | null = GATEWAY_POD_LABELS.find((k) => Object.prototype.hasOwnProperty.call(w.podLabels, k)) ?? null;
  if (!mark) {
    const refs = w.resource.obj?.metadata?.ownerReferences;
    const byGateway = Array.isArray(refs) && refs.some((r) => r !== null && typeof r === 'object' && r.kind === 'Gateway' && typeof r.apiVersion === 'string' && r.apiVersion.startsWith('gateway.networking.k8s.io/'));
    if (byGateway) mark = 'ownerReferences';
  }
  if (!mark) return null;
  const running = w.containers.filter((c) => c.kind !== 'ephemeralContainer');
  if (running.length === 0) return null;
  const allProxy = running.every(
    (c) => c.kind === 'container' && ((c.name === 'istio-proxy' && isIstioImageContainer(c, settings, model, w)) || (c.name === 'agentgateway' && isTrustedHubImage(c.image, 'agentgateway', settings))),
  );
  return allProxy ? mark : null;
}
