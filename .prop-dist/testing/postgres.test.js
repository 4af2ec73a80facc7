/** The throwaway PostgreSQL: starts on loopback, gives fresh databases, never runs as root, leaves nothing behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startPostgres } from './postgres.js';
test('throwaway PostgreSQL: fresh databases on 127.0.0.1, not root, removed on stop', { timeout: 180_000 }, async () => {
    const server = await startPostgres();
    let stopped = false;
    try {
        const a = await server.createDatabase('one');
        const b = await server.createDatabase('one');
        assert.notEqual(a, b);
        assert.match(a, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/one_[0-9a-f]{12}$/);
        const client = new pg.Client({ connectionString: a });
        await client.connect();
        try {
            const r = await client.query(`SELECT current_setting('server_version_num') AS v, current_setting('listen_addresses') AS listen`);
            assert.ok(Number(r.rows[0].v) >= 150000, `PostgreSQL 15 or later, got ${r.rows[0].v}`);
            assert.equal(r.rows[0].listen, '127.0.0.1');
        }
        finally {
            await client.end();
        }
        // The postmaster's pid is the first line of postmaster.pid; its owner is never root.
        const pid = readFileSync(path.join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0].trim();
        const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        assert.notEqual(uid, '0');
        await server.stop();
        stopped = true;
        assert.equal(existsSync(server.dir), false);
        const late = new pg.Client({ connectionString: a, connectionTimeoutMillis: 5000 });
        await assert.rejects(late.connect());
    }
    finally {
        if (!stopped)
            await server.stop();
    }
});
