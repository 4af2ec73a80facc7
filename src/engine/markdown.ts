/**
 * Text put into Markdown: rule documentation pages (docs/rules/, `meshward docs`, `meshward explain`)
 * and SARIF `help.markdown`. A custom rule's texts come from a rule file or a plugin, and whoever
 * writes one must not be able to add HTML, headings, tables, links or images to the pages and alerts
 * made from it, nor end the code block its example is shown in.
 *
 * The texts keep the Markdown a rule's author writes on purpose and that cannot hurt: code spans
 * (on one line), emphasis, lists. Everything else that Markdown or an HTML renderer would act on is
 * escaped. Entities (`&lt;`) are used for the HTML characters, as every Markdown dialect passes them
 * through; backslashes for Markdown's own punctuation (CommonMark).
 */

import { quoteValue, terminalSafe } from './text.js';

/**
 * Where the text goes: `block` a paragraph or more of its own (line breaks kept); `line` inside a
 * line (a heading, a list item; line breaks become spaces); `cell` a GFM table cell (as `line`, and
 * `|` escaped inside code spans too, since GFM splits cells before it finds code spans).
 */
export type MarkdownPlace = 'block' | 'line' | 'cell';

/**
 * Untrusted text made inert in Markdown: `&`, `<`, `>` as entities (no raw HTML, no autolinks), `\`
 * and `|` escaped (no tables), a `]` that would close a link or image (`](`, `][`, `]:`) escaped, a
 * backtick run that closes no code span on its own line escaped (a code span never spans lines, so
 * block structure cannot cut one open), and a line that would start a heading (`#`), a fence (`~~~`)
 * or a setext heading or thematic break (`===`, `---`, `***`) escaped at its start.
 */
export function markdownText(s: string, place: MarkdownPlace = 'block'): string {
  const text = place === 'block' ? s.replace(/\r\n?/g, '\n') : s.replace(/[\r\n]+/g, ' ');
  return text
    .split('\n')
    .map((line) => escapeLine(line, place === 'cell'))
    .join('\n');
}

const ESCAPED: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\\': '\\\\', '|': '\\|' };

function escapeLine(line: string, cell: boolean): string {
  let out = '';
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (c === '`') {
      const n = runLength(line, i);
      const close = closingRun(line, i + n, n);
      if (close < 0) {
        out += '\\`'.repeat(n);
        i += n;
      } else {
        const span = line.slice(i, close + n);
        out += cell ? span.replace(/\|/g, '\\|') : span;
        i = close + n;
      }
      continue;
    }
    if (c === ']' && (line[i + 1] === '(' || line[i + 1] === '[' || line[i + 1] === ':')) out += '\\]';
    else out += ESCAPED[c] ?? c;
    i++;
  }
  // Block structure read from the start of a line (after up to three spaces, or any in a list item).
  const lead = out.length - out.trimStart().length;
  const first = out[lead];
  if (first === '#' || first === '~' || /^[-=*_][-=*_ \t]*$/.test(out.slice(lead))) out = `${out.slice(0, lead)}\\${out.slice(lead)}`;
  return out;
}

function runLength(s: string, at: number): number {
  let n = 0;
  while (s[at + n] === '`') n++;
  return n;
}

/** Where the next run of exactly `n` backticks from `from` starts (CommonMark's code span closer), or -1. */
function closingRun(s: string, from: number, n: number): number {
  for (let i = from; i < s.length; ) {
    if (s[i] !== '`') {
      i++;
      continue;
    }
    const m = runLength(s, i);
    if (m === n) return i;
    i += m;
  }
  return -1;
}

/** The longest run of backticks in `s`. */
function longestBacktickRun(s: string): number {
  return Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
}

/** `s` as one code span on one line: delimited by more backticks than it holds, padded when it starts or ends with one. */
export function codeSpan(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  const ticks = '`'.repeat(longestBacktickRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ')) ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced code block whose fence is longer than any backtick run in the content, so no line of it can close the block. */
export function codeFence(content: string, lang: string): string {
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return `${ticks}${lang}\n${content.trimEnd()}\n${ticks}`;
}

/** Characters that end or break a Markdown link or autolink, or an HTML attribute, around a URL. */
const LINK_BREAKING = /[\s\u0000-\u001f\u007f-\u009f<>()[\]{}`"'\\|^]/;

/**
 * Why `url` cannot be written as a link in Markdown (a reference in a rule's page, SARIF's `helpUri`),
 * or null when it can: an absolute http or https URL with none of the characters that end or break a
 * link. Custom rules are refused at load for it (src/custom/load.ts, plugins.ts); renderers check
 * again and write a refused one as text (linkOrText).
 */
export function linkProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL; write an http:// or https:// address';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `uses the ${parsed.protocol.slice(0, 40)} scheme; only http:// and https:// addresses become links`;
  const bad = LINK_BREAKING.exec(url);
  if (bad) return `holds ${JSON.stringify(bad[0])}, which ends or breaks a Markdown link; percent-encode it (for example ( as %28, a space as %20)`;
  return null;
}

/**
 * The first of a custom rule's `docs.references` that cannot be a link, with why (the reference quoted
 * and escaped for the terminal), or null. References become links in the rule's pages and SARIF's
 * helpUri: a javascript: URL or one that ends its link early would run or link where the rule's author
 * chose, from meshward's output. Rule files (src/custom/load.ts) and plugins (plugins.ts) are refused
 * with it.
 */
export function badReference(refs: readonly string[]): { index: number; reason: string } | null {
  for (const [index, ref] of refs.entries()) {
    const problem = linkProblem(ref);
    if (problem) return { index, reason: `${terminalSafe(quoteValue(ref, 120))} ${problem}` };
  }
  return null;
}

/** `url` as a link (bare, or `<url>` with `angle`) when linkProblem() finds nothing, else as inert text. */
export function linkOrText(url: string, angle = false): string {
  if (linkProblem(url)) return markdownText(url, 'line');
  return angle ? `<${url}>` : url;
}
