import { Document, visit } from 'yaml';
import { jsonForOutput, terminalSafe, UNSAFE_CHARS } from '../engine/text.js';

/**
 * The one writer of generated YAML (`generate sidecars`, `generate admission-policy`): output users
 * apply to their cluster, holding names from manifests and policies that may be an attacker's. Objects
 * are serialized only by the YAML emitter (the `yaml` Document API), which quotes or blocks every
 * scalar, so no value can close its scalar and start a key or a document. Comments hold untrusted
 * text too, and a comment ends at a line break: every comment line is escaped with terminalSafe()
 * first, which turns CR, LF, NEL, the Unicode line and paragraph separators and every other control
 * or bidi character into a visible `\uXXXX`, so a comment line stays one line.
 *
 * Objects are written with the YAML 1.1 schema, as kubectl reads them: a namespace named `no` or a
 * label value `off` is quoted, where the default 1.2 emitter leaves them plain (booleans to go-yaml).
 *
 * One gap in the emitter is closed here: it writes NEL (U+0085), U+2028 and U+2029 raw, even in plain
 * scalars, and YAML 1.1 parsers (go-yaml, so kubectl) read them as line breaks, so `x\u2028kind: …` in
 * a plain key could start a key of its own there. Every string holding an UNSAFE_CHARS character is
 * therefore written double-quoted, and what JSON-style quoting leaves raw in it is escaped as `\uXXXX`.
 */

export interface GeneratedDoc {
  object: unknown;
  /** Comment lines written above the document. */
  comment?: readonly string[];
}

/** UNSAFE_CHARS that JSON-style double quoting leaves raw (it escapes U+0000 to U+001F itself). */
const LEFT_RAW_BY_QUOTING = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function hasUnsafe(s: string): boolean {
  UNSAFE_CHARS.lastIndex = 0;
  return UNSAFE_CHARS.test(s);
}

/** One comment line's text, untrusted parts included, that cannot break out of its line. */
function commentLine(line: string): string {
  return line ? ` ${terminalSafe(line)}` : '';
}

/** A `---`-separated YAML stream: the header comment, then each document with its own comment. */
export function renderYamlStream(header: readonly string[], docs: readonly GeneratedDoc[]): string {
  let out = header.map((l) => `#${commentLine(l)}\n`).join('');
  for (const d of docs) {
    // version 1.1: kubectl and the API server read YAML 1.1 (go-yaml), where plain `off`, `no`, `y`,
    // `1:20` or `0b101` are not strings; the 1.1 schema quotes every string that 1.1 would read otherwise.
    const doc = new Document(d.object, { aliasDuplicateObjects: false, version: '1.1' });
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && hasUnsafe(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
    if (d.comment?.length) doc.commentBefore = d.comment.map(commentLine).join('\n');
    // Raw UNSAFE characters can now only sit inside double-quoted scalars, where `\uXXXX` means them.
    out += `---\n${doc.toString({ lineWidth: 0 }).replace(LEFT_RAW_BY_QUOTING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
  }
  return out;
}

/** Generated JSON, with every unsafe character inside strings written as `\uXXXX`. */
export function renderJson(value: unknown): string {
  return `${jsonForOutput(value)}\n`;
}
