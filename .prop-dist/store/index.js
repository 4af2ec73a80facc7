/** Opens and migrates the store `spec` names. */
export async function openStore(spec) {
    if (spec.engine === 'sqlite') {
        const { openSqliteStore } = await import('./sqlite.js');
        return openSqliteStore({ dataDir: spec.dataDir, synchronous: spec.synchronous });
    }
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({ connectionString: spec.connectionString, poolSize: spec.poolSize });
}
export { MAX_KEY_BYTES, StoreInputError, StoreRevokedClusterError, StoreUnknownClusterError, wireObjectKey } from './common.js';
export { FLEET_CLUSTER, StoreConflictError } from './types.js';
