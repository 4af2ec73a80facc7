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

// Every rule page shows an example manifest (a test checks that the rule reports it).
const withoutExample = allRules.filter((r) => !r.meta.docs.bad).map((r) => r.meta.id);
if (withoutExample.length) {
  console.error(`rule docs need an example: add docs.bad (a manifest the rule reports) to ${withoutExample.join(', ')}`);
  process.exit(1);
}

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

// Docs must not promise what meshward does not have: every `meshward <command> [<sub-command>]` they
// quote must exist in the CLI, and no page may point at a meshward component that does not exist.
const { Command } = await import(path.join(root, 'node_modules/commander/index.js'));
const { registerCommands } = await import(path.join(root, 'dist/cli/commands/index.js'));
const program = new Command('meshward');
registerCommands(program, { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: root }, () => {});
const commands = new Map(program.commands.map((c) => [c.name(), new Set(c.commands.map((s) => s.name()))]));
const NOT_A_FEATURE = /\bmeshward (webhook|operator|controller|plugin|fix|autofix)\b/i;
const promises = [];
for (const [name, text] of wanted) {
  for (const m of text.matchAll(/`meshward ([a-z][\w-]*)(?: ([a-z][\w-]*))?/g)) {
    const subs = commands.get(m[1]);
    if (!subs) promises.push(`${name}: \`meshward ${m[1]}\` is no command`);
    else if (subs.size && m[2] && !subs.has(m[2])) promises.push(`${name}: \`meshward ${m[1]} ${m[2]}\` is no command`);
  }
  const bad = NOT_A_FEATURE.exec(text);
  if (bad) promises.push(`${name}: mentions "${bad[0]}", which meshward does not have`);
}
if (promises.length) {
  console.error(`rule docs mention what does not exist; fix the rule metadata:\n  ${promises.join('\n  ')}`);
  process.exit(1);
}

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
