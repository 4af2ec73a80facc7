#!/usr/bin/env node
// Lists the rules that keep the promises of `scope: 'namespace'` (src/engine/scope.ts) over the
// scope corpora (src/testing/scope-check.ts): candidates to declare it, after reading the rule (a
// corpus shows only the dependencies it contains). Needs `npm run build` first.
//
//   node scripts/scope-discover.js [--random 300] [--seed 17]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const mod = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

const { allRules } = await mod('rules/index.js');
const { scopeCorpora, scopeViolations } = await mod('testing/scope-check.js');
const corpora = scopeCorpora(allRules, arg('--random', 300), arg('--seed', 17));
const broken = new Map();
for (const c of corpora) {
  const live = allRules.filter((r) => !broken.has(r.meta.id));
  for (const [id, why] of scopeViolations(live, c.objects, c.opts)) broken.set(id, `${c.name}: ${why}`);
}
const keep = allRules.filter((r) => !broken.has(r.meta.id));
console.log(`${corpora.length} corpora; ${keep.length} of ${allRules.length} rules keep both promises:`);
console.log(keep.map((r) => `${r.meta.id}${r.meta.scope === 'namespace' ? '' : ' (not declared)'}`).join(' '));
console.log('\nbroken:');
for (const r of allRules) if (broken.has(r.meta.id)) console.log(`${r.meta.id}${r.meta.scope === 'namespace' ? ' (DECLARED)' : ''}: ${broken.get(r.meta.id).slice(0, 300)}`);
