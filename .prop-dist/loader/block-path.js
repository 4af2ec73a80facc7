/**
 * Locating a field in block-style YAML by reading lines, without building a syntax tree.
 *
 * The Locator re-parses every document that has a finding with the `yaml` library's concrete syntax
 * tree (CST); on inputs with many findings that re-parse was most of the rules phase (a few hundred
 * microseconds and several kilobytes of garbage per document). Manifests are almost always plain
 * block YAML: mappings of simple keys, sequences of `- ` items, scalars. For that subset the position
 * of a path is decided by indentation alone, which this walker reads line by line along the path,
 * skipping every line more indented than the level it searches.
 *
 * It answers exactly as the CST walk in locate.ts does (same offsets: the key for mapping entries,
 * the item's value for sequence entries; the same hand-over to flow-path.ts inside flow
 * collections), and whenever it meets anything outside that subset (anchors, aliases, tags, complex
 * keys, escapes in quoted keys, compact nested sequences, tabs, CR line ends, directives) it returns
 * `undefined` and the caller falls back to the CST. block-path.test.ts checks it against the CST walk
 * on every path of every example and bench document, and on documents built to hit each fallback.
 */
import { flowOffsetAlongPath } from './flow-path.js';
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
/** Returned when the document is outside the subset read here: use the CST. */
const GIVE_UP = undefined;
/** Thrown inside the walk (never out of it) when the text is outside the subset. */
const OUTSIDE = Symbol('outside the block subset');
/**
 * Offset (in `text`) of the deepest node along `path` in the block YAML document [start, end): the
 * key for mapping entries, the item for sequence entries; null when the document has no node at all;
 * undefined when the document uses YAML this walker does not read (the caller then uses the CST).
 */
export function blockOffsetAlongPath(text, start, end, path) {
    try {
        return walk(text, start, end, path);
    }
    catch (err) {
        if (err === OUTSIDE)
            return GIVE_UP;
        throw err;
    }
}
function walk(text, start, end, path) {
    let node = rootNode(text, start, end);
    if (!node)
        return null;
    let best = node.type === 'map' || node.type === 'seq' ? node.first : node.at;
    for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (!node)
            break;
        if (node.type === 'map') {
            const found = findKey(text, end, node, String(seg));
            if (!found)
                break;
            best = found.key;
            node = found.value;
        }
        else if (node.type === 'seq' && typeof seg === 'number') {
            const found = findItem(text, end, node, seg);
            if (!found)
                break;
            best = found.at;
            node = found.value;
        }
        else if (node.type === 'flow') {
            return flowOffsetAlongPath(text, node.at, end, path.slice(i), best);
        }
        else
            break;
    }
    return best;
}
// ---------------------------------------------------------------------------------------------
// Lines
/** End of the line starting at `pos` (the offset of its `\n`, or `end`); a CR line end is outside the subset. */
function lineEnd(text, pos, end) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0 || eol > end)
        eol = end;
    if (eol > pos && text.charCodeAt(eol - 1) === CR)
        throw OUTSIDE;
    return eol;
}
/** Offset of the first character after the spaces that start the line at `pos`. */
function indentEnd(text, pos, eol) {
    while (pos < eol && text.charCodeAt(pos) === SPACE)
        pos++;
    return pos;
}
/** True when the rest of the line from `pos` holds nothing (spaces, or a comment). */
function restIsEmpty(text, pos, eol) {
    while (pos < eol) {
        const c = text.charCodeAt(pos);
        if (c === HASH)
            return true;
        if (c === TAB)
            throw OUTSIDE;
        if (c !== SPACE)
            return false;
        pos++;
    }
    return true;
}
/** The next line at or after `pos` with content, as its start and the offset of its first character; null at the end. */
function nextContentLine(text, pos, end) {
    while (pos < end) {
        const eol = lineEnd(text, pos, end);
        const at = indentEnd(text, pos, eol);
        if (at < eol) {
            const c = text.charCodeAt(at);
            if (c === TAB)
                throw OUTSIDE;
            if (c !== HASH)
                return { start: pos, at, eol };
        }
        pos = eol + 1;
    }
    return null;
}
function isSeqIndicator(text, at, eol) {
    if (text.charCodeAt(at) !== DASH)
        return false;
    if (at + 1 >= eol)
        return true;
    const n = text.charCodeAt(at + 1);
    if (n === TAB)
        throw OUTSIDE;
    return n === SPACE;
}
// ---------------------------------------------------------------------------------------------
// Nodes
/** The document's root node, after its `---` line, comments and blank lines; null when it has none. */
function rootNode(text, start, end) {
    if (text.charCodeAt(start) === 0xfeff)
        throw OUTSIDE;
    let pos = start;
    if (text.startsWith('---', pos)) {
        const eol = lineEnd(text, pos, end);
        // Content on the marker line (`--- |`, `--- !tag`, `--- {a: 1}`) is left to the CST.
        if (!restIsEmpty(text, pos + 3, eol))
            throw OUTSIDE;
        pos = eol + 1;
    }
    const line = nextContentLine(text, pos, end);
    if (!line)
        return null;
    const c = text.charCodeAt(line.at);
    if (c === 37 /* % */ || (c === DASH && text.startsWith('---', line.at)))
        throw OUTSIDE;
    return nodeAt(text, end, line.at, line.eol, line.at - line.start, true);
}
/**
 * The node that starts at `at` (a character with content on its line): a block mapping when it is a
 * key, a block sequence at a `- `, a flow collection, or a scalar (a leaf). `blockStart` says that the
 * node may be a collection whose indentation is its column (the first node of a line, or the content
 * after a `- `).
 */
