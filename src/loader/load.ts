import fs from 'node:fs';
import { setOwn } from '../model/own.js';
import path from 'node:path';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { parseAll } from './pool.js';
import { phase } from './timings.js';
import type { LoadError, ParseTask, ParsedDoc } from './parse.js';
import { splitYamlDocuments, type DocumentSpan } from './split.js';
import { groupOf, isClusterScoped, type PathSegment, type Resource } from '../model/resource.js';

export interface InputFile {
  /** Display path: relative to the working directory when inside it, forward slashes. */
  file: string;
  text: string;
  format: 'yaml' | 'json';
}

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
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const BATCH_BYTES = 1024 * 1024;

export async function loadPaths(paths: string[], opts: LoadOptions = {}): Promise<LoadResult> {
  phase('start of loading');
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const errors: LoadError[] = [];
  const files: InputFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      const data = await (opts.readStdin ?? (() => readStdin(limits.maxFileBytes)))();
      const f = data ? decodeInput('<stdin>', data, limits, errors) : null;
      if (!data) errors.push({ file: '<stdin>', line: 0, message: `input is over the limit of ${limits.maxFileBytes} bytes; raise --max-file-bytes to read it` });
      if (f) files.push(f);
      continue;
    }
    // Synchronous on purpose: with thousands of small files, a promise (and a thread-pool round trip
    // for each of open, stat, read and close) per file cost more than the reads themselves, and
    // nothing else runs while inputs are gathered.
    for (const filePath of discover(p, errors, opts.exclude)) {
      const f = readInput(filePath, limits, errors);
      if (f) files.push(f);
    }
  }
  phase('files read');
  return loadFiles(files, { ...opts, limits }, errors);
}

/** Parses already-read inputs. Also the entry point for tests and stdin-only callers. */
export async function loadFiles(files: InputFile[], opts: LoadOptions = {}, errors: LoadError[] = []): Promise<LoadResult> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const tasks: ParseTask[] = [];
  let docCount = 0;
  files.forEach((f, fileIndex) => {
    if (f.format === 'json') {
      tasks.push({ fileIndex, file: f.file, format: 'json', text: f.text, offset: 0, spans: [] });
      docCount++;
      return;
    }
    const spans = splitYamlDocuments(f.text);
    docCount += spans.length;
    for (const batch of batches(spans)) {
      const offset = batch[0].start;
      const end = batch[batch.length - 1].end;
      tasks.push({
        fileIndex,
        file: f.file,
        format: 'yaml',
        text: f.text.slice(offset, end),
        offset,
        spans: batch.map((s) => ({ start: s.start - offset, end: s.end - offset, line: s.line })),
      });
    }
  });
  if (docCount > limits.maxDocuments) {
    errors.push({ file: files[0]?.file ?? '<input>', line: 1, message: `inputs hold ${docCount} documents, over the limit of ${limits.maxDocuments}` });
    return { files, resources: [], errors, notes: [] };
  }

  phase('split into tasks');
  const results = await parseAll(tasks, limits, opts.jobs ?? 1);
  phase('parsed');
  const resources: Resource[] = [];
  const notes: string[] = [];
  const ctx = { files, resources, notes, defaultNamespace: opts.defaultNamespace ?? 'default', cluster: opts.cluster ?? 'default' };
  for (const r of results) {
    for (const e of r.errors) errors.push(e);
    for (const d of r.docs) addDocument(d, ctx);
  }
  return { files, resources, errors, notes };
}

function* batches(spans: DocumentSpan[]): Generator<DocumentSpan[]> {
  let cur: DocumentSpan[] = [];
  let bytes = 0;
  for (const s of spans) {
    cur.push(s);
    bytes += s.end - s.start;
    if (bytes >= BATCH_BYTES) {
      yield cur;
      cur = [];
      bytes = 0;
    }
  }
  if (cur.length) yield cur;
}

interface DocContext {
  files: InputFile[];
  resources: Resource[];
  notes: string[];
  defaultNamespace: string;
  cluster: string;
}

