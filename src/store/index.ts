/**
 * Opening a store from the server's flags: `--data DIR` (SQLite) or `--database postgres://...`.
 * The PostgreSQL driver is imported only when asked for.
 */
import type { Store } from './types.js';

export type StoreSpec =
  | { engine: 'sqlite'; dataDir: string; synchronous?: 'FULL' | 'NORMAL' }
  | { engine: 'postgres'; connectionString: string; poolSize?: number };

/** Opens and migrates the store `spec` names. */
export async function openStore(spec: StoreSpec): Promise<Store> {
  if (spec.engine === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite.js');
    return openSqliteStore({ dataDir: spec.dataDir, synchronous: spec.synchronous });
  }
  const { openPostgresStore } = await import('./postgres.js');
  return openPostgresStore({ connectionString: spec.connectionString, poolSize: spec.poolSize });
}

export { MAX_KEY_BYTES, StoreInputError, StoreRevokedClusterError, StoreUnknownClusterError, wireObjectKey } from './common.js';
export { FLEET_CLUSTER, StoreConflictError } from './types.js';
export type * from './types.js';
