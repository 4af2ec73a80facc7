// scripts/gen-rule-docs.js --check fails on rules without an example and on docs that quote a meshward
// command that does not exist. Run against a stand-in tree whose rules module alters one rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../testing/kit.js';
async function standIn(alter) {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-docs-'));
    const real = (p) => pathToFileURL(path.join(REPO_ROOT, p)).href;
    await fs.mkdir(path.join(root, 'scripts'));
    await fs.copyFile(path.join(REPO_ROOT, 'scripts/gen-rule-docs.js'), path.join(root, 'scripts/gen-rule-docs.js'));
    await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    await fs.cp(path.join(REPO_ROOT, 'docs/rules'), path.join(root, 'docs/rules'), { recursive: true });
    await fs.mkdir(path.join(root, 'dist/rules'), { recursive: true });
    await fs.mkdir(path.join(root, 'dist/cli/commands'), { recursive: true });
    await fs.writeFile(path.join(root, 'dist/rules/index.js'), `import { allRules as real } from '${real('dist/rules/index.js')}';\nexport const allRules = real.map((r) => (r.meta.id === 'BYP001' ? { ...r, meta: { ...r.meta, docs: { ...r.meta.docs, ${alter} } } } : r));\n`);
    for (const m of ['dist/rules/docs.js', 'dist/rules/types.js', 'dist/cli/commands/index.js'])
        await fs.writeFile(path.join(root, m), `export * from '${real(m)}';\n`);
    return root;
}
const check = (root) => spawnSync(process.execPath, [path.join(root, 'scripts/gen-rule-docs.js'), '--check'], { encoding: 'utf8' });
test('gen-rule-docs --check: the stand-in tree passes unaltered', async () => {
    const r = check(await standIn(''));
    assert.equal(r.status, 0, r.stderr);
});
test('gen-rule-docs --check fails when a rule has no bad example, naming it', async () => {
    const r = check(await standIn('bad: undefined'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rule docs need an example: add docs\.bad .* to BYP001/);
});
test('gen-rule-docs --check fails on docs quoting a command meshward does not have', async () => {
    let r = check(await standIn("fix: 'Run `meshward fixup --all`.'"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /BYP001\.md: `meshward fixup` is no command/);
    r = check(await standIn("fix: 'Block it with the meshward webhook.'"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /mentions "meshward webhook"/);
});
test('rule docs offer the annotation only where it works: never on critical rules', async () => {
    const { allRules } = await import('./index.js');
    for (const r of allRules) {
        const doc = await fs.readFile(path.join(REPO_ROOT, 'docs/rules', `${r.meta.id}.md`), 'utf8');
        const section = doc.slice(doc.indexOf('## Suppressing it'));
        if (r.meta.severity === 'critical') {
            assert.doesNotMatch(section, /^Annotate the object/m, r.meta.id);
            assert.match(section, /does not suppress critical findings/, r.meta.id);
        }
        else {
            assert.match(section, new RegExp(`meshward\\.io/ignore: "${r.meta.id}"`), r.meta.id);
        }
        assert.match(section, new RegExp(`rule: ${r.meta.id}`), r.meta.id);
    }
});
