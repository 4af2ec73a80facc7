#!/usr/bin/env node
// Generates docs/rules/<ID>.md and docs/rules/README.md from the rules' metadata (run after `npm run build`).
// With --check, writes nothing and exits 1 when the committed docs differ from the metadata.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { allRules } = await import(path.join(root, 'dist/rules/index.js'));
const { renderRuleDoc } = await import(path.join(root, 'dist/rules/docs.js'));
const { CATEGORY_TITLES } = await import(path.join(root, 'dist/rules/types.js'));
const check = process.argv.includes('--check');
const dir = path.join(root, 'docs/rules');

const wanted = new Map();
for (const rule of allRules) wanted.set(`${rule.meta.id}.md`, renderRuleDoc(rule, CATEGORY_TITLES));
const index = ['# Rules', '', 'Generated from rule metadata by `npm run docs`; do not edit by hand.', ''];
for (const [cat, title] of Object.entries(CATEGORY_TITLES)) {
  const rules = allRules.filter((r) => r.meta.category === cat);
  if (!rules.length) continue;
  index.push(`## ${title}`, '', '| ID | Severity | Title |', '| --- | --- | --- |');
  for (const r of rules) index.push(`| [${r.meta.id}](${r.meta.id}.md) | ${r.meta.severity} | ${r.meta.title.replace(/\|/g, '\\|')} |`);
  index.push('');
}
wanted.set('README.md', index.join('\n'));

await fs.mkdir(dir, { recursive: true });
const existing = new Set((await fs.readdir(dir)).filter((f) => f.endsWith('.md')));
const stale = [];
for (const [name, text] of wanted) {
  const file = path.join(dir, name);
  const current = existing.has(name) ? await fs.readFile(file, 'utf8') : null;
  if (current !== text) {
    stale.push(name);
    if (!check) await fs.writeFile(file, text);
  }
  existing.delete(name);
}
for (const name of existing) {
  stale.push(`${name} (no such rule)`);
  if (!check) await fs.unlink(path.join(dir, name));
}
if (check && stale.length) {
  console.error(`docs/rules is out of date (${stale.join(', ')}); run \`npm run docs\` and commit the result.`);
  process.exit(1);
}
if (!check) console.log(`docs/rules: ${wanted.size} files, ${stale.length} updated`);
