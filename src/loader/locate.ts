import { parseDocument, Parser, CST, type Document } from 'yaml';
import { offsetAlongPath } from './yaml-path.js';
import { parseTree, findNodeAtLocation, type Node as JsonNode } from 'jsonc-parser';
import type { InputFile } from './load.js';
import { lineStarts, positionOf } from './split.js';
import { pathToString, type PathSegment, type Resource } from '../model/resource.js';
import type { Location } from '../engine/finding.js';

/**
 * Turns (resource, field path) into file/line/column. Positions are computed only for documents
 * that have findings: the fast parser keeps no positions, and re-parsing one document with a
 * position-aware parser costs far less than keeping positions for every document.
 */
export class Locator {
  private lineIndex = new Map<number, Uint32Array>();
  // Parsed documents are kept for the last two documents only: a syntax tree costs tens of times its
  // text, and a run with findings in every document would otherwise hold one for each. Callers that
  // locate many findings (runRules) ask in document order, so each document is parsed once.
  private yamlDocs = new BoundedCache<string, Document.Parsed>();
  private cstDocs = new BoundedCache<string, CST.Document | null>();
  private jsonTrees = new BoundedCache<string, JsonNode | undefined>();

  constructor(private readonly files: readonly InputFile[]) {}

  locate(r: Resource, path: readonly PathSegment[] = []): Location | null {
    const src = r.source;
    if (!src) return null;
    const file = this.files[src.fileIndex];
    if (!file) return { file: src.file, line: src.line, column: 1, path: pathToString(path) };
    const full = [...src.basePath, ...path];
    const offset = file.format === 'json' ? this.jsonOffset(src.fileIndex, src.docStart, src.docEnd, file.text, full) : this.yamlOffset(src.fileIndex, src.docStart, src.docEnd, file.text, full);
    if (offset === null) return { file: src.file, line: src.line, column: 1, path: pathToString(path) };
    const pos = positionOf(this.lines(src.fileIndex, file.text), offset);
    return { file: src.file, line: pos.line, column: pos.column, path: pathToString(path) };
  }

  private lines(fileIndex: number, text: string): Uint32Array {
    let l = this.lineIndex.get(fileIndex);
    if (!l) {
      l = lineStarts(text);
      this.lineIndex.set(fileIndex, l);
    }
    return l;
  }

  /**
   * Offset of the deepest node along `path` that exists (the key, for mapping entries). Walks the
   * concrete syntax tree, which costs about half of building a Document; flow collections and
   * aliases, rare in manifests, go through the full parse.
   */
  private yamlOffset(fileIndex: number, start: number, end: number, text: string, path: PathSegment[]): number | null {
    const key = `${fileIndex}:${start}`;
    let doc = this.cstDocs.get(key);
    if (doc === undefined) {
      doc = null;
      for (const token of new Parser().parse(text.slice(start, end))) if (token.type === 'document') doc = token;
      this.cstDocs.set(key, doc);
    }
    let node: CST.Token | undefined = doc?.value;
    let best: number | null = node && 'offset' in node ? node.offset : null;
    for (const seg of path) {
      if (!node) break;
      if (node.type === 'block-map') {
        // Keys compare as text: a YAML key `9090:` is a number to the parser but a string in the object path.
        const item = node.items.find((it) => it.key && isScalarToken(it.key) && String(CST.resolveAsScalar(it.key)?.value) === String(seg));
        if (!item?.key) break;
        best = item.key.offset;
        node = item.value;
      } else if (node.type === 'block-seq' && typeof seg === 'number') {
        const item = node.items[seg];
        if (!item) break;
        const indicator = item.start.find((t) => t.type === 'seq-item-ind');
        best = item.value && 'offset' in item.value ? item.value.offset : (indicator?.offset ?? best);
        node = item.value;
      } else if (node.type === 'flow-collection' || node.type === 'alias') {
        return this.slowYamlOffset(key, start, end, text, path);
      } else break;
    }
    return best === null ? null : start + best;
  }

  private slowYamlOffset(key: string, start: number, end: number, text: string, path: PathSegment[]): number | null {
    let doc = this.yamlDocs.get(key);
    if (!doc) {
      doc = parseDocument(text.slice(start, end), { keepSourceTokens: false, uniqueKeys: false, strict: false });
      this.yamlDocs.set(key, doc);
    }
    const best = offsetAlongPath(doc.contents, path);
    return best === null ? null : start + best;
  }

  /** Offset in a JSON document: only that document's slice is parsed (one item of a large List, not the whole file). */
  private jsonOffset(fileIndex: number, start: number, end: number, text: string, path: PathSegment[]): number | null {
    const key = `${fileIndex}:${start}`;
    if (!this.jsonTrees.has(key)) this.jsonTrees.set(key, parseTree(text.slice(start, end)));
    const root = this.jsonTrees.get(key);
    if (!root) return null;
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(root, path.slice(0, n));
      if (node) return start + (node.parent?.type === 'property' ? node.parent.offset : node.offset);
    }
    return null;
  }
}

/** A Map that forgets its oldest entries beyond `max`. */
class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max = 2) {}
  has(k: K): boolean {
    return this.map.has(k);
  }
  get(k: K): V | undefined {
    return this.map.get(k);
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}

function isScalarToken(t: CST.Token): t is CST.FlowScalar | CST.BlockScalar {
  return t.type === 'scalar' || t.type === 'single-quoted-scalar' || t.type === 'double-quoted-scalar' || t.type === 'block-scalar';
}
