#!/usr/bin/env node
// Experiment (not production code): how fast could a parser for the common subset of Kubernetes
// YAML be, compared with js-yaml? The subset: block mappings and sequences, plain, single- and
// double-quoted scalars on one line, `|` / `|-` literal blocks, `{}` and `[]`, full-line comments.
// Anything else (anchors, aliases, tags, flow collections with content, folded or multi-line plain
// scalars, `?` keys, tabs, trailing comments) makes it give up on that document, which would then
// go to js-yaml. Every document it does parse is checked against js-yaml (deep equality), so the
// speed figure is only for output identical to what meshward gets today.
//
//   node bench/experiments/fast-yaml-subset.js [corpus-dir]
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require(path.join(here, '..', '..', 'node_modules', 'js-yaml'));
const SCHEMA = yaml.CORE_SCHEMA.extend([yaml.types.merge]);

class GiveUp extends Error {}
const giveUp = () => {
  throw new GiveUp();
};

// YAML 1.2 core schema, as js-yaml resolves plain scalars.
const INT = /^(?:[-+]?(?:0|[1-9][0-9_]*)|0o[0-7_]+|0x[0-9a-fA-F_]+)$/;
const FLOAT = /^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
// Characters that may not start a plain scalar (besides - ? : followed by a space).
const INDICATOR = new Uint8Array(128);
for (const ch of ',[]{}#&*!|>\'"%@` ') INDICATOR[ch.charCodeAt(0)] = 1;

function plain(s) {
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    if (INT.test(s) || FLOAT.test(s)) return yaml.load(s, { schema: SCHEMA }); // rare: let js-yaml do numbers exactly
  }
  if (INDICATOR[c] || (c === 45 || c === 63 || c === 58 ? s.charCodeAt(1) === 32 || s.length === 1 : false)) giveUp();
  if (s.includes(': ') || s.charCodeAt(s.length - 1) === 58 || s.includes(' #') || s.includes('\t')) giveUp();
  return s;
}

function scalar(s) {
  const c = s.charCodeAt(0);
  if (c === 34 /* " */) {
    if (s.charCodeAt(s.length - 1) !== 34 || /\\[^"\\\/bfnrtu]/.test(s)) giveUp();
    return JSON.parse(s);
  }
  if (c === 39 /* ' */) {
    if (s.charCodeAt(s.length - 1) !== 39) giveUp();
    const body = s.slice(1, -1);
    if (/'(?!')/.test(body.replace(/''/g, ''))) giveUp();
    return body.replace(/''/g, "'");
  }
  if (s === '{}') return {};
  if (s === '[]') return [];
  if (c === 123 || c === 91 || c === 38 || c === 42 || c === 33 || c === 62 || c === 124) giveUp(); // { [ & * ! > |
  return plain(s);
}

function indentOf(line) {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) === 9) giveUp();
  return i;
}

