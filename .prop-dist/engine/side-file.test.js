import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, truncateSync, existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSideFile, readSideFileSync, readSideText, SideFileError } from './side-file.js';
const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-side-'));
function fifo(name) {
    const p = path.join(dir, name);
    execFileSync('mkfifo', [p]);
    return p;
}
/** Both readers must refuse the same way, without blocking: a blocking open or read of a FIFO never returns (the bound is a hang detector, not a speed target). */
async function refusedBoth(file, max, code, reason) {
    const started = performance.now();
    await assert.rejects(readSideFile(file, max), (e) => e instanceof SideFileError && e.code === code && reason.test(e.reason) && e.message.startsWith(file));
    assert.throws(() => readSideFileSync(file, max), (e) => e instanceof SideFileError && e.code === code && reason.test(e.reason));
    assert.ok(performance.now() - started < 10_000, `refusing ${file} took ${performance.now() - started} ms`);
}
test('a regular file is read whole, up to the limit', async () => {
    const f = path.join(dir, 'ok.yaml');
    writeFileSync(f, 'a: 1\n');
    assert.equal(await readSideText(f, 5), 'a: 1\n');
    assert.equal(readSideFileSync(f, 5).toString(), 'a: 1\n');
    await refusedBoth(f, 4, 'EFBIG', /is 5 bytes, over the limit of 4 bytes/);
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    assert.equal((await readSideFile(empty, 10)).length, 0);
});
test('a FIFO is refused without waiting for a writer', { timeout: 10_000 }, async () => {
    await refusedBoth(fifo('pipe'), 1024, 'ENOTREG', /not a regular file \(a FIFO, socket or device\)/);
});
test('a device is refused before a byte is read: /dev/zero, /dev/urandom, /dev/full', { timeout: 10_000 }, async () => {
    for (const dev of ['/dev/zero', '/dev/urandom', '/dev/full']) {
        if (!existsSync(dev))
            continue;
        await refusedBoth(dev, 1024, 'ENOTREG', /not a regular file/);
    }
});
test('/dev/null reads as empty (`--config /dev/null` means no config); a link to it too', async () => {
    if (!existsSync('/dev/null'))
        return;
    assert.equal((await readSideFile('/dev/null', 10)).length, 0);
    assert.equal(readSideFileSync('/dev/null', 10).length, 0);
    const link = path.join(dir, 'null-link');
    symlinkSync('/dev/null', link);
    assert.equal((await readSideFile(link, 10)).length, 0);
});
test('a folder is refused', async () => {
    const d = path.join(dir, 'folder');
    mkdirSync(d);
    await refusedBoth(d, 1024, 'EISDIR', /is a folder, not a file/);
});
test('a huge sparse file is refused from its size, without reading it', { timeout: 10_000 }, async () => {
    const f = path.join(dir, 'sparse.bin');
    writeFileSync(f, '');
    truncateSync(f, 64 * 1024 * 1024 * 1024); // 64 GiB of nothing: takes no disk space
    await refusedBoth(f, 16 * 1024 * 1024, 'EFBIG', /is 68719476736 bytes, over the limit of 16777216 bytes/);
});
test('a missing file, a link loop and a link to a FIFO', { timeout: 10_000 }, async () => {
    await refusedBoth(path.join(dir, 'nope.yaml'), 10, 'ENOENT', /no such file; check the path/);
    const a = path.join(dir, 'loop-a');
    const b = path.join(dir, 'loop-b');
    symlinkSync(b, a);
    symlinkSync(a, b);
    await refusedBoth(a, 10, 'ELOOP', /too many symbolic links/);
    const link = path.join(dir, 'link-to-pipe');
    symlinkSync(fifo('pipe2'), link);
    await refusedBoth(link, 10, 'ENOTREG', /not a regular file/);
});
