#!/usr/bin/env node
// Experiment: the cost of the loader's per-document shape check (node count and depth budget,
// src/loader/parse.ts checkShape) on the corpus, against two cheaper ways to enforce the same
// budget. Parses the corpus once with js-yaml, then times each checker over every document.
//
//   node bench/experiments/check-shape.js [corpus-dir]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require(path.join(here, '..', '..', 'node_modules', 'js-yaml'));
const SCHEMA = yaml.CORE_SCHEMA.extend([yaml.types.merge]);
const MAX_NODES = 2_000_000;
const MAX_DEPTH = 200;

// As in src/loader/parse.ts today: an explicit stack of {value, depth} objects.
function stackOfObjects(root) {
  let nodes = 0;
  const stack = [{ v: root, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop();
    if (++nodes > MAX_NODES) return 'too many nodes';
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_DEPTH) return 'too deep';
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push({ v: v[i], d: d + 1 });
    else for (const k in v) stack.push({ v: v[k], d: d + 1 });
  }
  return null;
}

// Two parallel arrays instead of an object per node; scalars are counted without being pushed.
function parallelStacks(root) {
  let nodes = 1;
  if (root === null || typeof root !== 'object') return null;
  const vals = [root];
  const depths = [0];
  while (vals.length) {
    const v = vals.pop();
    const d = depths.pop();
    if (d >= MAX_DEPTH) return 'too deep';
    const push = (c) => {
      if (++nodes > MAX_NODES) return false;
      if (c !== null && typeof c === 'object') {
        vals.push(c);
        depths.push(d + 1);
      }
      return true;
    };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!push(v[i])) return 'too many nodes';
    } else {
      for (const k in v) if (!push(v[k])) return 'too many nodes';
    }
  }
  return null;
}

// Recursion with a depth argument (depth is capped at MAX_DEPTH, far below the stack limit).
function recursive(root) {
  let nodes = 0;
  const walk = (v, d) => {
    if (++nodes > MAX_NODES) return 'too many nodes';
    if (v === null || typeof v !== 'object') return null;
    if (d >= MAX_DEPTH) return 'too deep';
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = walk(v[i], d + 1);
        if (r) return r;
      }
    } else {
      for (const k in v) {
        const r = walk(v[k], d + 1);
        if (r) return r;
      }
    }
    return null;
  };
  return walk(root, 0);
}

const dir = process.argv[2] ?? path.join(here, '..', 'out', 'mesh-100k');
const docs = [];
for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
  yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8'), (d) => d && docs.push(d), { schema: SCHEMA });
}
console.log(`${dir}: ${docs.length} documents`);
for (let round = 0; round < 2; round++) {
  for (const [name, fn] of [
    ['stack of {v, d} objects (parse.ts today)', stackOfObjects],
    ['two parallel arrays, scalars not pushed', parallelStacks],
    ['recursion with a depth argument', recursive],
  ]) {
    globalThis.gc?.();
    const t0 = performance.now();
    let bad = 0;
    for (const d of docs) if (fn(d)) bad++;
    console.log(`  ${name.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  (${bad} rejected)`);
  }
}
