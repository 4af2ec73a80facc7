import yaml from 'js-yaml';
import { DEFAULT_LIMITS } from '../loader/limits.js';
import { loadYamlBounded, YamlBoundError } from '../loader/yaml-bounded.js';
import { namesNoNamespace, type Resource } from './resource.js';
import { DNS_LABEL_RULE, isNamespaceName } from './names.js';
import { quoteValue, terminalSafe } from '../engine/text.js';
import { isObject } from './workloads.js';

/** Where the effective mesh config came from; rules cite it as evidence. */
export interface MeshConfigInfo {
  /** The mesh config object (Istio `MeshConfig`), `{}` when none was found. */
  config: Record<string, any>;
  /** `configmap`, `istiooperator`, `sail` (the Sail operator's Istio), `file` (--mesh-config), or `defaults` when nothing was given. */
  origin: 'configmap' | 'istiooperator' | 'sail' | 'file' | 'defaults';
  /** The object that carries it (ConfigMap / IstioOperator), if any. */
  resource: Resource | null;
  /** Path inside that object, e.g. ['data', 'mesh'] or ['spec', 'meshConfig']. */
  path: string[];
  /** The --mesh-config file, if it came from one. */
  file: string | null;
  rootNamespace: string;
  /** Problems reading the mesh config (shown as load errors). */
  errors: string[];
  /**
   * How it was chosen among several candidates, and other choices the model made reading the input
   * (a Namespace defined twice with different mesh labels): shown as scan notes. Empty when there was
   * nothing to choose.
   */
  notes: string[];
}

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

/**
 * Whether the mesh config is fields of its object (an IstioOperator's or a Sail Istio's), so a finding
 * can point inside it; a ConfigMap holds it as one YAML string, and a file or the defaults as nothing
 * to point into.
 */
export function meshConfigHasFields(mesh: Pick<MeshConfigInfo, 'origin'>): boolean {
  return mesh.origin === 'istiooperator' || mesh.origin === 'sail';
}

/** Reads a mesh config out of the `mesh` key of an `istio` ConfigMap. */
export function meshFromConfigMap(r: Resource): { config: Record<string, any> | null; error: string | null } {
  const text = r.obj?.data?.mesh;
  if (typeof text !== 'string') return { config: null, error: null };
  try {
    const v = loadMeshYaml(text);
    return isObject(v) ? { config: v, error: null } : { config: {}, error: null };
  } catch (err) {
    return { config: null, error: `ConfigMap ${r.namespace}/${r.name} data.mesh: ${meshYamlProblem(err)}` };
  }
}

/**
 * Interprets a --mesh-config file: a bare MeshConfig, Helm values (`meshConfig:`), an IstioOperator
 * (`spec.meshConfig`), or the `istio` ConfigMap itself (`data.mesh`).
 */
export function meshFromFileValue(v: unknown): Record<string, any> | null {
  if (!isObject(v)) return null;
  if (v.kind === 'ConfigMap' && isObject(v.data) && typeof v.data.mesh === 'string') {
    const parsed = loadMeshYaml(v.data.mesh);
    return isObject(parsed) ? parsed : {};
  }
  if (v.kind === 'IstioOperator') return isObject(v.spec?.meshConfig) ? v.spec.meshConfig : {};
  if (isObject(v.meshConfig)) return v.meshConfig;
  return v;
}

/** The mesh config's YAML, bounded like a manifest (a 1 KB billion laughs in data.mesh is refused, not expanded). */
export function loadMeshYaml(text: string): unknown {
  return loadYamlBounded(text, { maxNodes: DEFAULT_LIMITS.maxNodesPerDocument, maxDepth: DEFAULT_LIMITS.maxDepth, schema: yaml.CORE_SCHEMA });
}

/** Why mesh config YAML was refused, without quoting it. */
export function meshYamlProblem(err: unknown): string {
  if (err instanceof YamlBoundError) return err.bound === 'nodes' ? 'expands to too many nodes (possible alias bomb)' : 'is nested too deeply';
  return `invalid YAML: ${(err as { reason?: string }).reason ?? 'unreadable'}`;
}

export function isMeshConfigMap(r: Resource): boolean {
  return r.kind === 'ConfigMap' && r.group === '' && (r.name === 'istio' || r.name.startsWith('istio-')) && typeof r.obj?.data?.mesh === 'string';
}

export interface MeshConfigChoice extends Omit<MeshConfigInfo, 'rootNamespace'> {
  /** How the mesh config was chosen when the input offers several (shown as scan notes). */
  notes: string[];
}

/** `ConfigMap istio-system/istio`. */
function label(r: Resource): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** The Sail operator's Istio resource (sailoperator.io; OpenShift Service Mesh 3 installs Istio with it). */
export const SAIL_GROUP = 'sailoperator.io';

function isSail(r: Resource): boolean {
  return r.group === SAIL_GROUP;
}

