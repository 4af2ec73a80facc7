/**
 * Kustomize sources in a scanned folder (docs/real-world.md, kubeflow/manifests).
 *
 * A kustomize tree is not the set of objects it applies: `kustomization.yaml` files name bases and
 * patches, and a build merges each patch into its base, deletes what `$patch: delete` names, and sets
 * namespaces, name prefixes and replaced values. Judged as written, a patch is a partial object that
 * reads as a whole one (a Deployment holding only the annotation it adds, with a placeholder a
 * replacement fills in; a Namespace the build deletes), and every finding on it is about something
 * that is never applied. So the loader leaves out:
 *
 * - documents with a top-level `$patch` directive (a strategic-merge patch: `delete`, `replace`);
 * - every document of a file that a kustomization in the input names as a patch (`patches[].path`,
 *   `patchesStrategicMerge`, `patchesJson6902[].path`), resolved against the kustomization's folder.
 *
 * It reads nothing a kustomization names: a path is only compared with the files already in the input
 * (no file outside it is opened, no remote base fetched, no generator or plugin run). What a build
 * would make of the rest is left to `kustomize build DIR | meshward scan -`, which the scan's note says.
 */
import path from 'node:path';

/** Kustomization files by name (kustomize accepts these three; the document may omit apiVersion and kind). */
const KUSTOMIZATION_FILES: ReadonlySet<string> = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io/';

/** What the loader found of kustomize in one input: kustomization files, the patch documents it left out, and the namespaces kustomizations set. */
export interface KustomizeFacts {
  /** Files holding a Kustomization or Component, in input order. */
  kustomizations: string[];
  /** Patch documents left out, as `file:line`. */
  patches: string[];
  /** Namespaces the kustomizations set (`namespace:`), each once. */
  namespaces: string[];
}

export function emptyKustomizeFacts(): KustomizeFacts {
  return { kustomizations: [], patches: [], namespaces: [] };
}

/** Whether a file's name is one kustomize reads as a kustomization. */
export function isKustomizationFileName(file: string): boolean {
  return KUSTOMIZATION_FILES.has(path.posix.basename(file.replaceAll('\\', '/')));
}

/**
 * Whether a parsed document is a kustomization (or a kustomize Component): by its apiVersion, or, when
 * it has none (kustomize does not require one), by its file's name (`namedAsKustomization`).
 */
export function isKustomization(value: unknown, namedAsKustomization: boolean): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.apiVersion === 'string') return v.apiVersion.startsWith(KUSTOMIZE_GROUP) && (v.kind === 'Kustomization' || v.kind === 'Component');
  return namedAsKustomization && v.kind === undefined;
}

/** Whether a document is a strategic-merge patch by its own directive (`$patch: delete` and the like). */
export function isPatchDocument(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, '$patch');
}

/**
 * The files a kustomization names as patches, as input paths (its folder joined with each relative
 * path, normalised). Inline patches and URLs are not files and are left out; a path that matches no
 * file of the input matches nothing.
 */
export function patchFilesOf(kustomization: Record<string, unknown>, file: string): string[] {
  const named: string[] = [];
  const take = (p: unknown) => {
    if (typeof p === 'string') named.push(p);
  };
  const list = (field: unknown, pick: (item: unknown) => unknown) => {
    if (Array.isArray(field)) for (const item of field) take(pick(item));
  };
  list(kustomization.patchesStrategicMerge, (x) => x);
  list(kustomization.patches, (x) => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>).path : undefined));
  list(kustomization.patchesJson6902, (x) => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>).path : undefined));
  const dir = path.posix.dirname(file.replaceAll('\\', '/'));
  const out: string[] = [];
  for (const p of named) {
    // An inline patch (a YAML or JSON document as a string) or a URL is not a file beside the kustomization.
    if (!p || p.includes('\n') || p.includes('://')) continue;
    out.push(path.posix.normalize(path.posix.isAbsolute(p) ? p : path.posix.join(dir, p)));
  }
  return out;
}

/** The namespace a kustomization sets for everything it builds, if it names one. */
export function namespaceOf(kustomization: Record<string, unknown>): string | null {
  return typeof kustomization.namespace === 'string' && kustomization.namespace ? kustomization.namespace : null;
}

/** Normalises an input file's shown path for comparison with patchFilesOf's paths. */
export function inputPathKey(file: string): string {
  return path.posix.normalize(file.replaceAll('\\', '/'));
}
