import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { MANY_FILES, PARALLEL_MIN_BYTES, dropSpareParseWorker, parseAll, parseFilesByPath, prestartParseWorker, worthReadingByPath } from './pool.js';
import { phase } from './timings.js';
import { runParseTask, type LoadError, type ParseResult, type ParseTask, type ParsedDoc } from './parse.js';
import { decodeInput, displayPath, readInput, tasksForFile, type InputFile } from './read.js';
import { groupOf, isClusterScoped, stringMap, type PathSegment, type Resource } from '../model/resource.js';
import { buildNamespaces, emptyKustomizeFacts, inputPathKey, isKustomization, isKustomizationFileName, isPatchDocument, namespaceOf, patchFilesOf, type KustomizationNode, type KustomizeFacts } from './kustomize.js';

export type { InputFile } from './read.js';
export { displayPath } from './read.js';

export interface LoadOptions {
  limits?: Partial<Limits>;
  /** Parallel parser threads. */
  jobs?: number;
  /** Namespace for namespaced objects that name none. */
  defaultNamespace?: string;
  /** Cluster name stamped on every resource. */
  cluster?: string;
  /** Reads standard input for the `-` path. */
  readStdin?: () => Promise<Buffer | null>;
  /** Leaves out files and folders inside a scanned folder; gets the path relative to that folder, `/`-separated. */
  exclude?: (relativePath: string) => boolean;
}

export interface LoadResult {
  files: InputFile[];
  resources: Resource[];
  errors: LoadError[];
  /** Informational notes, shown with --verbose (skipped non-Kubernetes documents...). */
  notes: string[];
  /** Kustomize sources in the input (kustomize.ts): absent when there were none. */
  kustomize?: KustomizeFacts;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

export async function loadPaths(paths: string[], opts: LoadOptions = {}): Promise<LoadResult> {
  try {
    return await loadPathsWith(paths, opts);
  } finally {
    // A worker started ahead (below) that no parse took: nothing was big enough to share.
    dropSpareParseWorker();
  }
}

async function loadPathsWith(paths: string[], opts: LoadOptions): Promise<LoadResult> {
  phase('start of loading');
  const jobs = opts.jobs ?? 1;
  // A parse worker takes a while to boot: once the input looks big enough to share (many files
  // listed, or megabytes read), one is started, to be parsing by the time the list is complete.
  const mayNeedWorker = jobs >= 2 ? prestartParseWorker : () => undefined;
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  // The inputs in command-line order: standard input read at once, files to read later. The errors
  // of finding and reading them keep that order (a folder's listing errors before its files' errors).
  const inputs: Input[] = [];
  const filePaths: string[] = [];
  const shownPaths: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      const errors: LoadError[] = [];
      const data = await (opts.readStdin ?? (() => readStdin(limits.maxFileBytes)))();
      const f = data ? decodeInput('<stdin>', data, limits, errors) : null;
      if (!data) errors.push({ file: '<stdin>', line: 0, message: `input is over the limit of ${limits.maxFileBytes} bytes; raise --max-file-bytes to read it` });
      inputs.push({ errors, file: f });
      continue;
    }
    const errors: LoadError[] = [];
    const found = discover(p, errors, opts.exclude, filePaths.length, mayNeedWorker);
    inputs.push({ errors, file: null });
    found.paths.forEach((filePath, i) => {
      inputs.push({ errors: [], file: null, path: filePaths.length });
      filePaths.push(filePath);
      shownPaths.push(found.shown[i]);
    });
  }
  phase('files listed');

  if (!worthReadingByPath(filePaths, jobs, statSize)) {
    // Few files: read them here, then parse by bytes (parseAll splits large files across threads).
    const errors: LoadError[] = [];
    const files: InputFile[] = [];
    let bytes = 0;
    for (const input of inputs) {
      for (const e of input.errors) errors.push(e);
      const f = input.path === undefined ? input.file : readInput(filePaths[input.path], shownPaths[input.path], limits, errors);
      if (!f) continue;
      files.push(f);
      bytes += f.text.length;
      if (bytes >= PARALLEL_MIN_BYTES) mayNeedWorker();
    }
    phase('files read');
    return loadFiles(files, { ...opts, limits }, errors);
  }

  // Many files: every thread reads and parses the files it takes (pool.ts).
  const outcomes = await parseFilesByPath(filePaths, shownPaths, limits, jobs);
  phase('parsed');
  const errors: LoadError[] = [];
  const files: InputFile[] = [];
  const parsed: { results: ParseResult[]; fileIndex: number }[] = [];
  let docCount = 0;
  for (const input of inputs) {
    for (const e of input.errors) errors.push(e);
    let file = input.file;
    let results: ParseResult[];
    if (input.path === undefined) {
      if (!file) continue;
      // Standard input among many files: parsed here, as its own file.
      const own = tasksForFile(file, files.length);
      docCount += own.docCount;
      results = docCount > limits.maxDocuments ? [] : own.tasks.map((t) => runParseTask(t, limits));
    } else {
      const outcome = outcomes[input.path];
      for (const e of outcome.readErrors) errors.push(e);
      file = outcome.file;
      if (!file) continue;
      docCount += outcome.docCount;
      results = outcome.results;
    }
    parsed.push({ results, fileIndex: files.length });
    files.push(file);
  }
  if (docCount > limits.maxDocuments) return tooManyDocuments(files, docCount, limits, errors);
  return buildResources(files, parsed, opts, errors);
}

