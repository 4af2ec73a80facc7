import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import byp001 from '../rules/sidecar/BYP001-proxy-uid-gid.js';
import { defineRule, type Rule } from '../rules/types.js';
import { SEVERITIES, type Finding, type Location, type Severity } from '../engine/finding.js';
import { scanYaml } from '../testing/kit.js';
import type { Report, ReportContext } from './types.js';
import { attr, junitReporter, LOAD_SUITE, text, xmlSafe } from './junit.js';

// --- A small, strict XML 1.0 well-formedness checker and tree builder --------------------------------
// Written for this test (xmllint is not assumed); it checks what matters for JUnit output: one root,
// matched tags, quoted attributes without `<`, no duplicate attributes, only the five predefined
// entities and character references to legal characters, no raw `&`, no `]]>` in text, and no
// character outside XML 1.0's Char production anywhere.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function decodeRefs(s: string, where: string): string {
  return s.replace(/&([^;]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new Error(`bare & in ${where}`);
    if (body in PREDEFINED) return PREDEFINED[body];
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (!m) throw new Error(`unknown entity &${body}; in ${where}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
    if (!isXmlChar(cp)) throw new Error(`reference to an illegal character &${body}; in ${where}`);
    return String.fromCodePoint(cp);
  });
}

function parseXml(xml: string): XmlElement {
  if (!XML_CHAR.test(xml)) throw new Error('character outside XML 1.0 Char');
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(xml);
    if (!m) throw new Error(`name expected at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const ws = () => {
    while (i < xml.length && ' \t\r\n'.includes(xml[i])) i++;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const chunk = xml.slice(i, lt < 0 ? xml.length : lt);
    if (chunk.includes(']]>')) throw new Error(']]> in character data');
    if (stack.length) stack[stack.length - 1].text += decodeRefs(chunk, 'text');
    else if (chunk.trim()) throw new Error('text outside the root element');
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === '/') {
      i++;
      const n = name();
      ws();
      if (xml[i] !== '>') throw new Error(`> expected at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== n) throw new Error(`mismatched end tag </${n}>`);
      continue;
    }
    if (xml[i] === '!' || xml[i] === '?') throw new Error(`unexpected markup at ${i}`);
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      ws();
      if (xml[i] === '>' || xml.startsWith('/>', i)) break;
      if (i === before) throw new Error(`whitespace expected before attribute at ${i}`);
      const a = name();
      ws();
      if (xml[i++] !== '=') throw new Error(`= expected after ${a}`);
      ws();
      const q = xml[i++];
      if (q !== '"' && q !== "'") throw new Error(`quote expected for ${a}`);
      const end = xml.indexOf(q, i);
      if (end < 0) throw new Error(`unterminated value of ${a}`);
      const raw = xml.slice(i, end);
      if (raw.includes('<')) throw new Error(`< in value of ${a}`);
      if (a in el.attrs) throw new Error(`duplicate attribute ${a}`);
      // Attribute-value normalisation: literal whitespace becomes a space, references are kept.
      el.attrs[a] = decodeRefs(raw.replace(/[\t\n\r]/g, ' '), `attribute ${a}`);
      i = end + 1;
    }
    const selfClosing = xml[i] === '/';
    i += selfClosing ? 2 : 1;
    if (stack.length) stack[stack.length - 1].children.push(el);
    else if (root) throw new Error('more than one root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

function all(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

// A second, independent parser when one is on the machine: Python's expat (strict about XML 1.0).
const python = spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { encoding: 'utf8' });
const HAVE_EXPAT = python.status === 0;

function expatElements(xml: string): Array<[string, Record<string, string>, string]> {
  const script = [
    'import sys, json, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    'print(json.dumps([[e.tag, e.attrib, e.text or ""] for e in root.iter()]))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' });
  assert.equal(r.status, 0, `expat rejected the document: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// --- Reports from the real pipeline ---------------------------------------------------------------

/** Test-only rule: flags ConfigMaps whose `test.meshward.io/message` annotation is set, verbatim. */
const echoRule: Rule = defineRule({
  meta: {
    id: 'TST902',
    title: 'ConfigMap <echo> & friends',
    severity: 'low',
    category: 'authn-authz',
    reads: ['ConfigMap'],
    docs: { summary: 'Echoes an annotation.', why: 'Tests.', fix: 'Remove the annotation.' },
  },
  check({ model, report }) {
    for (const cm of model.ofKind('', 'ConfigMap')) {
      const msg = cm.annotations['test.meshward.io/message'];
      if (typeof msg === 'string') report({ resource: cm, path: ['metadata', 'annotations'], message: msg, evidence: [{ role: 'self', description: msg, resource: cm }] });
    }
  },
});

/** A rule that never fires. */
const quietRule: Rule = defineRule({
  meta: { ...echoRule.meta, id: 'TST903', title: 'Never fires', severity: 'info' },
  check() {},
});

const RULES: readonly Rule[] = [byp001, echoRule, quietRule];

const FIXTURE = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsUser: 1337, runAsGroup: 1337}
      containers:
      - name: app
        image: example/app:1.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  annotations: {test.meshward.io/message: "plain message"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: broken
`;

async function reportFor(yaml: string): Promise<Report> {
  const res = await scanYaml(yaml, { rules: RULES });
  assert.deepEqual(res.failures, []);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of res.findings) bySeverity[f.severity]++;
  return {
    version: 1,
    findings: res.findings,
    errors: res.errors,
    summary: { bySeverity, resources: res.model.resources.length, files: 1, durationMs: 12, suppressed: 0, meshConfig: 'defaults', notes: [] },
  };
}

const ctx: ReportContext = { rules: RULES, color: false, cwd: '/work/repo', version: '1.2.3' };

function suites(root: XmlElement): XmlElement[] {
  assert.equal(root.name, 'testsuites');
  return root.children.filter((c) => c.name === 'testsuite');
}

/** Every count attribute equals what the document holds. */
function assertCountsAddUp(root: XmlElement): void {
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of suites(root)) {
    const cases = s.children.filter((c) => c.name === 'testcase');
    const got = {
      tests: cases.length,
      failures: cases.filter((c) => c.children.some((x) => x.name === 'failure')).length,
      errors: cases.filter((c) => c.children.some((x) => x.name === 'error')).length,
      skipped: cases.filter((c) => c.children.some((x) => x.name === 'skipped')).length,
    };
    for (const k of Object.keys(got) as Array<keyof typeof got>) {
      assert.equal(s.attrs[k], String(got[k]), `${s.attrs.name}: ${k}`);
      total[k] += got[k];
    }
    for (const c of cases) assert.ok(c.children.filter((x) => x.name !== 'system-out').length <= 1, 'at most one outcome per testcase');
  }
  for (const k of Object.keys(total) as Array<keyof typeof total>) assert.equal(root.attrs[k], String(total[k]), `testsuites: ${k}`);
}

// --- Tests ----------------------------------------------------------------------------------------

test('JUnit from a real scan: a suite per rule, a testcase per finding, load errors, counts that add up', async () => {
  const report = await reportFor(FIXTURE);
  assert.equal(report.findings.length, 3);
  assert.equal(report.errors.length, 1);
  const xml = junitReporter(report, ctx);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const root = parseXml(xml);
  assertCountsAddUp(root);
  assert.equal(root.attrs.name, 'meshward');
  assert.equal(root.attrs.time, '0.012');

  const s = suites(root);
  assert.deepEqual(
    s.map((x) => x.attrs.name),
    ['BYP001: Container runs as the proxy UID or GID 1337', 'TST902: ConfigMap <echo> & friends', 'TST903: Never fires', LOAD_SUITE],
  );

  const byp = s[0].children.filter((c) => c.name === 'testcase');
  assert.equal(byp.length, 2);
  // Both fields sit on line 7: the second testcase name is made distinct with its fingerprint.
  const fps = report.findings.filter((f) => f.ruleId === 'BYP001').map((f) => f.fingerprint);
  assert.deepEqual(
    byp.map((tc) => tc.attrs.name),
    ['BYP001 test.yaml:7', `BYP001 test.yaml:7 #${fps[1].slice(0, 8)}`],
  );
  for (const tc of byp) {
    assert.equal(tc.attrs.classname, 'Deployment/shop/web');
    const [failure] = tc.children;
    assert.equal(failure.name, 'failure');
    assert.equal(failure.attrs.type, 'high');
    assert.match(failure.attrs.message, /runs as (UID|GID) 1337/);
    assert.match(failure.text, /Remediation: Run the application as another UID/);
    assert.match(failure.text, /Location: {4}test\.yaml:7:\d+ \(spec\.template\.spec\.securityContext\.runAs(User|Group)\)/);
    assert.match(failure.text, /Fingerprint: [0-9a-f]{32}/);
  }
  const props = all(s[0], 'property').map((p) => [p.attrs.name, p.attrs.value]);
  assert.deepEqual(props, [['severity', 'high'], ['category', 'sidecar-bypass']]);

  const [quiet] = s[2].children.filter((c) => c.name === 'testcase');
  assert.deepEqual(quiet, { name: 'testcase', attrs: { classname: 'TST903', name: 'TST903 no findings' }, children: [], text: '' });

  const load = s[3].children.filter((c) => c.name === 'testcase');
  assert.equal(load.length, 1);
  const e = report.errors[0];
  assert.equal(load[0].attrs.classname, LOAD_SUITE);
  assert.equal(load[0].attrs.name, `test.yaml:${e.line}`);
  assert.equal(load[0].children[0].name, 'error');
  assert.equal(load[0].children[0].attrs.message, e.message);
  assert.equal(load[0].children[0].text, `test.yaml:${e.line}: ${e.message}`);
  assert.deepEqual([s[3].attrs.tests, s[3].attrs.errors, s[3].attrs.failures], ['1', '1', '0']);
  assert.deepEqual([root.attrs.tests, root.attrs.failures, root.attrs.errors], ['5', '3', '1']);
});

test('a clean run has one passing testcase per rule and a passing load suite', async () => {
  const res = await reportFor('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
  const root = parseXml(junitReporter(res, ctx));
  assertCountsAddUp(root);
  assert.deepEqual([root.attrs.tests, root.attrs.failures, root.attrs.errors, root.attrs.skipped], ['4', '0', '0', '0']);
  for (const tc of all(root, 'testcase')) assert.deepEqual(tc.children, []);
});

const HOSTILE = [
  '</failure></testcase><testcase name="injected"><![CDATA[',
  ']]> & &amp; &#0; &lt; "double" \'single\'',
  'controls: \u0000\u0001\u0008\u000b\u000c\u001b\u007f\u0085 end',
  `surrogates: \ud800 lone, \udfff lone, \ud83d\udd25 pair; nonchars \ufffe \uffff`,
  'tab:\there crlf:\r\nnext line',
].join('\n');

test('hostile messages, names and titles never break the XML and survive as text', async () => {
  const yamlString = JSON.stringify(HOSTILE); // a YAML double-quoted scalar accepts JSON escapes
  const report = await reportFor(FIXTURE.replace('"plain message"', yamlString));
  const echo = report.findings.find((f) => f.ruleId === 'TST902')!;
  assert.equal(echo.message, HOSTILE, 'the hostile text reached the finding unchanged');
  // Hostile file names, resource names and load errors too.
  const findings: Finding[] = report.findings.map((f) =>
    f.ruleId === 'TST902' ? { ...f, resource: { ...f.resource, name: 'x<y>&"z"\u0002' }, location: f.location && { ...f.location, file: 'a&b<c>.yaml' } as Location } : f,
  );
  const errors = [...report.errors, { file: 'evil"\'<>&\u0003.yaml', line: 3, message: HOSTILE }];
  const xml = junitReporter({ ...report, findings, errors }, ctx);

  const root = parseXml(xml);
  assertCountsAddUp(root);
  assert.equal(all(root, 'testcase').filter((t) => t.attrs.name === 'injected').length, 0, 'no injected element');
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(xml), 'no raw control characters');
  assert.ok(!xml.includes(']]>'), 'no CDATA terminator');

  const sanitized = xmlSafe(HOSTILE);
  assert.ok(sanitized.includes('\ud83d\udd25'), 'a valid astral character is kept');
  assert.ok(!/[\ud800-\udfff](?![\udc00-\udfff])/.test(sanitized.replace(/\ud83d\udd25/g, '')), 'lone surrogates are gone');

  const echoCase = all(root, 'testcase').find((t) => t.attrs.classname.startsWith('ConfigMap/'))!;
  assert.equal(echoCase.attrs.classname, 'ConfigMap/shop/x<y>&"z"\ufffd');
  assert.match(echoCase.attrs.name, /^TST902 a&b<c>\.yaml:\d+$/);
  const failure = echoCase.children[0];
  assert.equal(failure.attrs.message, sanitized, 'the attribute round-trips, whitespace included');
  assert.ok(failure.text.startsWith(`${sanitized}\n`), 'the body round-trips, CR included');
  assert.ok(failure.text.includes(`  - self: ${sanitized}`));

  const loadCases = all(root, 'testcase').filter((t) => t.attrs.classname === LOAD_SUITE);
  assert.equal(loadCases[1].attrs.name, 'evil"\'<>&\ufffd.yaml:3');
  assert.equal(loadCases[1].children[0].attrs.message, sanitized);

  const suite = suites(root).find((s) => s.attrs.name.startsWith('TST902'))!;
  assert.equal(suite.attrs.name, 'TST902: ConfigMap <echo> & friends');
});

test('an independent XML parser (expat) agrees', { skip: HAVE_EXPAT ? false : 'python3 with xml.etree is not installed' }, async () => {
  const report = await reportFor(FIXTURE.replace('"plain message"', JSON.stringify(HOSTILE)));
  const xml = junitReporter({ ...report, errors: [...report.errors, { file: 'f&.yaml', line: 1, message: HOSTILE }] }, ctx);
  const mine = parseXml(xml);
  const theirs = expatElements(xml);
  const flat: Array<[string, Record<string, string>]> = [];
  const walk = (e: XmlElement) => {
    flat.push([e.name, e.attrs]);
    e.children.forEach(walk);
  };
  walk(mine);
  assert.deepEqual(
    theirs.map(([tag, attrs]) => [tag, attrs]),
    flat,
  );
  const failureText = theirs.find(([tag, a]) => tag === 'failure' && a.type === 'low')![2];
  assert.ok(failureText.startsWith(xmlSafe(HOSTILE)));
});

test('suppressed findings are skipped, not failures; same-line findings get distinct names', async () => {
  const report = await reportFor(FIXTURE);
  const byp = report.findings.filter((f) => f.ruleId === 'BYP001');
  assert.equal(byp.length, 2);
  const findings: Finding[] = [
    byp[0],
    { ...byp[1], suppressed: { kind: 'annotation', reason: 'intended' } },
    { ...byp[0], fingerprint: 'f'.repeat(32) },
  ];
  const root = parseXml(junitReporter({ ...report, findings, errors: [] }, ctx));
  assertCountsAddUp(root);
  const cases = suites(root)[0].children.filter((c) => c.name === 'testcase');
  assert.deepEqual(
    cases.map((c) => c.children[0].name),
    ['failure', 'skipped', 'failure'],
  );
  assert.equal(cases[1].children[0].attrs.message, 'suppressed (annotation): intended');
  const names = cases.map((c) => `${c.attrs.classname} ${c.attrs.name}`);
  assert.equal(new Set(names).size, names.length, `distinct: ${names.join(' | ')}`);
  assert.equal(cases[2].attrs.name, 'BYP001 test.yaml:7 #ffffffff');
  assert.deepEqual([suites(root)[0].attrs.failures, suites(root)[0].attrs.skipped], ['2', '1']);
});

test('findings of a rule the context does not list get their own suite', async () => {
  const report = await reportFor(FIXTURE);
  const root = parseXml(junitReporter(report, { ...ctx, rules: [byp001] }));
  assertCountsAddUp(root);
  assert.deepEqual(
    suites(root).map((s) => s.attrs.name),
    ['BYP001: Container runs as the proxy UID or GID 1337', 'TST902: ConfigMap <echo> & friends', LOAD_SUITE],
  );
});

test('escaping helpers', () => {
  assert.equal(text('a<b>&c]]>'), 'a&lt;b&gt;&amp;c]]&gt;');
  assert.equal(attr('"\'\t\n\r'), '&quot;&apos;&#9;&#10;&#13;');
  assert.equal(xmlSafe('a\u0000b\ud800c\ud83d\udd25'), 'a\ufffdb\ufffdc\ud83d\udd25');
  assert.equal(xmlSafe('\t\n\r\u0085\ud7ff\ue000\ufffd'), '\t\n\r\u0085\ud7ff\ue000\ufffd');
  // Bidi, zero-width, line-separator and C1 characters: a parser reads them, a terminal showing the file does not act on them.
  assert.equal(text('a\u202eb\u200bc\u0085d\u2028e\ufefff'), 'a&#x202e;b&#x200b;c&#x85;d&#x2028;e&#xfeff;f');
  assert.equal(attr('n\u2066\u009b'), 'n&#x2066;&#x9b;');
});

test('the well-formedness checker rejects what a real parser rejects (guards the test)', () => {
  const bad = [
    '<a>&</a>',
    '<a>&foo;</a>',
    '<a>]]></a>',
    '<a b="<"/>',
    '<a b="1" b="2"/>',
    '<a b=1/>',
    '<a>\u0001</a>',
    '<a>&#1;</a>',
    '<a>&#xFFFE;</a>',
    '<a></b>',
    '<a/><b/>',
    '<a>',
    'x<a/>',
    '<a><![CDATA[x]]></a>',
  ];
  for (const doc of bad) assert.throws(() => parseXml(doc), Error, JSON.stringify(doc));
  assert.deepEqual(parseXml('<a x="&lt;&#10;">t&amp;<b/></a>'), {
    name: 'a',
    attrs: { x: '<\n' },
    children: [{ name: 'b', attrs: {}, children: [], text: '' }],
    text: 't&',
  });
  if (HAVE_EXPAT) {
    for (const doc of bad) {
      const r = spawnSync('python3', ['-c', 'import sys, xml.etree.ElementTree as ET; ET.fromstring(sys.stdin.buffer.read())'], { input: Buffer.from(doc, 'utf8') });
      // CDATA is well-formed XML; this checker refuses it only because the reporter never writes it.
      if (doc.includes('CDATA')) assert.equal(r.status, 0);
      else assert.notEqual(r.status, 0, `expat should reject ${JSON.stringify(doc)}`);
    }
  }
});
