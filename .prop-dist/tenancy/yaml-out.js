import { Document, visit } from 'yaml';
import { jsonForOutput, terminalSafe, UNSAFE_CHARS } from '../engine/text.js';
/** UNSAFE_CHARS that JSON-style double quoting leaves raw (it escapes U+0000 to U+001F itself). */
const LEFT_RAW_BY_QUOTING = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
function hasUnsafe(s) {
    UNSAFE_CHARS.lastIndex = 0;
    return UNSAFE_CHARS.test(s);
}
/** One comment line's text, untrusted parts included, that cannot break out of its line. */
function commentLine(line) {
    return line ? ` ${terminalSafe(line)}` : '';
}
/** A `---`-separated YAML stream: the header comment, then each document with its own comment. */
export function renderYamlStream(header, docs) {
    let out = header.map((l) => `#${commentLine(l)}\n`).join('');
    for (const d of docs) {
        // version 1.1: kubectl and the API server read YAML 1.1 (go-yaml), where plain `off`, `no`, `y`,
        // `1:20` or `0b101` are not strings; the 1.1 schema quotes every string that 1.1 would read otherwise.
        const doc = new Document(d.object, { aliasDuplicateObjects: false, version: '1.1' });
        visit(doc, {
            Scalar(_key, node) {
                if (typeof node.value === 'string' && hasUnsafe(node.value))
                    node.type = 'QUOTE_DOUBLE';
            },
        });
        if (d.comment?.length)
            doc.commentBefore = d.comment.map(commentLine).join('\n');
        // Raw UNSAFE characters can now only sit inside double-quoted scalars, where `\uXXXX` means them.
        out += `---\n${doc.toString({ lineWidth: 0 }).replace(LEFT_RAW_BY_QUOTING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
    }
    return out;
}
/** Generated JSON, with every unsafe character inside strings written as `\uXXXX`. */
export function renderJson(value) {
    return `${jsonForOutput(value)}\n`;
}
