/**
 * Which Istio versions a mesh runs, read from the model:
 *
 * - container images of the components `pilot` (istiod), `proxyv2` (sidecars and gateways), `ztunnel` and
 *   `install-cni`, on any registry and under any path, in every workload kind; tags may carry suffixes
 *   (`-distroless`, `-debug`, vendor builds such as `-solo` or `-tetrate-v0`); an image pinned by digest
 *   alone has no readable version and is reported as unknown;
 * - the `sidecar.istio.io/proxyImage` pod annotation (the proxy image injected into that pod);
 * - IstioOperator `spec.tag` (else `spec.values.global.tag`), with `spec.hub` and `spec.revision`;
 * - the Sail operator's Istio resource (sailoperator.io, OpenShift Service Mesh 3): `spec.version`;
 * - Helm values `global.tag`, as istiod itself reads them: the `values` key of the
 *   `istio-sidecar-injector[-<revision>]` ConfigMap that the Helm chart renders. A bare values file is not a
 *   Kubernetes object and is not loaded; scan the rendered chart (`helm template`) instead.
 *
 * Revision labels (`istio.io/rev: 1-22-3`) are names, never versions: they only pair proxies with the
 * control plane of the same revision.
 */
import { SAIL_GROUP } from '../model/meshconfig.js';
import { parseImage, type ImageRef } from '../model/images.js';
import type { MeshModel } from '../model/model.js';
import { describe, type PathSegment, type Resource } from '../model/resource.js';
import { isObject, type ContainerRef, type Workload } from '../model/workloads.js';
import { parseIstioVersion, type IstioVersion } from './version.js';
import { OwnMemo } from '../model/own-memo.js';
import { viewOrigin } from '../model/overlay.js';

export type IstioComponent = 'istiod' | 'proxy' | 'ztunnel' | 'cni';

export const COMPONENT_LABELS: Record<IstioComponent, string> = {
  istiod: 'istiod (control plane)',
  proxy: 'Envoy proxy (sidecar or gateway)',
  ztunnel: 'ztunnel',
  cni: 'Istio CNI node agent',
};

/** Image repository names (last path segment) of Istio's components. */
const IMAGE_COMPONENTS: Record<string, IstioComponent> = {
  pilot: 'istiod',
  proxyv2: 'proxy',
  ztunnel: 'ztunnel',
  'install-cni': 'cni',
};

/** Container names Istio's charts and injector use; with them, an unknown tag is worth reporting. */
const ISTIO_CONTAINER_NAMES = new Set(['discovery', 'istio-proxy', 'istio-init', 'istio-validation', 'ztunnel', 'install-cni']);

export const PROXY_IMAGE_ANNOTATION = 'sidecar.istio.io/proxyImage';
export const REVISION_LABEL = 'istio.io/rev';

export interface DetectedVersion {
  component: IstioComponent;
  /** The object to report on. */
  resource: Resource;
  /** Field holding the version: the container `image`, the annotation, `spec.tag`, `data.values`. */
  path: PathSegment[];
  source: 'image' | 'annotation' | 'istiooperator' | 'sail' | 'helm-values';
  /** For messages: `container "discovery" of Deployment istio-system/istiod`. */
  where: string;
  /** The image reference or tag as written (truncated for display). */
  text: string;
  image: ImageRef | null;
  /** null when the version cannot be read; `unknownReason` says why. */
  version: IstioVersion | null;
  unknownReason: string | null;
  /** Whether an unknown version is plausibly Istio's (registry path or container name says so). */
  likelyIstio: boolean;
  /**
   * Revision: for istiod, the one it serves; for proxies, the one their pods use (pod label, else the
   * namespace's). null: the default revision.
   */
  revision: string | null;
  /** Stable, distinguishes several versions on one object; feeds the finding fingerprint. */
  key: string;
}

const cache = new OwnMemo<MeshModel, DetectedVersion[]>('istio-versions');
/**
 * Each workload's versions, with the revision of its namespace they were read under, kept by the
 * workload's object: a workload is read from its object alone (workloadOf), so a model's overlays, and
 * a model built again from the same objects (the incremental engine's compaction), find every
 * unchanged workload's versions here and detection after a change reads one workload. A Namespace
 * relabelled in place (an overlay too) keeps its workloads while its `istio.io/rev` changes what their
 * proxies' revision is: the revision is checked. A workload the model makes up (a gateway-API
 * Gateway's pods) is kept by the workload itself.
 */