function nodeAt(text, end, at, eol, indent, blockStart) {
    const c = text.charCodeAt(at);
    if (c === 123 /* { */ || c === 91 /* [ */)
        return { type: 'flow', at };
    // Anchors, aliases, tags, complex keys, directives and reserved indicators: left to the CST.
    if (c === 38 /* & */ || c === 42 /* * */ || c === 33 /* ! */ || c === 63 /* ? */ || c === 37 /* % */ || c === 64 /* @ */ || c === 96 /* ` */ || c === TAB)
        throw OUTSIDE;
    if (c === 124 /* | */ || c === 62 /* > */)
        return { type: 'leaf', at };
    if (isSeqIndicator(text, at, eol)) {
        if (!blockStart)
            throw OUTSIDE;
        return { type: 'seq', indent, first: at };
    }
    const key = keyOn(text, at, eol);
    if (key) {
        if (!blockStart)
            throw OUTSIDE;
        return { type: 'map', indent, first: at };
    }
    return { type: 'leaf', at };
}
/**
 * The key on a line at `at`, when the line is a mapping entry (`key: value`, `key:`, `"key": value`):
 * its text as the CST reads it and where its value part starts; null when the line is a scalar.
 */
function keyOn(text, at, eol) {
    const c = text.charCodeAt(at);
    let keyText;
    let after;
    if (c === DQUOTE || c === SQUOTE) {
        let i = at + 1;
        for (;;) {
            if (i >= eol)
                throw OUTSIDE; // a quoted scalar running over lines
            const d = text.charCodeAt(i);
            if (c === DQUOTE && d === 92 /* \ */)
                throw OUTSIDE; // escapes: left to the CST
            if (d === c) {
                // In single quotes a doubled quote stands for one.
                if (c === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        keyText = unquoteSingleOrDouble(text, at, i, c);
        after = i + 1;
        while (after < eol && text.charCodeAt(after) === SPACE)
            after++;
        if (text.charCodeAt(after) !== COLON)
            return null;
    }
    else {
        // Plain scalars may not start with an indicator; `-x`, `:x`, `?x` are plain but rare: CST.
        if (c === DASH || c === COLON || c === 44 /* , */ || c === 93 /* ] */ || c === 125 /* } */ || c === HASH || c === DQUOTE || c === SQUOTE)
            throw OUTSIDE;
        let i = at;
        for (;;) {
            if (i >= eol)
                return null;
            const d = text.charCodeAt(i);
            if (d === TAB)
                throw OUTSIDE;
            if (d === HASH && text.charCodeAt(i - 1) === SPACE)
                return null; // a comment before any `: `
            if (d === COLON) {
                const n = i + 1 < eol ? text.charCodeAt(i + 1) : LF;
                if (n === SPACE || n === LF)
                    break;
                if (n === TAB)
                    throw OUTSIDE;
            }
            i++;
        }
        let stop = i;
        while (stop > at && text.charCodeAt(stop - 1) === SPACE)
            stop--;
        keyText = text.slice(at, stop);
        after = i;
    }
    // `after` is at the colon.
    const n = after + 1 < eol ? text.charCodeAt(after + 1) : LF;
    if (n === TAB)
        throw OUTSIDE;
    if (n !== SPACE && n !== LF)
        return null;
    return { text: keyText, valueFrom: after + 1 };
}
/** The text of a one-line quoted key [open, close] without escapes (checked by the caller for `"`). */
function unquoteSingleOrDouble(text, open, close, quote) {
    const inner = text.slice(open + 1, close);
    return quote === SQUOTE ? inner.replace(/''/g, "'") : inner;
}
/**
 * The value of a mapping entry whose key sits at indentation `indent` and whose value part starts at
 * `from` on the line ending at `eol`: on the same line (a scalar or flow collection), or the block
 * node on the following lines, or null (an empty value).
 */
function valueOf(text, end, from, eol, indent) {
    let at = from;
    while (at < eol && text.charCodeAt(at) === SPACE)
        at++;
    if (!restIsEmpty(text, at, eol))
        return nodeAt(text, end, at, eol, -1, false);
    const next = nextContentLine(text, eol + 1, end);
    if (!next)
        return null;
    const nextIndent = next.at - next.start;
    // A sequence may sit at the key's own indentation (`containers:` then `- name: x`).
    if (nextIndent > indent || (nextIndent === indent && isSeqIndicator(text, next.at, next.eol))) {
        return nodeAt(text, end, next.at, next.eol, nextIndent, true);
    }
    return null;
}
/** The entry `key` of the block mapping `map`: its key's offset and its value. */
function findKey(text, end, map, key) {
    // The first key may follow a `- ` on its line: read it where it is, then whole lines.
    let at = map.first;
    let eol = lineEnd(text, at, end);
    for (;;) {
        const entry = keyOn(text, at, eol);
        if (!entry)
            throw OUTSIDE;
        if (entry.text === key)
            return { key: at, value: valueOf(text, end, entry.valueFrom, eol, map.indent) };
        checkValueStaysOnItsLines(text, entry.valueFrom, eol);
        // The next line at the mapping's indentation; more indented lines belong to this entry's value.
        let next = null;
        for (let pos = eol + 1;;) {
            const line = nextContentLine(text, pos, end);
            if (!line)
                return null;
            const indent = line.at - line.start;
            if (indent < map.indent)
                return null;
            if (indent === map.indent && !isSeqIndicator(text, line.at, line.eol)) {
                next = line;
                break;
            }
            pos = line.eol + 1;
        }
        at = next.at;
        eol = next.eol;
    }
}
/** Item `index` of the block sequence `seq`: the offset the CST gives it (its value, else its `-`) and its value. */
function findItem(text, end, seq, index) {
    let dash = seq.first;
    let eol = lineEnd(text, dash, end);
    for (let i = 0;; i++) {
        if (i === index) {
            let at = dash + 1;
            while (at < eol && text.charCodeAt(at) === SPACE)
                at++;
            if (!restIsEmpty(text, at, eol)) {
                // `- - x` (a sequence in a sequence on one line) is left to the CST.
                if (isSeqIndicator(text, at, eol))
                    throw OUTSIDE;
                const value = nodeAt(text, end, at, eol, at - lineStartOf(text, at), true);
                return { at, value };
            }
            const next = nextContentLine(text, eol + 1, end);
            if (next && next.at - next.start > seq.indent) {
                const value = nodeAt(text, end, next.at, next.eol, next.at - next.start, true);
                return { at: next.at, value };
            }
            return { at: dash, value: null };
        }
        checkValueStaysOnItsLines(text, dash + 1, eol);
        let found = false;
        for (let pos = eol + 1;;) {
            const line = nextContentLine(text, pos, end);
            if (!line)
                return null;
            const indent = line.at - line.start;
            if (indent < seq.indent)
                return null;
            if (indent === seq.indent) {
                // At the sequence's indentation, anything but a `-` ends it (the next key of the mapping around it).
                if (!isSeqIndicator(text, line.at, line.eol))
                    return null;
                dash = line.at;
                eol = line.eol;
                found = true;
                break;
            }
            pos = line.eol + 1;
        }
        if (!found)
            return null;
    }
}
function lineStartOf(text, at) {
    return text.lastIndexOf('\n', at - 1) + 1;
}
/**
 * A value skipped over must not continue on lines the walk reads as structure: a quoted scalar left
 * open at the end of its line is left to the CST.
 */
function checkValueStaysOnItsLines(text, from, eol) {
    let at = from;
    while (at < eol && text.charCodeAt(at) === SPACE)
        at++;
    const q = text.charCodeAt(at);
    if (at >= eol || (q !== DQUOTE && q !== SQUOTE))
        return;
    for (let i = at + 1; i < eol; i++) {
        const d = text.charCodeAt(i);
        if (q === DQUOTE && d === 92 /* \ */) {
            i++;
            continue;
        }
        if (d === q) {
            if (q === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) {
                i++;
                continue;
            }
            return;
        }
    }
    throw OUTSIDE;
}
