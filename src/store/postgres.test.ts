/**
 * The store suite against a real PostgreSQL: the throwaway server of src/testing/postgres.ts (one per
 * test process), a fresh database per test. No skip: if PostgreSQL cannot start, this fails and says why.
 */
import { after, before } from 'node:test';
import { openPostgresStore, type PostgresStore } from './postgres.js';
import { runStoreSuite } from './store-suite.js';
import { startPostgres, type TestPostgres } from '../testing/postgres.js';

let server: TestPostgres;

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
    const others: PostgresStore[] = [];
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
        for (const o of others) await o.close();
      },
    };
  },
});