/** `namespaceRevision` undefined: no version read depends on it (most workloads: no Istio image at all). */
type Detected = { namespaceRevision?: string | null; found: readonly DetectedVersion[] };
const byObject = new WeakMap<Resource, Detected>();
const bySyntheticWorkload = new WeakMap<Workload, Detected>();
const NONE: readonly DetectedVersion[] = Object.freeze([]);

/**
 * Every Istio version the model reveals. Computed once per model (three rules read it). A view (an
 * admission review's overlay, or a view whose loops are cut to the object under review) answers for
 * the whole model it stands for: all its workloads, and its base's IstioOperators, Sail resources and
 * injector ConfigMaps, which an overlay never changes (it refuses such a change: modelWideReason).
 */
export function detectIstioVersions(model: MeshModel): DetectedVersion[] {
  let out = cache.get(model);
  if (!out) {
    out = [];
    const origin = viewOrigin(model);
    for (const w of origin ? origin.workloads : model.workloads) for (const v of workloadVersions(model, w)) out.push(v);
    const configs = origin ? origin.base : model;
    for (const iop of configs.ofKind('install.istio.io', 'IstioOperator')) fromIstioOperator(iop, out);
    for (const istio of configs.ofKind(SAIL_GROUP, 'Istio')) fromSailIstio(istio, out);
    for (const cm of configs.ofKind('', 'ConfigMap')) fromInjectorConfigMap(cm, out);
    cache.set(model, out);
  }
  return out;
}

/** The versions one workload reveals, read once per object (byObject). */
function workloadVersions(model: MeshModel, w: Workload): readonly DetectedVersion[] {
  const memo: WeakMap<object, Detected> = w.synthetic ? bySyntheticWorkload : byObject;
  const key = w.synthetic ? w : w.resource;
  let known = memo.get(key);
  if (!known || (known.namespaceRevision !== undefined && known.namespaceRevision !== model.namespace(w.namespace).revision)) {
    const read: DetectedVersion[] = [];
    const namespaceRevision = fromWorkload(model, w, read);
    known = { found: read.length ? read : NONE };
    if (namespaceRevision !== undefined) known.namespaceRevision = namespaceRevision;
    memo.set(key, known);
  }
  return known.found;
}

/**
 * Whether a workload (or the workload an object is) reveals an Istio version: the ones that can speak
 * for the control plane's version when the input holds no istiod (controlPlaneVersions), and so be named
 * as its evidence.
 */
export function revealsIstioVersion(model: MeshModel, r: Resource): boolean {
  const w = model.workloadFor(r);
  return w !== undefined && workloadVersions(model, w).length > 0;
}

const controlPlaneCache = new OwnMemo<MeshModel, DetectedVersion[]>('control-plane-versions');

/**
 * The readable versions that decide a mesh's defaults: istiod's (its images, an IstioOperator's or a
 * Sail Istio's version, the injector's Helm values), or the proxies' when the input holds no control
 * plane. A default lives in istiod's code (it builds every proxy's configuration), so a proxy's version
 * speaks for it only when nothing else does. Empty when no version can be read.
 */
export function controlPlaneVersions(model: MeshModel): DetectedVersion[] {
  let out = controlPlaneCache.get(model);
  if (out) return out;
  // A view differs from its base by one object at most (detectIstioVersions): unless the workload it
  // takes out or puts in reveals a version, the base's versions are the view's (their `revision` aside,
  // which a relabelled namespace changes and no reader of these looks at). Read again per review, the
  // whole model's workloads cost the slowest Deployment reviews a fifth of their decision.
  const origin = viewOrigin(model);
  if (origin && ![origin.removed, origin.added].some((w) => w !== null && workloadVersions(origin.base, w).length > 0)) out = controlPlaneVersions(origin.base);
  else {
    const readable = detectIstioVersions(model).filter((d) => d.version && (d.component === 'istiod' || d.component === 'proxy'));
    const istiod = readable.filter((d) => d.component === 'istiod');
    out = istiod.length ? istiod : readable;
  }
  controlPlaneCache.set(model, out);
  return out;
}

