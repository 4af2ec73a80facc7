/**
 * Locating inside YAML flow collections (`{a: 1, b: [x, y]}`) by scanning characters: no tree,
 * no token objects, time linear in the text and memory constant. A 16 MB flow-style document made
 * the `yaml` library's CST take over a gigabyte and tens of seconds for one finding; this reads
 * forward once along the path and skips everything else by counting brackets.
 *
 * The scanner assumes text that js-yaml has already accepted; on anything it does not understand
 * it stops and returns the deepest position found so far, never throws.
 */
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
function isBlank(c) {
    return c === SPACE || c === TAB || c === LF || c === CR;
}
/** Skips white space, line breaks and comments (`#` after white space or at a line start). */
function skipSpace(text, pos, end) {
    while (pos < end) {
        const c = text.charCodeAt(pos);
        if (isBlank(c) || c === 0xfeff)
            pos++;
        else if (c === 35 /* # */ && (pos === 0 || isBlank(text.charCodeAt(pos - 1)))) {
            const eol = text.indexOf('\n', pos);
            pos = eol < 0 ? end : eol + 1;
        }
        else
            break;
    }
    return pos;
}
/** Skips node properties: anchors (`&a`) and tags (`!t`, `!!str`, `!<...>`). */
function skipProperties(text, pos, end) {
    for (;;) {
        pos = skipSpace(text, pos, end);
        const c = text.charCodeAt(pos);
        if (c !== 38 /* & */ && c !== 33 /* ! */)
            return pos;
        while (pos < end && !isBlank(text.charCodeAt(pos)) && !isFlowIndicator(text.charCodeAt(pos)))
            pos++;
    }
}
function isFlowIndicator(c) {
    return c === 44 /* , */ || c === 91 /* [ */ || c === 93 /* ] */ || c === 123 /* { */ || c === 125 /* } */;
}
/** End (one past the closing quote) of the quoted scalar opening at `pos`. */
function skipQuoted(text, pos, end) {
    const q = text.charCodeAt(pos);
    for (let i = pos + 1; i < end; i++) {
        const c = text.charCodeAt(i);
        if (q === 34 /* " */ && c === 92 /* \ */)
            i++;
        else if (c === q) {
            if (q === 39 /* ' */ && text.charCodeAt(i + 1) === 39)
                i++;
            else
                return i + 1;
        }
    }
    return end;
}
/**
 * End of a plain scalar starting at `pos` in flow context: before `,` `[` `]` `{` `}`, before `: `
 * (or `:` followed by a flow indicator or a line break) when it is a key, before ` #`.
 */
function skipPlain(text, pos, end) {
    let i = pos;
    while (i < end) {
        const c = text.charCodeAt(i);
        if (isFlowIndicator(c))
            break;
        if (c === 58 /* : */) {
            const n = text.charCodeAt(i + 1);
            if (i + 1 >= end || isBlank(n) || isFlowIndicator(n))
                break;
        }
        if (c === 35 /* # */ && i > pos && isBlank(text.charCodeAt(i - 1)))
            break;
        i++;
    }
    return i;
}
/** End of the node (scalar, alias or collection) at `pos`. Iterative: nesting depth costs nothing. */
function skipNode(text, pos, end) {
    const c = text.charCodeAt(pos);
    if (c === 34 || c === 39)
        return skipQuoted(text, pos, end);
    if (c !== 123 && c !== 91)
        return skipPlain(text, pos, end);
    let depth = 0;
    let i = pos;
    while (i < end) {
        const d = text.charCodeAt(i);
        if (d === 34 || d === 39) {
            // A quote opens a quoted scalar only where a node may start; inside a plain scalar it is a character.
            const prev = i > pos ? text.charCodeAt(i - 1 - countBlanksBefore(text, i, pos)) : 0;
            if (i === pos || isFlowIndicator(prev) || prev === 58 /* : */ || prev === 63 /* ? */) {
                i = skipQuoted(text, i, end);
                continue;
            }
        }
        else if (d === 123 || d === 91)
            depth++;
        else if (d === 125 || d === 93) {
            if (--depth === 0)
                return i + 1;
        }
        else if (d === 35 && isBlank(text.charCodeAt(i - 1))) {
            const eol = text.indexOf('\n', i);
            i = eol < 0 ? end : eol + 1;
            continue;
        }
        i++;
    }
    return end;
}
function countBlanksBefore(text, i, floor) {
    let n = 0;
    while (i - 1 - n > floor && isBlank(text.charCodeAt(i - 1 - n)))
        n++;
    return n;
}
/** A key's text as the loader sees it: quotes removed and escapes decoded; plain scalars trimmed. */
function keyText(text, start, stop) {
    const raw = text.slice(start, stop);
    const q = raw.charCodeAt(0);
    if (q === 34) {
        try {
            return String(JSON.parse(raw.replace(/\s*\n\s*/g, ' ')));
        }
        catch {
            return raw.slice(1, -1);
        }
    }
    if (q === 39)
        return raw.slice(1, -1).replace(/''/g, "'").replace(/\s*\n\s*/g, ' ');
    return raw.trim().replace(/\s*\n\s*/g, ' ');
}
/**
 * Offset of the deepest node along `path` starting at the flow collection (or any node) at `pos`:
 * the key for mapping entries, the item for sequence entries. `best` is returned when not even the
 * first segment is found. Keys compare as text, like the block walker.
 */
