import { yamlLib } from './yaml-lib.js';
import { flowOffsetAlongPath, flowRootOffset } from './flow-path.js';
import { blockOffsetAlongPath } from './block-path.js';
import { lineStarts, positionOf } from './split.js';
import { pathToString } from '../model/resource.js';
/**
 * Turns (resource, field path) into file/line/column. Positions are computed only for documents
 * that have findings: the fast parser keeps no positions, and re-parsing one document with a
 * position-aware parser costs far less than keeping positions for every document.
 */
export class Locator {
    files;
    lineIndex = new Map();
    // One parsed document of each kind is kept: findings come grouped by resource, and keeping every
    // located document would make memory grow with the number of findings instead of the input.
    cst = null;
    constructor(files) {
        this.files = files;
    }
    /** `pathText`, when the caller has it, is pathToString(path) (the rules' runner keeps each path's text). */
    locate(r, path = [], pathText) {
        const src = r.source;
        if (!src)
            return null;
        const file = this.files[src.fileIndex];
        if (!file)
            return { file: src.file, line: src.line, column: 1, path: pathText ?? pathToString(path) };
        const full = [...src.basePath, ...path];
        const offset = file.format === 'json' ? this.jsonOffset(src.docStart, src.docEnd, file.text, full) : this.yamlOffset(src.fileIndex, src.docStart, src.docEnd, file.text, full);
        if (offset === null)
            return { file: src.file, line: src.line, column: 1, path: pathText ?? pathToString(path) };
        const pos = positionOf(this.lines(src.fileIndex, file.text), offset);
        return { file: src.file, line: pos.line, column: pos.column, path: pathText ?? pathToString(path) };
    }
    lines(fileIndex, text) {
        let l = this.lineIndex.get(fileIndex);
        if (!l) {
            l = lineStarts(text);
            this.lineIndex.set(fileIndex, l);
        }
        return l;
    }
    /**
     * Offset of the deepest node along `path` that exists (the key, for mapping entries). Flow
     * collections are scanned character by character (flow-path.ts), from the root when the whole
     * document is flow style, so no tree is built for them. Block structure is walked on the `yaml`
     * library's concrete syntax tree, which costs memory per token: a block document too large for it
     * is located at its first line. A path that enters an alias stops at the alias.
     */
    yamlOffset(fileIndex, start, end, text, path) {
        const flowRoot = flowRootOffset(text, start, end);
        if (flowRoot >= 0)
            return flowOffsetAlongPath(text, flowRoot, end, path, flowRoot);
        // Plain block YAML (nearly every manifest) is read line by line along the path; anything else,
        // and documents too large to re-read for each finding, go through the CST (kept for the next finding).
        if (end - start <= MAX_LINE_WALK_BYTES) {
            const walked = blockOffsetAlongPath(text, start, end, path);
            if (walked !== undefined)
                return walked;
        }
        const doc = this.cstOf(fileIndex, start, end, text);
        if (doc === undefined)
            return null;
        return cstOffsetAlongPath(doc, text, start, end, path);
    }
    /** The concrete syntax tree of one document; undefined when the document has too many tokens for one. */
    cstOf(fileIndex, start, end, text) {
        const key = `${fileIndex}:${start}`;
        if (this.cst?.key === key)
            return this.cst.doc;
        if (estimatedTokens(text, start, end) > MAX_CST_TOKENS) {
            this.cst = { key, doc: undefined };
            return undefined;
        }
        const doc = parseCst(text, start, end);
        this.cst = { key, doc };
        return doc;
    }
    /**
     * Offset in a JSON document (one item of a large List, or the whole file). JSON is flow-style
     * YAML, so the same linear scan serves: no tree, whatever the document's size.
     */
    jsonOffset(start, end, text, path) {
        const root = flowRootOffset(text, start, end);
        return root < 0 ? null : flowOffsetAlongPath(text, root, end, path, root);
    }
}
/**
 * Offset of the deepest node along `path` in a document's CST (`doc`, parsed from text[start, end)):
 * the key for mapping entries, the item's value (else its `-`) for sequence entries. A path that
 * enters an alias stops at the alias; flow collections are scanned by flow-path.ts.
 */
export function cstOffsetAlongPath(doc, text, start, end, path) {
    const { resolveAsScalar } = yamlLib().CST;
    let node = doc?.value;
    let best = node && 'offset' in node ? node.offset : null;
    for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (!node)
            break;
        if (node.type === 'block-map') {
            // Keys compare as text: a YAML key `9090:` is a number to the parser but a string in the object path.
            const item = node.items.find((it) => it.key && isScalarToken(it.key) && String(resolveAsScalar(it.key)?.value) === String(seg));
            if (!item?.key)
                break;
            best = item.key.offset;
            node = item.value;
        }
        else if (node.type === 'block-seq' && typeof seg === 'number') {
            const item = node.items[seg];
            if (!item)
                break;
            const indicator = item.start.find((t) => t.type === 'seq-item-ind');
            best = item.value && 'offset' in item.value ? item.value.offset : (indicator?.offset ?? best);
            node = item.value;
        }
        else if (node.type === 'flow-collection') {
            return flowOffsetAlongPath(text, start + node.offset, end, path.slice(i), start + (best ?? node.offset));
        }
        else
            break;
    }
    return best === null ? null : start + best;
}
/** The CST of the document text[start, end) (null when it holds no document). */
export function parseCst(text, start, end) {
    let doc = null;
    for (const token of new (yamlLib().Parser)().parse(text.slice(start, end)))
        if (token.type === 'document')
            doc = token;
    return doc;
}
function isScalarToken(t) {
    return t.type === 'scalar' || t.type === 'single-quoted-scalar' || t.type === 'double-quoted-scalar' || t.type === 'block-scalar';
}
/**
 * The CST costs a few hundred bytes per token; lines and commas bound the token count from below
 * closely enough for block YAML. 300,000 keeps one document's tree well under 200 MB.
 */
const MAX_CST_TOKENS = 300_000;
/**
 * Documents up to this size are walked line by line for each finding; larger ones are parsed once
 * into a CST kept while their findings are located (a walk per finding would grow with findings times size).
 */
const MAX_LINE_WALK_BYTES = 64 * 1024;
function estimatedTokens(text, start, end) {
    let n = 0;
    for (let i = start; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || c === 44)
            n++;
    }
    return n;
}