/** Size of a file for planning only (0 when it cannot be stat'ed: reading it will say why). */
function statSize(filePath: string): number {
  try {
    return fs.statSync(filePath).size;
  } catch {
    return 0;
  }
}

/** One command-line input: errors found listing it, then standard input's text or one file to read. */
interface Input {
  errors: LoadError[];
  file: InputFile | null;
  /** Index in the list of file paths to read. */
  path?: number;
}

/** Parses already-read inputs. Also the entry point for tests and stdin-only callers. */
export async function loadFiles(files: InputFile[], opts: LoadOptions = {}, errors: LoadError[] = []): Promise<LoadResult> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const tasks: ParseTask[] = [];
  let docCount = 0;
  files.forEach((f, fileIndex) => {
    const own = tasksForFile(f, fileIndex);
    for (const t of own.tasks) tasks.push(t);
    docCount += own.docCount;
  });
  if (docCount > limits.maxDocuments) return tooManyDocuments(files, docCount, limits, errors);
  phase('split into tasks');
  const results = await parseAll(tasks, limits, opts.jobs ?? 1);
  phase('parsed');
  // Tasks come in file order, so every file's results are in one run of `results`.
  return buildResources(files, [{ results, fileIndex: -1 }], opts, errors);
}

function tooManyDocuments(files: InputFile[], docCount: number, limits: Limits, errors: LoadError[]): LoadResult {
  errors.push({ file: files[0]?.file ?? '<input>', line: 1, message: `inputs hold ${docCount} documents, over the limit of ${limits.maxDocuments}` });
  return { files, resources: [], errors, notes: [] };
}

/**
 * Resource records from parse results, in input order. `fileIndex` -1: the documents carry their
 * file's index already; otherwise it replaces theirs (files parsed by path are numbered before
 * unreadable ones are left out).
 */
