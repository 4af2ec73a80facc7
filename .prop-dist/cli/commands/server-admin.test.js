import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { hashBootstrapToken } from '../../server/tokens.js';
import { registerServerAdminCommands } from './server-admin.js';
function io(cwd) {
    const out = [];
    const err = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (d) => out.push(String(d)));
    stderr.on('data', (d) => err.push(String(d)));
    return { io: { stdout, stderr, env: {}, cwd }, out, err };
}
test('under a `server` command that has --data/--database of its own (the real one does), the subcommands still get them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-admin-unit-'));
    try {
        for (const where of ['after', 'before']) {
            const program = new Command('meshward').exitOverride();
            let serverRan = false;
            const server = program
                .command('server')
                .option('--data <dir>')
                .option('--database <url>')
                .action(() => {
                serverRan = true;
            });
            const t = io(dir);
            let code = -1;
            registerServerAdminCommands(server, t.io, (c) => (code = c));
            const name = `east-${where}`;
            const argv = where === 'after' ? ['server', 'register-cluster', name, '--data', 'state'] : ['server', '--data', 'state', 'register-cluster', name];
            await program.parseAsync(argv, { from: 'user' });
            assert.equal(serverRan, false, 'the server itself did not start');
            assert.equal(code, 0, t.err.join(''));
            const token = t.out.join('').trim();
            assert.match(token, /^mwb_/);
            // Relative to the command's cwd, in the SQLite store there.
            const store = await openStore({ engine: 'sqlite', dataDir: path.join(dir, 'state') });
            try {
                assert.equal(await store.consumeBootstrapToken(hashBootstrapToken(token), new Date()), name);
            }
            finally {
                await store.close();
            }
        }
    }
    finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