/** `docker.io/istio/pilot` → `istiod`; null for images that are not Istio components. */
export function componentOfImage(ref: ImageRef): IstioComponent | null {
  const last = ref.repository.slice(ref.repository.lastIndexOf('/') + 1);
  return Object.prototype.hasOwnProperty.call(IMAGE_COMPONENTS, last) ? IMAGE_COMPONENTS[last] : null;
}

/** Display form of untrusted text: one line, at most 120 characters. */
export function shorten(s: string, max = 120): string {
  const one = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/**
 * Versions read, by image reference: parseImage shares one reference per image text, so thousands of
 * pods running one image share one answer instead of a version object each (kept per detection).
 */
const versionMemo = new WeakMap<ImageRef, { version: IstioVersion | null; reason: string | null }>();

/** Reads the version of an image reference; the reason when it cannot. */
export function versionOfImage(ref: ImageRef): { version: IstioVersion | null; reason: string | null } {
  let known = versionMemo.get(ref);
  if (!known) versionMemo.set(ref, (known = readVersionOfImage(ref)));
  return known;
}

function readVersionOfImage(ref: ImageRef): { version: IstioVersion | null; reason: string | null } {
  if (ref.tag === null) {
    return ref.digest
      ? { version: null, reason: `the image is pinned by digest only (${shorten(ref.digest, 24)}), which names no version` }
      : { version: null, reason: 'the image has no tag, so it runs whatever "latest" was when pulled' };
  }
  const v = parseIstioVersion(ref.tag);
  if (!v) return { version: null, reason: `tag "${shorten(ref.tag, 60)}" is not an Istio version` };
  return { version: v, reason: null };
}

function labelOf(c: ContainerRef): string {
  return c.kind === 'initContainer' ? 'init container' : c.kind === 'ephemeralContainer' ? 'ephemeral container' : 'container';
}

/** Reads a workload's versions into `out`; the namespace revision it read, or undefined when it read none. */
function fromWorkload(model: MeshModel, w: Workload, out: DetectedVersion[]): string | null | undefined {
  const r = w.resource;
  const podRev = w.podLabels[REVISION_LABEL] || null;
  let namespaceRevision: string | null | undefined;
  const proxyRevision = () => podRev ?? (namespaceRevision = model.namespace(w.namespace).revision);
  for (const c of w.containers) {
    if (!c.image || c.image === 'auto') continue;
    const ref = parseImage(c.image);
    if (!ref) continue;
    const component = componentOfImage(ref);
    if (!component) continue;
    const { version, reason } = versionOfImage(ref);
    const revision = component === 'istiod' ? podRev ?? (r.labels[REVISION_LABEL] || null) : proxyRevision();
    out.push({
      component,
      resource: r,
      // Kept for every container of the run: concat makes an array of exactly this size.
      path: c.path.concat('image'),
      source: 'image',
      where: `${labelOf(c)} "${shorten(c.name, 60)}" of ${describe(r)}`,
      text: shorten(c.image),
      image: ref,
      version,
      unknownReason: reason,
      likelyIstio: ref.repository.includes('istio') || ISTIO_CONTAINER_NAMES.has(c.name),
      revision,
      key: `image:${c.kind}:${c.name}:${c.index}`,
    });
  }
  const annotated = w.podAnnotations[PROXY_IMAGE_ANNOTATION];
  if (typeof annotated === 'string' && annotated) {
    const ref = parseImage(annotated);
    const { version, reason } = ref ? versionOfImage(ref) : { version: null, reason: 'the annotation is not an image reference' };
    out.push({
      component: 'proxy',
      resource: r,
      path: w.metaPath.concat('annotations', PROXY_IMAGE_ANNOTATION),
      source: 'annotation',
      where: `annotation ${PROXY_IMAGE_ANNOTATION} of ${describe(r)}`,
      text: shorten(annotated),
      image: ref,
      version,
      unknownReason: reason,
      likelyIstio: true,
      revision: proxyRevision(),
      key: 'annotation:proxyImage',
    });
  }
  return namespaceRevision;
}

function fromIstioOperator(iop: Resource, out: DetectedVersion[]): void {
  const spec = iop.obj?.spec;
  if (!isObject(spec)) return;
  const revision = typeof spec.revision === 'string' && spec.revision ? spec.revision : null;
  const hub = typeof spec.hub === 'string' ? spec.hub : typeof spec.values?.global?.hub === 'string' ? spec.values.global.hub : null;
  let path: PathSegment[];
  let tag: unknown;
  if (spec.tag !== undefined && spec.tag !== null) {
    path = ['spec', 'tag'];
    tag = spec.tag;
  } else if (isObject(spec.values) && isObject(spec.values.global) && spec.values.global.tag !== undefined && spec.values.global.tag !== null) {
    path = ['spec', 'values', 'global', 'tag'];
    tag = spec.values.global.tag;
  } else {
    return; // no tag: the operator installs its own version, which the manifest does not say
  }
  out.push(tagEntry(iop, path, tag, hub, revision, 'istiooperator', 'istiod', `${path.join('.')} of ${describe(iop)}`));
}

/**
 * The Sail operator's Istio resource: `spec.version` (`v1.26.2`) is the Istio release it installs; its
 * name is the revision (`default`, the default revision). An alias such as `latest` is no version.
 */
function fromSailIstio(istio: Resource, out: DetectedVersion[]): void {
  const spec = istio.obj?.spec;
  if (!isObject(spec) || spec.version === undefined || spec.version === null) return;
  const tag = typeof spec.version === 'string' ? spec.version.replace(/^v(?=\d)/, '') : spec.version;
  const hub = isObject(spec.values) && isObject(spec.values.global) && typeof spec.values.global.hub === 'string' ? spec.values.global.hub : null;
  const revision = istio.name && istio.name !== 'default' ? istio.name : null;
  out.push(tagEntry(istio, ['spec', 'version'], tag, hub, revision, 'sail', 'istiod', `spec.version of ${describe(istio)}`));
}

/** `istio-sidecar-injector` or `istio-sidecar-injector-<rev>`, whose `values` are the chart's Helm values. */
function fromInjectorConfigMap(cm: Resource, out: DetectedVersion[]): void {
  if (cm.name !== 'istio-sidecar-injector' && !cm.name.startsWith('istio-sidecar-injector-')) return;
  const text = cm.obj?.data?.values;
  if (typeof text !== 'string' || text.length > 1024 * 1024) return;
  let values: any;
  try {
    values = JSON.parse(text);
  } catch {
    return; // not the chart's JSON; nothing to read
  }
  const g = isObject(values) && isObject(values.global) ? values.global : null;
  if (!g || g.tag === undefined || g.tag === null) return;
  const revision = typeof values.revision === 'string' && values.revision ? values.revision : null;
  const hub = typeof g.hub === 'string' ? g.hub : null;
  out.push(tagEntry(cm, ['data', 'values'], g.tag, hub, revision, 'helm-values', 'proxy', `Helm value global.tag in data.values of ${describe(cm)}`));
}

function tagEntry(
  r: Resource,
  path: PathSegment[],
  tag: unknown,
  hub: string | null,
  revision: string | null,
  source: DetectedVersion['source'],
  component: IstioComponent,
  where: string,
): DetectedVersion {
  let version: IstioVersion | null = null;
  let reason: string | null = null;
  let text: string;
  if (typeof tag === 'number') {
    // YAML reads `tag: 1.20` as the number 1.2: the version is already lost, so never guess.
    text = String(tag);
    reason = `the tag is a YAML number (${shorten(text, 20)}), which loses trailing zeros (1.20 reads as 1.2); quote it`;
  } else if (typeof tag === 'string') {
    text = shorten(tag);
    version = parseIstioVersion(tag);
    if (!version) reason = `tag "${shorten(tag, 60)}" is not an Istio version`;
  } else {
    text = typeof tag;
    reason = `the tag is a ${Array.isArray(tag) ? 'list' : typeof tag}, not a string`;
  }
  return {
    component,
    resource: r,
    path,
    source,
    where,
    text: hub ? `${shorten(hub, 80)} tag ${text}` : `tag ${text}`,
    image: null,
    version,
    unknownReason: reason,
    likelyIstio: true,
    revision,
    key: `${source}:${path.join('.')}`,
  };
}
