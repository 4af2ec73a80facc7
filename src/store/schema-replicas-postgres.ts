/**
 * The tables of replica coordination (src/store/leases-postgres.ts), applied by the PostgreSQL store's
 * migrate with the rest of the schema (schema-postgres.ts appends them).
 */
export const REPLICA_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    // Numbered from 101 so they never collide with the store's own sequence (1, 2, ...).
    version: 101,
    sql: `
CREATE TABLE replica_leases (
  name TEXT COLLATE "C" PRIMARY KEY,
  holder TEXT COLLATE "C" NOT NULL,
  generation BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE replica_members (
  holder TEXT COLLATE "C" PRIMARY KEY,
  started_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE replica_fleet_result (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  computed_at TIMESTAMPTZ NOT NULL,
  generation BIGINT NOT NULL,
  body TEXT NOT NULL
);
`,
  },
];