export function flowOffsetAlongPath(text, pos, end, path, best) {
    pos = skipProperties(text, pos, end);
    for (const seg of path) {
        const open = text.charCodeAt(pos);
        if (open === 123 /* { */) {
            const found = findMapEntry(text, pos, end, String(seg));
            if (!found)
                return best;
            best = found.key;
            pos = found.value;
            if (pos < 0)
                return best;
        }
        else if (open === 91 /* [ */ && typeof seg === 'number') {
            const item = findSeqItem(text, pos, end, seg);
            if (item < 0)
                return best;
            best = item;
            pos = item;
        }
        else
            return best;
        pos = skipProperties(text, pos, end);
    }
    return best;
}
/** The entry `key` of the flow mapping at `pos`: offsets of its key and its value (-1: no value). */
function findMapEntry(text, pos, end, key) {
    pos++;
    while (pos < end) {
        pos = skipProperties(text, pos, end);
        const c = text.charCodeAt(pos);
        if (c === 125 /* } */ || pos >= end)
            return null;
        if (c === 44 /* , */) {
            pos++;
            continue;
        }
        if (c === 63 /* ? */ && isBlank(text.charCodeAt(pos + 1)))
            pos = skipProperties(text, pos + 1, end);
        const keyStart = pos;
        const keyEnd = skipNode(text, pos, end);
        pos = skipSpace(text, keyEnd, end);
        let valueAt = -1;
        if (text.charCodeAt(pos) === 58 /* : */) {
            pos = skipProperties(text, pos + 1, end);
            const v = text.charCodeAt(pos);
            if (v !== 44 && v !== 125)
                valueAt = pos;
        }
        const k = text.charCodeAt(keyStart);
        if (k !== 123 && k !== 91 && keyText(text, keyStart, keyEnd) === key)
            return { key: keyStart, value: valueAt };
        if (valueAt >= 0)
            pos = skipNode(text, valueAt, end);
        pos = skipSpace(text, pos, end);
    }
    return null;
}
/** Offset of item `index` of the flow sequence at `pos`, or -1. */
function findSeqItem(text, pos, end, index) {
    pos++;
    let i = 0;
    while (pos < end) {
        pos = skipSpace(text, pos, end);
        const c = text.charCodeAt(pos);
        if (c === 93 /* ] */ || pos >= end)
            return -1;
        if (c === 44) {
            pos++;
            continue;
        }
        if (i === index)
            return pos;
        pos = skipNode(text, skipProperties(text, pos, end), end);
        pos = skipSpace(text, pos, end);
        // A single-pair mapping inside a sequence (`[a: b]`): skip its value too.
        if (text.charCodeAt(pos) === 58)
            pos = skipNode(text, skipProperties(text, pos + 1, end), end);
        i++;
    }
    return -1;
}
/**
 * Offset of the root node when a document's content is a flow collection (after the `---` marker,
 * directives, comments and properties), else -1.
 */
export function flowRootOffset(text, start, end) {
    let pos = start;
    for (;;) {
        pos = skipSpace(text, pos, end);
        const c = text.charCodeAt(pos);
        if (c === 37 /* % */ && (pos === 0 || text.charCodeAt(pos - 1) === LF)) {
            const eol = text.indexOf('\n', pos);
            pos = eol < 0 ? end : eol + 1;
        }
        else if (c === 45 && text.startsWith('---', pos) && (pos + 3 >= end || isBlank(text.charCodeAt(pos + 3)))) {
            pos += 3;
        }
        else
            break;
    }
    pos = skipProperties(text, pos, end);
    const c = text.charCodeAt(pos);
    return c === 123 || c === 91 ? pos : -1;
}
