// What `npm publish` would ship: the CLI and its docs, no compiled tests or test helpers, and a
// package that still runs (every relative import of a shipped file is shipped too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../testing/kit.js';
test('npm pack: no compiled tests, no test helpers, LICENSE and repository present, imports resolve', () => {
    // --ignore-scripts: the `prepare` build is not needed to list files (npm test has built dist/).
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
    const shipped = new Set(files);
    assert.deepEqual(files.filter((f) => /\.test\.(js|d\.ts|js\.map)$/.test(f)), [], 'compiled tests are not shipped');
    assert.deepEqual(files.filter((f) => f.startsWith('dist/testing/')), [], 'test helpers are not shipped');
    assert.deepEqual(files.filter((f) => /^dist\/(store\/(store-suite|durability-child)|server\/(testing-kit|identity-test-))/.test(f)), [], 'store suite and server test kits are not shipped');
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/meshward.js', 'dist/cli/bin.js', 'dist/cli/main.js', 'docs/rules/README.md']) {
        assert.ok(shipped.has(f), `${f} is shipped`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.tgz')), 'sources, fixtures and tarballs stay home');
    let imports = 0;
    for (const f of files.filter((x) => x.startsWith('dist/') && x.endsWith('.js'))) {
        const text = readFileSync(path.join(REPO_ROOT, f), 'utf8');
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
            const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
            assert.ok(shipped.has(target), `${f} imports ${m[1]}, which is not shipped`);
            imports++;
        }
    }
    assert.ok(imports > 100, `the import check saw ${imports} imports`);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal(pkg.license, 'Apache-2.0');
    assert.match(readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
    assert.match(pkg.repository.url, /^git\+https:\/\/github\.com\/meshward\/meshward\.git$/);
    assert.match(readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8'), /^\*\.tgz$/m);
});
