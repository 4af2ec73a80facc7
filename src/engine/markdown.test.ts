import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeFence, codeSpan, linkOrText, linkProblem, markdownText } from './markdown.js';

// What a custom rule file may put in its title, docs and references (the red-team rule of issue 10's
// Markdown class): none of it may become HTML, a heading, a table, a link or an image, or end a fence.

/** [what it shows, text, place, expected Markdown]. */
const ESCAPES: Array<[string, string, 'block' | 'line' | 'cell', string]> = [
  // HTML and autolinks become entities, outside code spans only: a code span shows its text as it is.
  ['HTML and autolinks', 'Evil <img src=x onerror=alert(1)> & <https://x.example>', 'block', 'Evil &lt;img src=x onerror=alert(1)&gt; &amp; &lt;https://x.example&gt;'],
  ['a script', '<script>alert(1)</script>', 'block', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['HTML in a code span', 'label `istio.io/rev=<rev>` & more', 'block', 'label `istio.io/rev=<rev>` &amp; more'],
  ['a longer code span', '``a ` <b> ``', 'block', '``a ` <b> ``'],
  // No heading, setext heading, thematic break, fence or blockquote can start a line.
  ['ATX headings', 'intro\n\n# Fake H1\n  ## also', 'block', 'intro\n\n\\# Fake H1\n  \\## also'],
  ['setext headings and breaks', 'Fake H1\n===\nFake H2\n---\n* * *\n___', 'block', 'Fake H1\n\\===\nFake H2\n\\---\n\\* * *\n\\___'],
  ['a tilde fence', '~~~\n<b>', 'block', '\\~~~\n&lt;b&gt;'],
  ['a blockquote', '> quoted', 'block', '&gt; quoted'],
  ['lists and emphasis are the author\'s', '- one\n- *two*\n1. three', 'block', '- one\n- *two*\n1. three'],
  // No link, image or link definition; brackets that link nothing are kept.
  ['links and images', '[x](javascript:alert(2)) ![i](https://t.example/p.png) [r][ref]', 'block', '[x\\](javascript:alert(2)) ![i\\](https://t.example/p.png) [r\\][ref]'],
  ['a link definition', '[ref]: javascript:alert(1)', 'block', '[ref\\]: javascript:alert(1)'],
  ['plain brackets', 'drop: [ALL]', 'block', 'drop: [ALL]'],
  // No table; in a table cell, no pipe even inside a code span.
  ['a table', 'a | b\n---|---\nc | d', 'block', 'a \\| b\n---\\|---\nc \\| d'],
  ['pipes in a cell', '`a|b` c|d', 'cell', '`a\\|b` c\\|d'],
  ['a pipe in a code span', '`a|b`', 'block', '`a|b`'],
  // Across lines CommonMark would pair the first backtick with the one on the next line, leaving <img> outside.
  ['a code span across lines', 'a ` b\n<img> ` c', 'block', 'a \\` b\n&lt;img&gt; \\` c'],
  ['a backtick fence', '```js\nx\n```', 'block', '\\`\\`\\`js\nx\n\\`\\`\\`'],
  ['a run closed only by one as long', '`` a ` ``', 'block', '`` a ` ``'],
  // Backslashes are the text's own; line and cell places keep to one line.
  ['backslashes', 'C:\\path \\<b>', 'block', 'C:\\\\path \\\\&lt;b&gt;'],
  ['one line', 'title\n# not a heading\r\nend', 'line', 'title # not a heading end'],
  ['CR line ends', 'a\r\nb\rc', 'block', 'a\nb\nc'],
];

test('markdownText: no HTML, heading, table, link, image or fence from the text; code spans, emphasis and lists kept', () => {
  for (const [what, text, place, want] of ESCAPES) assert.equal(markdownText(text, place), want, what);
});

test('codeFence: longer than any backtick run in the content, so no line of it closes the block', () => {
  const bad = "a: 1\n```\n\n<img src=x onerror=alert('fence')>\n\n```yaml";
  const fenced = codeFence(bad, 'yaml');
  assert.equal(fenced, `\`\`\`\`yaml\n${bad}\n\`\`\`\``);
  assert.equal(codeFence('x: 1\n\n', 'yaml'), '```yaml\nx: 1\n```', 'three backticks when the content has none; trailing blank lines dropped');
  assert.ok(codeFence('`````', '').startsWith('``````\n'));
});

test('codeSpan: delimited by more backticks than it holds, on one line', () => {
  assert.equal(codeSpan('VirtualService'), '`VirtualService`');
  assert.equal(codeSpan('a`b'), '``a`b``');
  assert.equal(codeSpan('`x'), '`` `x ``');
  assert.equal(codeSpan('a\nb'), '`a b`');
});

test('linkProblem: only http(s) URLs without characters that end a link', () => {
  assert.equal(linkProblem('https://istio.io/latest/docs/ops/best-practices/security/'), null);
  assert.equal(linkProblem('http://example.com/a?b=c&d=e#f'), null);
  assert.match(linkProblem('javascript:alert(1)')!, /javascript: scheme/);
  assert.match(linkProblem('data:text/html,<b>')!, /data: scheme/);
  assert.match(linkProblem('JavaScript:alert(1)')!, /javascript: scheme/);
  assert.match(linkProblem('/docs/x.md')!, /not an absolute URL/);
  assert.match(linkProblem('https://ok.example/>[x](javascript:alert(2))')!, /holds ">"/);
  for (const c of [' ', '(', ')', '[', ']', '<', '"', "'", '`', '\\', '\n']) assert.ok(linkProblem(`https://ok.example/a${c}b`), JSON.stringify(c));
});

test('linkOrText: a link when it is one, inert text when it is not', () => {
  assert.equal(linkOrText('https://ok.example/a'), 'https://ok.example/a');
  assert.equal(linkOrText('https://ok.example/a', true), '<https://ok.example/a>');
  assert.equal(linkOrText('https://ok.example/>[x](javascript:alert(2))', true), 'https://ok.example/&gt;[x\\](javascript:alert(2))');
  assert.equal(linkOrText('javascript:alert(1)', true), 'javascript:alert(1)');
});