/**
 * The revision an install object makes: an IstioOperator's `spec.revision`; for a Sail Istio, its name
 * (the operator names the IstioRevision after it, and `default` is the default revision).
 */
function operatorRevision(r: Resource): string {
  if (isSail(r)) return r.name === 'default' ? '' : r.name;
  const rev = r.obj?.spec?.revision;
  return typeof rev === 'string' && rev !== 'default' ? rev : '';
}

/**
 * Profiles that install no istiod unless `components.pilot.enabled` says so: `empty` (the base for
 * gateway-only and CNI-only installs), and the remote and external profiles, whose clusters read a
 * control plane elsewhere.
 */
const PROFILES_WITHOUT_ISTIOD: ReadonlySet<string> = new Set(['empty', 'remote', 'external']);

/**
 * Whether an install object installs istiod, the one component that renders the mesh config: a Sail
 * Istio always does; an IstioOperator when `components.pilot.enabled` is true, or its profile installs
 * istiod and the pilot component is not turned off. An IstioOperator of only gateways (`profile: empty`
 * with `components.ingressGateways`, as east-west gateway installs are written) renders no mesh config.
 */
export function installsIstiod(r: Resource): boolean {
  if (isSail(r)) return true;
  const spec = r.obj?.spec;
  if (!isObject(spec)) return true;
  const pilot = isObject(spec.components) && isObject(spec.components.pilot) ? spec.components.pilot.enabled : undefined;
  if (typeof pilot === 'boolean') return pilot;
  return !(typeof spec.profile === 'string' && PROFILES_WITHOUT_ISTIOD.has(spec.profile));
}

/** Where an install object keeps its mesh config: IstioOperator `spec.meshConfig`, Sail Istio `spec.values.meshConfig`. */
function installMeshConfig(r: Resource): { config: Record<string, any>; path: string[] } {
  const spec = r.obj?.spec;
  if (!isObject(spec)) return { config: {}, path: [] };
  if (isSail(r)) {
    const values = spec.values;
    if (!isObject(values)) return { config: {}, path: ['spec'] };
    return isObject(values.meshConfig) ? { config: values.meshConfig, path: ['spec', 'values', 'meshConfig'] } : { config: {}, path: ['spec', 'values'] };
  }
  return isObject(spec.meshConfig) ? { config: spec.meshConfig, path: ['spec', 'meshConfig'] } : { config: {}, path: ['spec'] };
}

/**
 * Picks the mesh config istiod would read, and says so when the input offers several. Istio has no
 * merge across these objects: each istiod revision reads its own ConfigMap (`istio` for the default
 * revision, `istio-<rev>` for the others), and an IstioOperator is only rendered into that ConfigMap.
 * So meshward takes, in order: the --mesh-config file; the default revision's `istio` ConfigMap
 * (a revisioned one when there is no default); the rendered ConfigMap over any IstioOperator; an
 * IstioOperator that installs istiod over one that does not (installsIstiod), and the default-revision
 * IstioOperator over revisioned ones. The Sail operator's Istio resources
 * (`spec.values.meshConfig`) count as IstioOperators do: they too are rendered into that ConfigMap.
 * Every other candidate is named in a note so the choice is never silent. The path points at the mesh
 * config when it exists, else at the nearest field that does (an IstioOperator without
 * `spec.meshConfig` is located at `spec`).
 */
