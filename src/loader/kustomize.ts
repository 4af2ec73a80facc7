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
  /** Objects that name no namespace, placed in the one their kustomize builds give them (buildNamespaces). */
  placed: number;
}

export function emptyKustomizeFacts(): KustomizeFacts {
  return { kustomizations: [], patches: [], namespaces: [], placed: 0 };
}

/** Whether a file's name is one kustomize reads as a kustomization. */
export function isKustomizationFileName(file: string): boolean {
  return KUSTOMIZATION_FILES.has(path.posix.basename(inputPathKey(file)));
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
  const dir = path.posix.dirname(inputPathKey(file));
  const out: string[] = [];
  for (const p of named) {
    const target = entryPath(dir, p);
    if (target !== null) out.push(target);
  }
  return out;
}

/**
 * What an entry of a kustomization in folder `dir` names, as an input path (the folder joined with it,
 * normalised, no trailing slash); null for what is no path of the input: an empty entry, an inline
 * document (a patch written as a string) or a URL (a remote base).
 */
function entryPath(dir: string, entry: unknown): string | null {
  if (typeof entry !== 'string' || !entry || entry.includes('\n') || entry.includes('://')) return null;
  return path.posix.normalize(path.posix.isAbsolute(entry) ? entry : path.posix.join(dir, entry)).replace(/\/$/, '');
}

/** A namespace name as Kubernetes accepts it (a DNS-1123 label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The namespace a kustomization sets for everything it builds, if it names a valid one (anything else is no namespace a cluster could hold). */
export function namespaceOf(kustomization: Record<string, unknown>): string | null {
  return typeof kustomization.namespace === 'string' && NAMESPACE_NAME.test(kustomization.namespace) ? kustomization.namespace : null;
}

/** Normalises an input file's shown path for comparison with patchFilesOf's paths. */
export function inputPathKey(file: string): string {
  return path.posix.normalize(file.replaceAll('\\', '/'));
}

/** One kustomization of the input, as buildNamespaces reads it. */
export interface KustomizationNode {
  /** Its file's input path. */
  file: string;
  value: Record<string, unknown>;
}

/**
 * The namespace each input file's objects get when the kustomizations of the input are built, where
 * that is certain: kustomize's namespace transformer sets `namespace:` on every namespaced object a
 * kustomization builds, its bases' and components' included, and an outer kustomization's runs last,
 * so the outermost one on the path from the build's root wins. A file gets a namespace when every root
 * kustomization (one no other kustomization of the input includes) that reaches it gives the same one;
 * one reached with none, or with two, gets nothing (the user applies one of the builds, and which is
 * not in the input).
 *
 * Only `resources`, `bases` and `components` entries that name a file or a kustomization folder of the
 * input are followed; a remote base, or a path outside the input, is an edge to nothing. Work is bounded
 * by (kustomizations + files) × namespaces: each is visited once per namespace it is reached with.
 */
export function buildNamespaces(nodes: readonly KustomizationNode[], inputFiles: readonly string[]): Map<string, string> {
  const files = new Set(inputFiles.map(inputPathKey));
  const byDir = new Map<string, KustomizationNode>();
  for (const n of nodes) {
    const dir = path.posix.dirname(inputPathKey(n.file));
    // One kustomization per folder, as kustomize reads it; a second document is ignored.
    if (!byDir.has(dir)) byDir.set(dir, n);
  }
  // Each kustomization's edges: files of the input and kustomization folders of the input.
  const edges = new Map<string, { files: string[]; dirs: string[] }>();
  const included = new Set<string>();
  for (const [dir, n] of byDir) {
    const out = { files: [] as string[], dirs: [] as string[] };
    for (const field of ['resources', 'bases', 'components'] as const) {
      const list = n.value[field];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        const target = entryPath(dir, entry);
        if (target === null) continue;
        if (files.has(target)) out.files.push(target);
        else if (byDir.has(target) && target !== dir) {
          out.dirs.push(target);
          included.add(target);
        }
      }
    }
    edges.set(dir, out);
  }
  // Per file: the namespaces its builds give it ('' for none). From every root, each kustomization is
  // visited once per namespace set above it (the outermost one set on the way down, '' while none is).
  const reached = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const stack: Array<[string, string]> = [...byDir.keys()].filter((dir) => !included.has(dir)).map((dir) => [dir, '']);
  while (stack.length) {
    const [dir, outer] = stack.pop()!;
    const key = `${outer}\u0000${dir}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const effective = outer || namespaceOf(byDir.get(dir)!.value) || '';
    const e = edges.get(dir)!;
    for (const f of e.files) {
      let set = reached.get(f);
      if (!set) reached.set(f, (set = new Set()));
      set.add(effective);
    }
    for (const d of e.dirs) stack.push([d, effective]);
  }
  const out = new Map<string, string>();
  for (const [f, set] of reached) {
    if (set.size !== 1) continue;
    const [ns] = set;
    if (ns) out.set(f, ns);
  }
  return out;
}
