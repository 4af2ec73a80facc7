import yaml from 'js-yaml';
import { DEFAULT_LIMITS } from '../loader/limits.js';
import { loadYamlBounded, YamlBoundError } from '../loader/yaml-bounded.js';
import type { Resource } from './resource.js';
import { isObject } from './workloads.js';

/** Where the effective mesh config came from; rules cite it as evidence. */
export interface MeshConfigInfo {
  /** The mesh config object (Istio `MeshConfig`), `{}` when none was found. */
  config: Record<string, any>;
  /** `configmap`, `istiooperator`, `file` (--mesh-config), or `defaults` when nothing was given. */
  origin: 'configmap' | 'istiooperator' | 'file' | 'defaults';
  /** The object that carries it (ConfigMap / IstioOperator), if any. */
  resource: Resource | null;
  /** Path inside that object, e.g. ['data', 'mesh'] or ['spec', 'meshConfig']. */
  path: string[];
  /** The --mesh-config file, if it came from one. */
  file: string | null;
  rootNamespace: string;
  /** Problems reading the mesh config (shown as load errors). */
  errors: string[];
}

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

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
