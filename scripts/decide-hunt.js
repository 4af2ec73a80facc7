#!/usr/bin/env node
// Decides every object of folders of manifests (as a cache) as CREATE, UPDATE and DELETE reviews, both
// with the webhook's fast decision and with the reference (two full analyses), and prints every review
// where they differ: the equivalence tests' check (src/webhook/decide-equivalence.test.ts) on inputs
// that are not in the repository, such as a fetched copy of Istio's samples. Plain YAML files (and the
// injector's `.injected` outputs) under each folder, recursively; files with Helm templates (`{{`) are
// left out; an object whose identity another file already used is renamed, so every one counts.
// Needs `npm run build` first. Exit 1 when a review differs.
//
//   node scripts/decide-hunt.js FOLDER [FOLDER...]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const mod = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const { FastDecider, decideReference } = await mod('webhook/decide.js');
const { parseObjects, casesOf, identity, CORPUS_CLUSTER } = await mod('testing/decide-corpus.js');
const { defaultSettings } = await mod('config/settings.js');
const { isClusterScoped } = await mod('model/resource.js');

const opts = { tenantPolicy: null, settings: defaultSettings(), cluster: CORPUS_CLUSTER };
const folders = process.argv.slice(2);
if (!folders.length) {
  process.stderr.write('usage: node scripts/decide-hunt.js FOLDER [FOLDER...]\n');
  process.exit(2);
}

function manifests(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...manifests(p));
    else if (/\.(ya?ml|injected)$/.test(e.name) && !fs.readFileSync(p, 'utf8').includes('{{')) out.push(p);
  }
  return out;
}

let reviews = 0;
let differ = 0;
let fast = 0;
for (const folder of folders) {
  const byIdentity = new Map();
  manifests(folder).forEach((file, i) => {
    let objects = [];
    try {
      objects = parseObjects(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      process.stderr.write(`${file}: not read (${err.message.split('\n')[0]})\n`);
    }
    for (const o of objects) {
      if (!o?.kind || typeof o.metadata?.name !== 'string') continue;
      // A namespaced object without a namespace is in `default`, as kubectl applies it.
      if (!o.metadata.namespace && !isClusterScoped(String(o.kind))) o.metadata.namespace = 'default';
      if (byIdentity.has(identity(o)) && o.kind !== 'Namespace') o.metadata.name = `${o.metadata.name}-${i}`;
      byIdentity.set(identity(o), o);
    }
  });
  const cases = casesOf(path.basename(folder), [...byIdentity.values()]);
  for (const c of cases) {
    reviews++;
    const decider = new FastDecider(opts, { staleness: 'wait' });
    const got = JSON.stringify(decider.decide(c.req, c.state).introduced);
    const want = JSON.stringify(decideReference(c.req, c.state, opts).introduced);
    fast += decider.stats().fast;
    if (got === want) continue;
    differ++;
    process.stdout.write(`DIFFERS ${c.name}\n  fast:      ${got.slice(0, 400)}\n  reference: ${want.slice(0, 400)}\n`);
  }
  process.stdout.write(`${folder}: ${byIdentity.size} objects, ${cases.length} reviews\n`);
}
process.stdout.write(`${reviews} reviews, ${fast} on the fast path, ${differ} differ\n`);
process.exit(differ ? 1 : 0);