export function chooseMeshConfig(configMaps: readonly Resource[], operators: readonly Resource[], explicit: { config: Record<string, any>; file: string } | null): MeshConfigChoice {
  const errors: string[] = [];
  const notes: string[] = [];
  const candidates = configMaps.length + operators.length;
  if (explicit) {
    if (candidates) notes.push(`mesh config: --mesh-config ${explicit.file} is used; the ${candidates === 1 ? 'mesh config' : `${candidates} mesh configs`} in the input (${listLabels([...configMaps, ...operators])}) ${candidates === 1 ? 'is' : 'are'} ignored.`);
    return { config: explicit.config, origin: 'file', resource: null, path: [], file: explicit.file, errors, notes };
  }
  // Default revision first, then by revision name for a stable choice; input order breaks ties.
  const maps = [...configMaps].sort((a, b) => Number(b.name === 'istio') - Number(a.name === 'istio') || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  // Those that install istiod first (a gateway-only IstioOperator renders no mesh config), then the default revision.
  const iops = [...operators].sort((a, b) => Number(installsIstiod(b)) - Number(installsIstiod(a)) || Number(operatorRevision(a) !== '') - Number(operatorRevision(b) !== '') || a.id - b.id);
  let chosen: MeshConfigChoice | null = null;
  for (const cm of maps) {
    const { config, error } = meshFromConfigMap(cm);
    if (error) errors.push(error);
    if (config) {
      chosen = { config, origin: 'configmap', resource: cm, path: ['data', 'mesh'], file: null, errors, notes };
      break;
    }
  }
  if (!chosen && iops.length) {
    const iop = iops[0];
    const { config, path } = installMeshConfig(iop);
    chosen = { config, origin: isSail(iop) ? 'sail' : 'istiooperator', resource: iop, path, file: null, errors, notes };
  }
  if (!chosen) return { config: {}, origin: 'defaults', resource: null, path: [], file: null, errors, notes };
  const others = [...maps, ...iops].filter((r) => r !== chosen!.resource);
  if (others.length) {
    const what = isSail(chosen.resource!) ? 'Sail Istio resource' : 'IstioOperator';
    // Said when the choice passed over install objects of gateways alone, or when none installs istiod.
    const istiod = chosen.origin === 'configmap' || !iops.some((r) => !installsIstiod(r)) ? '' : installsIstiod(chosen.resource!) ? ' that installs istiod' : ', though none installs istiod';
    const why = chosen.origin === 'configmap'
      ? chosen.resource!.name === 'istio' ? "the default revision's ConfigMap, which istiod reads" : 'a revision ConfigMap (no default-revision `istio` ConfigMap in the input)'
      : operatorRevision(chosen.resource!) === ''
        ? `the default-revision ${what}${istiod} (no rendered \`istio\` ConfigMap in the input)`
        : `the first ${what}${istiod} (no default revision in the input)`;
    // Two install objects often read alike (IstioOperators are commonly unnamed): then each is named by its file too.
    const all = [chosen.resource!, ...others];
    const alike = new Set(all.map(label).filter((l, i, ls) => ls.indexOf(l) !== i));
    const named = (r: Resource) => (alike.has(label(r)) && r.source ? `${label(r)} in ${r.source.file}` : label(r));
    notes.push(
      `mesh config: the input holds ${others.length + 1} mesh configs; meshward uses ${named(chosen.resource!)} (${why}) and ignores ${listLabels(others, named)}. Istio does not merge them: each istiod revision reads its own ConfigMap, so proxies of another revision may run another mesh config; scan with --mesh-config to choose.`,
    );
  }
  return chosen;
}

function listLabels(rs: readonly Resource[], name: (r: Resource) => string = label): string {
  const shown = rs.slice(0, 4).map(name).join(', ');
  return rs.length > 4 ? `${shown} and ${rs.length - 4} more` : shown;
}

/**
 * The install objects and mesh ConfigMaps istiod can read: those of a control-plane namespace (the
 * system namespaces), cluster-scoped ones (the Sail operator's Istio) and those of the files that name
 * no namespace (applied where the installer chooses). istiod reads its mesh config from the ConfigMap
 * of its own namespace; one named `istio` in a tenant's namespace is a tenant's data, and taking it for
 * the mesh config let a tenant name its own namespace the root, which meshward counts as the platform
 * (its hijacks no longer reported, every generated Sidecar importing it). The notes name what was
 * passed over and how to have it read.
 */
export function readableMeshConfigs<T extends Resource>(candidates: readonly T[], controlPlane: ReadonlySet<string>): { readable: T[]; notes: string[] } {
  const readable: T[] = [];
  const passed: T[] = [];
  for (const r of candidates) (!r.namespace || controlPlane.has(r.namespace) || namesNoNamespace(r) ? readable : passed).push(r);
  const notes = passed.length
    ? [
        `mesh config: ${listLabels(passed)} ${passed.length === 1 ? 'is' : 'are'} not read as the mesh config: istiod reads the one of its own namespace, and ${[...new Set(passed.map((r) => r.namespace))].slice(0, 4).join(', ')} ${passed.length === 1 ? 'is not a control-plane namespace' : 'are not control-plane namespaces'} (the system namespaces). If istiod runs there, add the namespace to systemNamespaces in .meshward.yaml, or pass --mesh-config.`,
      ]
    : [];
  return { readable, notes };
}

/**
 * The root namespace a mesh config names, or an error when it names something no namespace can be
 * called (`*`, a path): then the default is assumed, so that nothing generated from it (a Sidecar's
 * `ns/*` host, an exemption) reaches further than a namespace.
 */
export function rootNamespaceOf(config: Record<string, any>): { rootNamespace: string; error: string | null } {
  const root = config.rootNamespace;
  if (root === undefined || root === null || root === '') return { rootNamespace: DEFAULT_ROOT_NAMESPACE, error: null };
  if (isNamespaceName(root)) return { rootNamespace: root, error: null };
  const shown = terminalSafe(quoteValue(root, 66));
  return { rootNamespace: DEFAULT_ROOT_NAMESPACE, error: `the mesh config's rootNamespace ${shown} is not a namespace name (${DNS_LABEL_RULE}); meshward assumed ${DEFAULT_ROOT_NAMESPACE}. Fix the value in the mesh config.` };
}
