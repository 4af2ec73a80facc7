import type { Store } from './types.js';
export interface PostgresStoreOptions { connectionString: string; poolSize?: number }
export async function openPostgresStore(_opts: PostgresStoreOptions): Promise<Store> {
  throw new Error('the PostgreSQL store is not built yet');
}
