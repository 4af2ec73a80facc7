/** Replica mode of `meshward server` (./coordinator.ts): PostgreSQL only. */
import type { pino } from 'pino';
import type { Store } from '../../store/types.js';
import { ReplicaCoordinator } from './coordinator.js';

export { ReplicaCoordinator, DEFAULT_LEASE_MS, MIN_LEASE_MS, MAX_LEASE_MS, defaultReplicaId } from './coordinator.js';

export interface ReplicaSettings {
  connectionString: string;
  replicaId?: string;
  leaseMs?: number;
}

export const SQLITE_REPLICAS_REFUSED =
  'replica mode needs PostgreSQL: SQLite (--data) is one server\'s store, on one machine\'s disk, and cannot be shared by replicas; ' +
  'run a single server with --data, or several with --database postgres://... (docs/replicas.md)';

export function createReplicaCoordinator(store: Store, settings: ReplicaSettings, log: pino.Logger): ReplicaCoordinator {
  if (store.engine !== 'postgres') throw new Error(SQLITE_REPLICAS_REFUSED);
  return new ReplicaCoordinator({ ...settings, log });
}