/** Parses one document; gives up (GiveUp) outside the subset. */
export function parseSubset(text) {
  const raw = text.split('\n');
  const lines = [];
  for (let l of raw) {
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.startsWith('---')) {
      if (l.length > 3 && l.trim() !== '---') giveUp();
      continue;
    }
    if (l.startsWith('...') || l.startsWith('%')) giveUp();
    lines.push(l);
  }
  let i = 0;
  const skipBlank = () => {
    while (i < lines.length) {
      const l = lines[i];
      let k = 0;
      while (l.charCodeAt(k) === 32) k++;
      if (k === l.length || l.charCodeAt(k) === 35) i++;
      else break;
    }
  };

  function block(minIndent) {
    skipBlank();
    if (i >= lines.length) return null;
    const n = indentOf(lines[i]);
    if (n < minIndent) return null;
    const t = lines[i].slice(n);
    return t === '-' || t.startsWith('- ') ? seq(n) : map(n);
  }

  function valueAfterKey(rest, n) {
    if (rest === '') {
      i++;
      skipBlank();
      if (i < lines.length) {
        const m = indentOf(lines[i]);
        const t = lines[i].slice(m);
        if (m > n) return block(m);
        if (m === n && (t === '-' || t.startsWith('- '))) return seq(n);
      }
      return null;
    }
    if (rest === '|' || rest === '|-' || rest === '|+') {
      i++;
      const body = [];
      let bi = -1;
      while (i < lines.length) {
        const l = lines[i];
        if (l.trim() === '') {
          body.push('');
          i++;
          continue;
        }
        const m = indentOf(l);
        if (m <= n) break;
        if (bi < 0) bi = m;
        if (m < bi) giveUp();
        body.push(l.slice(bi));
        i++;
      }
      while (body.length && body[body.length - 1] === '') body.pop();
      if (rest === '|+') giveUp();
      return body.join('\n') + (rest === '|' && body.length ? '\n' : '');
    }
    i++;
    // A plain scalar continued on the next, more indented line is a multi-line scalar: not in the subset.
    if (i < lines.length && lines[i].trim() !== '' && indentOf(lines[i]) > n && rest[0] !== '"' && rest[0] !== "'") giveUp();
    return scalar(rest);
  }

  function map(n) {
    const out = {};
    while (true) {
      skipBlank();
      if (i >= lines.length) break;
      const l = lines[i];
      const m = indentOf(l);
      if (m < n) break;
      if (m > n) giveUp();
      const t = l.slice(n);
      if (t === '-' || t.startsWith('- ')) break;
      let key;
      let rest;
      if (t[0] === '"' || t[0] === "'") {
        const end = t.indexOf(t[0], 1);
        if (end < 0 || t[end + 1] !== ':') giveUp();
        key = scalar(t.slice(0, end + 1));
        rest = t.slice(end + 2).trim();
      } else {
        const colon = t.indexOf(': ');
        const k = colon < 0 ? (t.charCodeAt(t.length - 1) === 58 ? t.slice(0, -1) : giveUp()) : t.slice(0, colon);
        const k0 = k.charCodeAt(0);
        if (INDICATOR[k0] || k0 === 63 || k === '<<' || k.includes(' #')) giveUp();
        key = k;
        rest = colon < 0 ? '' : t.slice(colon + 2).trim();
      }
      if (typeof key !== 'string') giveUp();
      if (Object.prototype.hasOwnProperty.call(out, key)) giveUp();
      const value = valueAfterKey(rest, n);
      // Keys like __proto__ are data, as in js-yaml.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  function seq(n) {
    const out = [];
    while (true) {
      skipBlank();
      if (i >= lines.length) break;
      const l = lines[i];
      const m = indentOf(l);
      if (m !== n) {
        if (m > n) giveUp();
        break;
      }
      const t = l.slice(n);
      if (!(t === '-' || t.startsWith('- '))) break;
      const rest = t === '-' ? '' : t.slice(2).trimStart();
      if (rest === '') {
        i++;
        out.push(block(n + 1));
        continue;
      }
      const itemIndent = n + (t.length - t.slice(1).trimStart().length);
      if (rest.startsWith('- ')) giveUp();
      const r0 = rest.charCodeAt(0);
      let isMapItem = false;
      if (r0 === 34 || r0 === 39) {
        const end = rest.indexOf(rest[0], 1);
        isMapItem = end > 0 && rest.charCodeAt(end + 1) === 58;
      } else if (!INDICATOR[r0]) {
        const colon = rest.indexOf(':');
        isMapItem = colon > 0 && (colon === rest.length - 1 || rest.charCodeAt(colon + 1) === 32);
      }
      if (isMapItem) {
        lines[i] = ' '.repeat(itemIndent) + rest; // the item's first key, re-read as a mapping line
        out.push(map(itemIndent));
      } else {
        out.push(valueAfterKey(rest, n));
      }
    }
    return out;
  }

  const v = block(0);
  skipBlank();
  if (i < lines.length) giveUp();
  return v;
}

// ---------------------------------------------------------------------------------------------

const dir = process.argv[2] ?? path.join(here, '..', 'out', 'mesh-100k');
const docs = [];
for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  for (const d of text.split(/^(?=---(?:[ \t\r]|$))/m)) if (d.trim()) docs.push(d);
}
console.log(`${dir}: ${docs.length} documents, ${(docs.reduce((n, d) => n + d.length, 0) / 1e6).toFixed(1)} MB`);

let gaveUp = 0;
for (const d of docs) {
  let fast;
  try {
    fast = parseSubset(d);
  } catch (e) {
    if (!(e instanceof GiveUp)) throw e;
    gaveUp++;
    continue;
  }
  assert.deepStrictEqual(fast, yaml.load(d, { schema: SCHEMA }));
}
console.log(`  correctness: ${docs.length - gaveUp} documents identical to js-yaml, ${gaveUp} outside the subset`);

for (let round = 1; round <= 3; round++) {
  globalThis.gc?.();
  let t0 = performance.now();
  for (const d of docs) yaml.load(d, { schema: SCHEMA });
  const tj = performance.now() - t0;
  globalThis.gc?.();
  t0 = performance.now();
  for (const d of docs) {
    try {
      parseSubset(d);
    } catch {
      yaml.load(d, { schema: SCHEMA });
    }
  }
  const tf = performance.now() - t0;
  console.log(`  round ${round}: js-yaml ${(tj / 1000).toFixed(2)} s, subset parser (js-yaml fallback) ${(tf / 1000).toFixed(2)} s, ${(tj / tf).toFixed(1)}x`);
}
