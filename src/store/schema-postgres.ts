/**
 * The PostgreSQL schema, as numbered migrations (the same model as schema-sqlite.ts). Applied under
 * an advisory lock, each in the transaction that records it, so replicas starting together apply
 * each migration exactly once.
 *
 * Text that is compared or ordered is `COLLATE "C"` (byte order, as SQLite's), whatever the
 * database's locale: page order must not depend on the server's configuration. Strings in those
 * columns are escaped (src/store/postgres.ts, pgText) because PostgreSQL text cannot hold NUL.
 */
import { REPLICA_MIGRATIONS } from './schema-replicas-postgres.js';

export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE clusters (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ,
  agent_version TEXT,
  last_seen_at TIMESTAMPTZ,
  clock_skew_ms BIGINT,
  epoch TEXT COLLATE "C",
  seq BIGINT NOT NULL DEFAULT 0,
  snapshot_complete BOOLEAN NOT NULL DEFAULT FALSE,
  stream_gen BIGINT NOT NULL DEFAULT 0,
  live_gen BIGINT,
  live_epoch TEXT COLLATE "C",
  object_count BIGINT NOT NULL DEFAULT 0,
  staged_count BIGINT NOT NULL DEFAULT 0,
  kinds TEXT NOT NULL DEFAULT '[]',
  last_ingest_at TIMESTAMPTZ,
  last_analysis_at TIMESTAMPTZ,
  analysed_epoch TEXT COLLATE "C",
  analysed_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE bootstrap_tokens (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  cluster_id BIGINT NOT NULL REFERENCES clusters(id),
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ
);

CREATE TABLE certificates (
  serial TEXT COLLATE "C" PRIMARY KEY,
  cluster_id BIGINT NOT NULL REFERENCES clusters(id),
  issued_at TIMESTAMPTZ NOT NULL,
  not_after TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificates_cluster ON certificates(cluster_id, issued_at);

CREATE TABLE objects (
  cluster_id BIGINT NOT NULL,
  gen BIGINT NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  namespace TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  body TEXT NOT NULL,
  stored_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (cluster_id, gen, kind, namespace, name)
);

CREATE TABLE findings (
  cluster TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT COLLATE "C" NOT NULL,
  rule_id TEXT COLLATE "C" NOT NULL,
  sev SMALLINT NOT NULL,
  namespace TEXT COLLATE "C" NOT NULL,
  state TEXT NOT NULL,
  first_seen_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  resolved_at TIMESTAMPTZ,
  reopened INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL,
  PRIMARY KEY (cluster, fingerprint)
);
CREATE INDEX findings_page ON findings(state, sev, cluster, rule_id, fingerprint);
CREATE INDEX findings_cluster_page ON findings(cluster, state, sev, rule_id, fingerprint);
CREATE INDEX findings_namespace_page ON findings(namespace, state, sev, cluster, rule_id, fingerprint);
CREATE INDEX findings_resolved ON findings(resolved_at) WHERE state = 'resolved';

CREATE TABLE finding_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT COLLATE "C" NOT NULL,
  rule_id TEXT COLLATE "C" NOT NULL,
  sev SMALLINT NOT NULL,
  type TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events(cluster, fingerprint, id);
CREATE INDEX finding_events_at ON finding_events(at);

CREATE TABLE trend_days (
  cluster TEXT COLLATE "C" NOT NULL,
  day TEXT COLLATE "C" NOT NULL,
  sev SMALLINT NOT NULL,
  open BIGINT NOT NULL,
  PRIMARY KEY (cluster, day, sev)
);

CREATE TABLE suppressions (
  id TEXT COLLATE "C" PRIMARY KEY,
  fingerprint TEXT,
  rule_id TEXT,
  cluster TEXT,
  namespace TEXT,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ,
  revoked_by TEXT
);
`,
  },
  // Telemetry (issue 15): the latest traffic aggregates per cluster. Numbered 20 so the store's own
  // next migrations (2, 3...) can land beside it; migrations apply by version, each once.
  {
    version: 20,
    sql: `
CREATE TABLE telemetry (
  cluster TEXT COLLATE "C" PRIMARY KEY,
  via TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  source_name TEXT NOT NULL,
  window_seconds INTEGER NOT NULL,
  end_at TEXT NOT NULL,
  edge_count INTEGER NOT NULL,
  body TEXT NOT NULL
);
`,
  },
  // The sender's report interval (null: not said, an older agent), so the API can mark telemetry
  // stale after three missed reports whatever interval each cluster runs at.
  {
    version: 21,
    sql: `ALTER TABLE telemetry ADD COLUMN interval_seconds INTEGER;`,
  },
  // The key a bootstrap token was spent for (a digest of the CSR's public key), so the same agent can
  // ask again with the same CSR when the first answer was lost: a timeout, or a store error after the
  // token was spent. Null for tokens spent before this column (they are never reused).
  {
    version: 22,
    sql: `ALTER TABLE bootstrap_tokens ADD COLUMN used_key TEXT;`,
  },
  // Replica coordination (leases, members, the shared fleet result): numbered from 101.
  ...REPLICA_MIGRATIONS,
];