function addDocument(d: ParsedDoc, ctx: DocContext): void {
  const file = ctx.files[d.fileIndex].file;
  const v = d.value as any;
  if (typeof v !== 'object' || Array.isArray(v)) {
    ctx.notes.push(`${file}:${d.line}: skipped a document that is not a mapping`);
    return;
  }
  if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
    v.items.forEach((item: unknown, i: number) => addObject(item, d, ['items', i], ctx, file));
    return;
  }
  addObject(v, d, [], ctx, file);
}

function addObject(v: any, d: ParsedDoc, basePath: PathSegment[], ctx: DocContext, file: string): void {
  const where = basePath.length ? `${file}:${d.line} (items[${basePath[1]}])` : `${file}:${d.line}`;
  if (!v || typeof v !== 'object' || typeof v.apiVersion !== 'string' || typeof v.kind !== 'string' || !v.apiVersion || !v.kind) {
    ctx.notes.push(`${where}: skipped a document that is not a Kubernetes object (no apiVersion or kind)`);
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
  const namespace = clusterScoped ? '' : typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : ctx.defaultNamespace;
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
    source: { file, fileIndex: d.fileIndex, docStart: d.start, docEnd: d.end, line: d.line, basePath },
  });
}

/** Labels and annotations as strings; scalars of other types are stringified as Kubernetes tooling would. */
function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m || typeof m !== 'object' || Array.isArray(m)) return out;
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (typeof v === 'string') setOwn(out, k, v);
    else if (typeof v === 'number' || typeof v === 'boolean') setOwn(out, k, String(v));
  }
  return out;
}

function discover(p: string, errors: LoadError[], exclude?: (relativePath: string) => boolean): string[] {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    errors.push({ file: displayPath(p), line: 0, message: 'no such file or directory; check the path' });
    return [];
  }
  if (st.isFile()) return [p];
  if (!st.isDirectory()) {
    errors.push({ file: displayPath(p), line: 0, message: 'not a regular file or directory; skipped' });
    return [];
  }
  const out: string[] = [];
  walk(p, out, errors, exclude ? (full) => exclude(path.relative(p, full).split(path.sep).join('/')) : () => false);
  return out;
}

/**
 * Recurses into a folder. Symbolic links inside it are not followed: a scanned repo must not make
 * meshward read outside it. A folder that cannot be listed is an error entry and the walk goes on.
 */
function walk(dir: string, out: string[], errors: LoadError[], excluded: (full: string) => boolean): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    errors.push({ file: displayPath(dir), line: 0, message: `cannot read folder (${code}); its files were not scanned: check its permissions` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (excluded(full)) continue;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(full, out, errors, excluded);
    } else if (e.isFile() && EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
      out.push(full);
    }
  }
}

/**
 * Reads one file: opened without blocking (a FIFO swapped in for a file cannot hang the run), its
 * size checked on the open descriptor before anything is read.
 */
function readInput(filePath: string, limits: Limits, errors: LoadError[]): InputFile | null {
  const file = displayPath(filePath);
  let fd: number | null = null;
  try {
    fd = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      errors.push({ file, line: 0, message: 'not a regular file; skipped' });
      return null;
    }
    if (st.size > limits.maxFileBytes) {
      errors.push({ file, line: 0, message: `file is ${st.size} bytes, over the limit of ${limits.maxFileBytes}; raise --max-file-bytes to read it` });
      return null;
    }
    const data = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < data.length) {
      const n = fs.readSync(fd, data, got, data.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return decodeInput(file, got === data.length ? data : data.subarray(0, got), limits, errors, path.extname(filePath).toLowerCase() === '.json');
  } catch (err) {
    errors.push({ file, line: 0, message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeInput(file: string, data: Buffer, limits: Limits, errors: LoadError[], json = false): InputFile | null {
  if (data.length > limits.maxFileBytes) {
    errors.push({ file, line: 0, message: `input is over the limit of ${limits.maxFileBytes} bytes; raise --max-file-bytes to read it` });
    return null;
  }
  if (data.indexOf(0) >= 0) {
    errors.push({ file, line: 0, message: 'binary file (contains NUL bytes); skipped' });
    return null;
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    errors.push({ file, line: 0, message: 'file is not valid UTF-8; skipped' });
    return null;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { file, text, format: json ? 'json' : 'yaml' };
}

export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), path.resolve(p));
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
  return shown.split(path.sep).join('/');
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
