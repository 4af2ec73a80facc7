// Many files are read and parsed by path on every thread (pool.ts parseFilesByPath); few files are
// read on the main thread and parsed by bytes. Both must give the same result, down to the order of
// resources, errors and notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayPath, loadPaths } from './load.js';
import { worthReadingByPath } from './pool.js';
function tree() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-bypath-'));
    for (let ns = 0; ns < 40; ns++) {
        const dir = path.join(root, `ns-${String(ns).padStart(2, '0')}`);
        fs.mkdirSync(dir);
        for (let i = 0; i < 8; i++) {
            const docs = [`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-${i}\n  namespace: ns-${ns}\n`, `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: ns-${ns}\n  labels: {n: ${i}}\nspec:\n  ports: [{port: 80}]\n`];
            if (i === 3)
                docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n');
            if (i === 5)
                docs.push('just: a config file\n');
            // Enough bytes in all (over 4 MB) for a parse worker to pay.
            docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: data-${i}\n  namespace: ns-${ns}\ndata:\n${Array.from({ length: 200 }, (_, k) => `  key${k}: ${'x'.repeat(60)}\n`).join('')}`);
            fs.writeFileSync(path.join(dir, `app-${i}.yaml`), docs.join('---\n'));
        }
        fs.writeFileSync(path.join(dir, 'list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${ns}`, namespace: `ns-${ns}` } }] }));
        if (ns === 7)
            fs.writeFileSync(path.join(dir, 'binary.yaml'), Buffer.from([0x61, 0x00, 0x62]));
        if (ns === 9)
            fs.writeFileSync(path.join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
        if (ns === 11)
            fs.writeFileSync(path.join(dir, 'big.yaml'), 'a: 1\n'.repeat(30_000));
    }
    return root;
}
const shape = (r) => ({
    files: r.files.map((f) => [f.file, f.format, f.text.length]),
    resources: r.resources.map((x) => [x.id, x.kind, x.namespace, x.name, x.source?.file, x.source?.fileIndex, x.source?.line, x.source?.docStart, x.source?.docEnd, JSON.stringify(x.source?.basePath), JSON.stringify(x.labels), JSON.stringify(x.obj)]),
    errors: r.errors,
    notes: r.notes,
});
const stdin = (text) => async () => Buffer.from(text);
test('many files: reading and parsing on every thread gives what one thread gives, in the same order', async (t) => {
    const root = tree();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const paths = [path.join(root, 'missing'), '-', root, path.join(root, 'ns-03', 'app-1.yaml')];
    const opts = { readStdin: stdin('apiVersion: v1\nkind: Namespace\nmetadata: {name: from-stdin}\n'), limits: { maxFileBytes: 64 * 1024 } };
    const one = await loadPaths(paths, { ...opts, jobs: 1 });
    const two = await loadPaths(paths, { ...opts, jobs: 2 });
    const listed = one.files.filter((f) => f.file !== '<stdin>').map((f) => f.file);
    assert.ok(worthReadingByPath(listed, 2, (f) => fs.statSync(f).size), 'the tree is read by path with two threads');
    assert.deepEqual(shape(two), shape(one));
    // The case is not trivial: every kind of error is there, and resources come from every file.
    const messages = one.errors.map((e) => e.message).join('\n');
    for (const m of ['no such file', 'binary file', 'not valid UTF-8', 'over the limit of 65536', 'invalid YAML'])
        assert.match(messages, new RegExp(m));
    assert.equal(one.resources.filter((r) => r.kind === 'Secret').length, 40);
    assert.equal(one.resources[0].name, 'from-stdin');
    assert.ok(one.notes.length >= 40);
});
test('many files: the document limit counts the documents of every thread, and the error states the total', async (t) => {
    const root = tree();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    for (const maxDocuments of [100, 5000]) {
        const one = await loadPaths([root], { jobs: 1, limits: { maxDocuments } });
        const two = await loadPaths([root], { jobs: 2, limits: { maxDocuments } });
        assert.deepEqual(shape(two), shape(one));
        if (maxDocuments === 100) {
            assert.equal(two.resources.length, 0);
            assert.match(two.errors.at(-1).message, /^inputs hold \d+ documents, over the limit of 100$/);
        }
        else
            assert.ok(two.resources.length > 500);
    }
});
test('reading by path: chosen for many files or enough balanced bytes, not for tiny inputs or one dominant file', () => {
    const sizes = (list) => ({ paths: list.map((_, i) => String(i)), size: (p) => list[Number(p)] });
    const MB = 1024 * 1024;
    const cases = [
        ['13,000 small files', Array(13_000).fill(3_700), 2, true],
        ['300 tiny files', Array(300).fill(1_000), 2, false],
        ['20 files of 2.5 MB', Array(20).fill(2.5 * MB), 2, true],
        ['one thread', Array(20).fill(2.5 * MB), 1, false],
        ['too few files per thread', Array(7).fill(2.5 * MB), 2, false],
        ['one 40 MB file among small ones', [40 * MB, ...Array(30).fill(100_000)], 2, false],
        ['3 MB in all', Array(30).fill(100_000), 2, false],
    ];
    for (const [name, list, jobs, expected] of cases) {
        const { paths, size } = sizes(list);
        assert.equal(worthReadingByPath(paths, jobs, size), expected, name);
    }
});
test('files found in folders are shown as displayPath shows them, however the folder was named', async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-shown-'));
    const cwd = process.cwd();
    t.after(() => {
        process.chdir(cwd);
        fs.rmSync(root, { recursive: true, force: true });
    });
    for (const rel of ['a.yaml', '..odd.yaml', 'sub/b.yml', 'sub/deeper/c.json', 'other/d.yaml']) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), rel.endsWith('.json') ? '{}' : 'a: 1\n');
    }
    const all = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const shownUnder = (dir) => all(path.resolve(dir)).map((f) => displayPath(f)).sort();
    for (const [from, arg] of [
        [root, '.'],
        [root, root],
        [root, 'sub'],
        [root, './sub/../other'],
        [path.join(root, 'sub'), '..'],
        [path.join(root, 'sub'), '.'],
        [path.join(root, 'sub', 'deeper'), '../..'],
        [os.tmpdir(), path.basename(root)],
    ]) {
        process.chdir(from);
        const res = await loadPaths([arg], { jobs: 1 });
        assert.deepEqual(res.files.map((f) => f.file).sort(), shownUnder(arg), `${arg} from ${from}`);
        assert.ok(res.files.length >= 1);
    }
    process.chdir(root);
    assert.ok((await loadPaths(['.'])).files.some((f) => f.file === path.join(root, '..odd.yaml').split(path.sep).join('/')), 'a name starting with .. in the working directory is shown absolute, as before');
});