function buildResources(files: InputFile[], parsed: { results: ParseResult[]; fileIndex: number }[], opts: LoadOptions, errors: LoadError[]): LoadResult {
  const resources: Resource[] = [];
  const notes: string[] = [];
  // Kustomizations first (kustomize.ts): the files they name as patches are left out whatever their order.
  const kustomize = emptyKustomizeFacts();
  const namedAsKustomization = files.map((f) => isKustomizationFileName(f.file));
  const patchPaths = new Set<string>();
  const namespaces = new Set<string>();
  const nodes: KustomizationNode[] = [];
  for (const { results, fileIndex } of parsed) {
    for (const r of results) {
      for (const d of r.docs) {
        const at = fileIndex < 0 ? d.fileIndex : fileIndex;
        if (!isKustomization(d.value, namedAsKustomization[at])) continue;
        const file = files[at].file;
        nodes.push({ file, value: d.value });
        if (kustomize.kustomizations[kustomize.kustomizations.length - 1] !== file) kustomize.kustomizations.push(file);
        for (const p of patchFilesOf(d.value, file)) patchPaths.add(p);
        const ns = namespaceOf(d.value);
        if (ns !== null) namespaces.add(ns);
      }
    }
  }
  kustomize.namespaces = [...namespaces];
  const patchFile = patchPaths.size ? files.map((f) => patchPaths.has(inputPathKey(f.file))) : null;
  // Where the builds put the objects that name no namespace, unless -n says where they are applied.
  const placed = nodes.length && opts.defaultNamespace === undefined && namespaces.size ? buildNamespaces(nodes, files.map((f) => f.file)) : null;
  const builtNamespace = placed?.size ? files.map((f) => placed.get(inputPathKey(f.file))) : null;
  const ctx: DocContext = { files, resources, notes, defaultNamespace: opts.defaultNamespace ?? 'default', cluster: opts.cluster ?? 'default', namedAsKustomization, patchFile, builtNamespace, kustomize };
  for (const { results, fileIndex } of parsed) {
    for (const r of results) {
      for (const e of r.errors) errors.push(e);
      for (const d of r.docs) addDocument(d, fileIndex < 0 ? d.fileIndex : fileIndex, ctx);
    }
  }
  return { files, resources, errors, notes, ...(kustomize.kustomizations.length || kustomize.patches.length ? { kustomize } : {}) };
}

interface DocContext {
  files: InputFile[];
  resources: Resource[];
  notes: string[];
  defaultNamespace: string;
  cluster: string;
  /** Per file: named as a kustomization (kustomization.yaml). */
  namedAsKustomization: boolean[];
  /** Per file: named as a patch by a kustomization of the input (null: no kustomization names one). */
  patchFile: boolean[] | null;
  /** Per file: the namespace its kustomize builds give objects that name none, where certain (null: none known). */
  builtNamespace: (string | undefined)[] | null;
  kustomize: KustomizeFacts;
}

function addDocument(d: ParsedDoc, fileIndex: number, ctx: DocContext): void {
  const file = ctx.files[fileIndex].file;
  const v = d.value as any;
  // Kustomize sources are not objects: the kustomization itself, and every document of a file it names as a patch.
  if (isKustomization(v, ctx.namedAsKustomization[fileIndex])) return;
  if (ctx.patchFile?.[fileIndex]) {
    ctx.kustomize.patches.push(`${file}:${d.line}`);
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) {
    ctx.notes.push(`${file}:${d.line}: skipped a document that is not a mapping`);
    return;
  }
  if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
    v.items.forEach((item: unknown, i: number) => addObject(item, d, fileIndex, ['items', i], ctx, file));
    return;
  }
  addObject(v, d, fileIndex, [], ctx, file);
}

