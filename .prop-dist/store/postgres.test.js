/**
 * The store suite against a real PostgreSQL: the throwaway server of src/testing/postgres.ts (one per
 * test process), a fresh database per test. No skip: if PostgreSQL cannot start, this fails and says why.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresStore, pgText, pgUntext } from './postgres.js';
import { POSTGRES_MIGRATIONS } from './schema-postgres.js';
import { runStoreSuite } from './store-suite.js';
import { startPostgres } from '../testing/postgres.js';
let server;
before(async () => {
    server = await startPostgres();
});
after(async () => {
    await server?.stop();
});
runStoreSuite({
    engine: 'postgres',
    async fresh() {
        const connectionString = await server.createDatabase('store');
        const store = await openPostgresStore({ connectionString });
        const others = [];
        return {
            store,
            spec: { engine: 'postgres', connectionString },
            replica: async () => {
                const s = await openPostgresStore({ connectionString });
                others.push(s);
                return s;
            },
            async dispose() {
                await store.close();
                for (const o of others)
                    await o.close();
            },
        };
    },
});
test('replicas starting together on an empty database migrate it exactly once', { timeout: 120_000 }, async () => {
    const connectionString = await server.createDatabase('migrate');
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ connectionString, poolSize: 2 })));
    try {
        for (const s of stores)
            assert.deepEqual(await s.schemaVersions(), POSTGRES_MIGRATIONS.map((m) => m.version));
        await stores[0].createCluster('east', new Date());
        assert.equal((await stores[3].getCluster('east'))?.name, 'east');
    }
    finally {
        await Promise.all(stores.map((s) => s.close()));
    }
});
test('pgText escaping round-trips and keeps NUL out of PostgreSQL text', () => {
    for (const s of ['', 'plain', 'a\\b', '\\0', 'nul\u0000', '\u0000\\\u0000\\\\0', 'x'.repeat(1000)]) {
        assert.equal(pgUntext(pgText(s)), s);
        assert.ok(!pgText(s).includes('\u0000'));
    }
});
