import type { PathSegment, Resource } from './resource.js';
import { own, setOwn } from './own.js';

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  kind: ContainerKind;
  index: number;
  name: string;
  image: string;
  spec: any;
  /** Path from the object root to this container. */
  path: PathSegment[];
}

/** Anything that runs pods: a Pod, or an object with a pod template. */
export interface Workload {
  resource: Resource;
  namespace: string;
  /** The pod spec. */
  spec: any;
  /** Path from the object root to the pod spec. */
  specPath: PathSegment[];
  /** Path from the object root to the pod's metadata (labels/annotations of the pods it runs). */
  metaPath: PathSegment[];
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  containers: ContainerRef[];
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, PathSegment[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const WORKLOAD_KINDS = ['Pod', ...Object.keys(TEMPLATE_PATHS)];

export function workloadOf(r: Resource): Workload | null {
  let metaPath: PathSegment[];
  let specPath: PathSegment[];
  if (r.kind === 'Pod' && r.group === '') {
    metaPath = ['metadata'];
    specPath = ['spec'];
  } else {
    const t = own(TEMPLATE_PATHS, r.kind);
    if (!t || (r.group !== 'apps' && r.group !== 'batch' && r.group !== '' && r.group !== 'extensions')) return null;
    metaPath = [...t, 'metadata'];
    specPath = [...t, 'spec'];
  }
  const spec = get(r.obj, specPath);
  if (!isObject(spec)) return null;
  const meta = get(r.obj, metaPath);
  const w: Workload = {
    resource: r,
    namespace: r.namespace,
    spec,
    specPath,
    metaPath,
    podLabels: r.kind === 'Pod' ? r.labels : strings(meta?.labels),
    podAnnotations: r.kind === 'Pod' ? r.annotations : strings(meta?.annotations),
    containers: [],
  };
  addContainers(w, 'initContainers', 'initContainer');
  addContainers(w, 'containers', 'container');
  addContainers(w, 'ephemeralContainers', 'ephemeralContainer');
  return w;
}

function addContainers(w: Workload, field: string, kind: ContainerKind): void {
  const list = w.spec[field];
  if (!Array.isArray(list)) return;
  list.forEach((c: any, index: number) => {
    if (!isObject(c)) return;
    w.containers.push({
      kind,
      index,
      name: typeof c.name === 'string' ? c.name : '',
      image: typeof c.image === 'string' ? c.image : '',
      spec: c,
      path: [...w.specPath, field, index],
    });
  });
}

export function get(obj: any, path: readonly PathSegment[]): any {
  let v = obj;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[seg as any];
  }
  return v;
}

export function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strings(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(m)) return out;
  for (const [k, v] of Object.entries(m)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') setOwn(out, k, String(v));
  return out;
}
