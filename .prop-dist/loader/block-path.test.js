import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { blockOffsetAlongPath } from './block-path.js';
import { cstOffsetAlongPath, parseCst } from './locate.js';
import { splitYamlDocuments } from './split.js';
import { flowRootOffset } from './flow-path.js';
/** Every path to every node of a value, and paths that go one step too far or miss. */
function probes(v, prefix = [], out = []) {
    out.push(prefix, [...prefix, 'not-there'], [...prefix, 7]);
    if (Array.isArray(v)) {
        out.push([...prefix, '0'], [...prefix, v.length]);
        v.forEach((x, i) => probes(x, [...prefix, i], out));
    }
    else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v))
            probes(x, [...prefix, k], out);
    return out;
}
/** Checks the line walk against the CST walk on every probe of every block document of `text`. */
function compareAll(text, where, tally) {
    for (const span of splitYamlDocuments(text)) {
        if (flowRootOffset(text, span.start, span.end) >= 0)
            continue;
        let value;
        try {
            value = yaml.load(text.slice(span.start, span.end));
        }
        catch {
            continue;
        }
        const doc = parseCst(text, span.start, span.end);
        for (const p of probes(value)) {
            const walked = blockOffsetAlongPath(text, span.start, span.end, p);
            if (walked === undefined) {
                tally.fellBack++;
                continue;
            }
            tally.walked++;
            assert.equal(walked, cstOffsetAlongPath(doc, text, span.start, span.end, p), `${where} line ${span.line}: path ${JSON.stringify(p)}`);
        }
    }
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
function yamlFiles(dir, out = []) {
    for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory())
            yamlFiles(p, out);
        else if (/\.ya?ml$/.test(name))
            out.push(p);
    }
    return out;
}
test('line walk: same offsets as the CST on every path of every example manifest', () => {
    const tally = { walked: 0, fellBack: 0 };
    const files = yamlFiles(path.join(repo, 'examples'));
    assert.ok(files.length >= 10, 'the examples are found');
    for (const f of files)
        compareAll(readFileSync(f, 'utf8'), path.relative(repo, f), tally);
    // The walk must answer nearly everything in ordinary manifests, or it saves nothing.
    assert.ok(tally.walked > 5000, `walked ${tally.walked}`);
    assert.ok(tally.fellBack < tally.walked / 10, `fell back ${tally.fellBack} times, walked ${tally.walked}`);
});
/** Block YAML the walk reads itself: each must match the CST exactly. */
const READ = [
    // Comments anywhere, including less indented than the block they sit in, and after values.
    `---
# leading comment
apiVersion: v1   # trailing
kind: Pod
metadata:
  name: p
# a comment at column 0 inside the mapping
  labels:
      # deeper comment
    app: web
  annotations:
    sidecar.istio.io/inject: "false"
    'single quoted': 'it''s'
    "double quoted key": x
spec:
  containers:
  - name: app
    image: nginx:1.25
    ports:
    - containerPort: 80
      name: http
    -   containerPort: 443
    args:
    -
      - nested
    - # a comment where the item's value would be
      key: value
    -
    - last
  - name: sidecar
    command: [sh, -c, "echo a: b"]
    env: {A: 1, B: [x, {y: z}]}
`,
    // Block scalars whose content looks like keys and sequences; multi-line plain scalars.
    `kind: ConfigMap
data:
  script: |
    key: not a key
    - not an item
    # not a comment
  folded: >-
    text
      more: text
  plain: first line
    continued: still the same scalar
  after: yes
  9090: port
  a:b: colon inside a key
  "x y"   : spaced key
  empty:
  nulls: ~
`,
    // A root sequence, mappings as items, empty items, keys after a sequence at the key's indentation.
    `- a: 1
  b:
  - x
  - y
  c: 3
- plain
-
  d: 4
- {e: 5}
- [6, 7]
- |
  block
- "quoted"
`,
    // Duplicate keys: the first one wins in both.
    `a: 1
a: 2
b:
  c: 1
  c: 2
`,
    // A document that is only comments and a marker, and one that is a bare scalar.
    `---
# nothing here
`,
    `just a scalar
`,
];
/** YAML left to the CST: the walk must say so (undefined) rather than guess. */
const LEFT_TO_CST = [
    'a: &x {b: 1}\nc: *x\n',
    'a: !!str 1\nb:\n  c: 2\n',
    '"esc\\"aped": 1\nb: 2\n',
    'a: 1\r\nb:\r\n  c: 2\r\n',
    'a:\n- - x\n  - y\n',
    '? complex\n: value\n',
    'a: "open\n  quote"\nb: 1\n',
    '--- |\n  text\n',
    '%YAML 1.2\n---\na: 1\n',
    'a:\tb\nc:\n  d: 1\n',
];
test('line walk: hand-written block YAML (comments, block scalars, empty items, odd keys) matches the CST', () => {
    const tally = { walked: 0, fellBack: 0 };
    for (const text of READ)
        compareAll(text, JSON.stringify(text.slice(0, 30)), tally);
    assert.ok(tally.walked > 150 && tally.fellBack === 0, `walked ${tally.walked}, fell back ${tally.fellBack}`);
});
test('line walk: anchors, tags, escapes, CR line ends, complex keys and directives are left to the CST', () => {
    for (const text of LEFT_TO_CST) {
        const span = { start: 0, end: text.length };
        const value = yaml.load(text.slice(span.start, span.end));
        const answers = probes(value).map((p) => blockOffsetAlongPath(text, span.start, span.end, p));
        assert.ok(answers.some((a) => a === undefined), `${JSON.stringify(text)}: some path must fall back to the CST`);
        // Whatever it does answer must still be right.
        const doc = parseCst(text, span.start, span.end);
        probes(value).forEach((p, i) => {
            if (answers[i] !== undefined)
                assert.equal(answers[i], cstOffsetAlongPath(doc, text, span.start, span.end, p), `${JSON.stringify(text)} ${JSON.stringify(p)}`);
        });
    }
});
test('line walk: hostile keys (prototype names, huge values) are plain text to it', () => {
    const text = `__proto__:\n  constructor: 1\ntoString: ${'x'.repeat(100_000)}\nhasOwnProperty:\n- a\n`;
    const doc = parseCst(text, 0, text.length);
    for (const p of [['__proto__', 'constructor'], ['toString'], ['hasOwnProperty', 0], ['constructor']]) {
        const walked = blockOffsetAlongPath(text, 0, text.length, p);
        assert.notEqual(walked, undefined);
        assert.equal(walked, cstOffsetAlongPath(doc, text, 0, text.length, p), JSON.stringify(p));
    }
});