function addObject(v: any, d: ParsedDoc, fileIndex: number, basePath: PathSegment[], ctx: DocContext, file: string): void {
  const where = basePath.length ? `${file}:${d.line} (items[${basePath[1]}])` : `${file}:${d.line}`;
  if (!v || typeof v !== 'object' || typeof v.apiVersion !== 'string' || typeof v.kind !== 'string' || !v.apiVersion || !v.kind) {
    ctx.notes.push(`${where}: skipped a document that is not a Kubernetes object (no apiVersion or kind)`);
    return;
  }
  // A strategic-merge patch (`$patch: delete`, `replace`) says what to do to an object, and is none.
  if (isPatchDocument(v)) {
    ctx.kustomize.patches.push(where);
    return;
  }
  const meta = v.metadata && typeof v.metadata === 'object' && !Array.isArray(v.metadata) ? v.metadata : {};
  const kind: string = v.kind;
  let name = typeof meta.name === 'string' && meta.name ? meta.name : '';
  if (!name) {
    name = typeof meta.generateName === 'string' && meta.generateName ? `${meta.generateName}*` : '(unnamed)';
    ctx.notes.push(`${where}: ${kind} has no metadata.name; shown as "${name}"`);
  }
  const clusterScoped = isClusterScoped(kind);
  const own = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : '';
  const built = clusterScoped || own ? undefined : ctx.builtNamespace?.[fileIndex];
  if (built !== undefined) ctx.kustomize.placed++;
  const namespace = clusterScoped ? '' : own || built || ctx.defaultNamespace;
  ctx.resources.push({
    id: ctx.resources.length,
    cluster: ctx.cluster,
    apiVersion: v.apiVersion,
    group: groupOf(v.apiVersion),
    kind,
    namespace,
    name,
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    obj: v,
    source: { file, fileIndex, docStart: d.start, docEnd: d.end, line: d.line, basePath },
  });
}

/** Files found under one command-line path, with the path each is shown as. */
interface Found {
  paths: string[];
  shown: string[];
}

/**
 * Lists one command-line path. `listedBefore` files were found by earlier paths; `onMany` is called
 * when the total reaches MANY_FILES.
 */
function discover(p: string, errors: LoadError[], exclude: ((relativePath: string) => boolean) | undefined, listedBefore: number, onMany: () => void): Found {
  const found: Found = { paths: [], shown: [] };
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    errors.push({ file: displayPath(p), line: 0, message: 'no such file or directory; check the path' });
    return found;
  }
  if (st.isFile()) {
    found.paths.push(p);
    found.shown.push(displayPath(p));
    return found;
  }
  if (!st.isDirectory()) {
    errors.push({ file: displayPath(p), line: 0, message: 'not a regular file or directory; skipped' });
    return found;
  }
  const many = { from: Math.max(0, MANY_FILES - listedBefore), call: onMany };
  walk(p, displayPath(p), found, errors, exclude ? (full) => exclude(path.relative(p, full).split(path.sep).join('/')) : () => false, many);
  return found;
}

/**
 * Recurses into a folder. Symbolic links inside it are not followed: a scanned repo must not make
 * meshward read outside it. A folder that cannot be listed is an error entry and the walk goes on.
 * Each file's display path is its folder's plus its name, which is what displayPath() would give
 * without resolving every one of thousands of paths against the working directory (it would differ
 * only for names in the working directory itself, handled apart).
 */
function walk(dir: string, shownDir: string, found: Found, errors: LoadError[], excluded: (full: string) => boolean, many: { from: number; call: () => void }): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    errors.push({ file: shownDir, line: 0, message: `cannot read folder (${code}); its files were not scanned: check its permissions` });
    return;
  }
  const isCwd = path.resolve(dir) === process.cwd();
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (excluded(full)) continue;
    const isDir = e.isDirectory();
    if (isDir ? SKIPPED_DIRS.has(e.name) : !e.isFile() || !EXTENSIONS.has(path.extname(e.name).toLowerCase())) continue;
    // In the working directory, displayPath shows `name` (or an absolute path for a name starting with `..`).
    const shown = isCwd ? displayPath(full) : `${shownDir}/${e.name}`;
    if (isDir) walk(full, shown, found, errors, excluded, many);
    else {
      found.paths.push(full);
      found.shown.push(shown);
      if (found.paths.length === many.from) many.call();
    }
  }
}

/** Reads standard input, stopping (and returning null) once it passes `limit` bytes. */
async function readStdin(limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > limit) {
      process.stdin.destroy();
      return null;
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
