/** The store suite against SQLite: a fresh data directory per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from './sqlite.js';
import { runStoreSuite } from './store-suite.js';
runStoreSuite({
    engine: 'sqlite',
    async fresh() {
        const dataDir = mkdtempSync(path.join(os.tmpdir(), 'meshward-store-'));
        const store = await openSqliteStore({ dataDir });
        const others = [];
        return {
            store,
            spec: { engine: 'sqlite', dataDir },
            replica: async () => {
                const s = await openSqliteStore({ dataDir });
                others.push(s);
                return s;
            },
            async dispose() {
                await store.close();
                for (const o of others)
                    await o.close();
                rmSync(dataDir, { recursive: true, force: true });
            },
        };
    },
});
