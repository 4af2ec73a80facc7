/**
 * The SQLite schema, as numbered migrations. A migration is applied once, in order, in one
 * transaction with its row in `schema_migrations`; never edit a released one, add the next.
 *
 * Times are ISO 8601 text (Date#toISOString: fixed width, so text order is time order). Severity is
 * stored as its order (0 critical ... 4 info) so ascending order is worst first. Objects hang off the
 * cluster's integer id and a generation number (one per snapshot epoch), so a snapshot is staged in
 * place and swapped by moving one pointer, never copied.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE clusters (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  agent_version TEXT,
  last_seen_at TEXT,
  clock_skew_ms INTEGER,
  epoch TEXT,
  seq INTEGER NOT NULL DEFAULT 0,
  snapshot_complete INTEGER NOT NULL DEFAULT 0,
  stream_gen INTEGER NOT NULL DEFAULT 0,
  live_gen INTEGER,
  live_epoch TEXT,
  object_count INTEGER NOT NULL DEFAULT 0,
  staged_count INTEGER NOT NULL DEFAULT 0,
  kinds TEXT NOT NULL DEFAULT '[]',
  last_ingest_at TEXT,
  last_analysis_at TEXT,
  analysed_epoch TEXT,
  analysed_seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE bootstrap_tokens (
  token_hash TEXT PRIMARY KEY,
  cluster_id INTEGER NOT NULL REFERENCES clusters(id),
  expires_at TEXT NOT NULL,
  used_at TEXT
);

CREATE TABLE certificates (
  serial TEXT PRIMARY KEY,
  cluster_id INTEGER NOT NULL REFERENCES clusters(id),
  issued_at TEXT NOT NULL,
  not_after TEXT NOT NULL
);
CREATE INDEX certificates_cluster ON certificates(cluster_id, issued_at);

CREATE TABLE objects (
  cluster_id INTEGER NOT NULL,
  gen INTEGER NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  PRIMARY KEY (cluster_id, gen, kind, namespace, name)
) WITHOUT ROWID;

CREATE TABLE findings (
  cluster TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  sev INTEGER NOT NULL,
  namespace TEXT NOT NULL,
  state TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  resolved_at TEXT,
  reopened INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL,
  PRIMARY KEY (cluster, fingerprint)
);
CREATE INDEX findings_page ON findings(state, sev, cluster, rule_id, fingerprint);
CREATE INDEX findings_cluster_page ON findings(cluster, state, sev, rule_id, fingerprint);
CREATE INDEX findings_namespace_page ON findings(namespace, state, sev, cluster, rule_id, fingerprint);
CREATE INDEX findings_resolved ON findings(resolved_at) WHERE state = 'resolved';

CREATE TABLE finding_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cluster TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  sev INTEGER NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events(cluster, fingerprint, id);
CREATE INDEX finding_events_at ON finding_events(at);

CREATE TABLE trend_days (
  cluster TEXT NOT NULL,
  day TEXT NOT NULL,
  sev INTEGER NOT NULL,
  open INTEGER NOT NULL,
  PRIMARY KEY (cluster, day, sev)
) WITHOUT ROWID;

CREATE TABLE suppressions (
  id TEXT PRIMARY KEY,
  fingerprint TEXT,
  rule_id TEXT,
  cluster TEXT,
  namespace TEXT,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
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
  cluster TEXT PRIMARY KEY,
  via TEXT NOT NULL,
  received_at TEXT NOT NULL,
  source_name TEXT NOT NULL,
  window_seconds INTEGER NOT NULL,
  end_at TEXT NOT NULL,
  edge_count INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
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
];
