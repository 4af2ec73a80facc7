/**
 * The agent side of identity (implemented in src/relay/enroll.ts): the agent's own key, generated
 * where it runs and never sent anywhere; the client certificate the server issued for it; renewal
 * before expiry. The agent's transport (src/relay/transport.ts) asks `current()` for each new
 * connection, so a renewed certificate is used from the next connection on.
 */

export interface AgentCredentials {
  /** PKCS#8 private key (PEM). Never logged, never sent. */
  keyPem: string;
  certificatePem: string;
  caCertificatePem: string;
  notAfter: Date;
}

/** Where credentials persist between restarts: a file outside a cluster, a Secret of the agent's own namespace inside one. */
export interface CredentialStore {
  load(): Promise<AgentCredentials | null>;
  save(c: AgentCredentials): Promise<void>;
  /** Where, for messages (a path or `Secret ns/name`), never the content. */
  describe(): string;
}

export interface AgentIdentity {
  readonly cluster: string;
  /** The credentials to present now. */
  current(): AgentCredentials;
  /**
   * Renews when two thirds of the certificate's lifetime have passed (a new key each time), saves to
   * the credential store, resolves when done. The agent calls it on a timer and after a 401.
   */
  renewIfDue(at: Date): Promise<boolean>;
  /** Called after every successful renewal. */
  onRenewed(listener: (c: AgentCredentials) => void): () => void;
}

export interface OpenAgentIdentityOptions {
  /** `--server URL` (https). */
  server: URL;
  cluster: string;
  /** PEM bundle that verifies the server's serving certificate (`--server-ca FILE`). */
  serverCaPem: string;
  /** `--bootstrap-token-file FILE`: used once, when the credential store holds nothing valid. */
  bootstrapToken?: string;
  /** `--cert FILE --key FILE`: credentials issued out of band (no enrollment, no renewal by the agent). */
  fixed?: { certificatePem: string; keyPem: string };
  store: CredentialStore;
  agentVersion: string;
  /**
   * Enrollment answered "unavailable" or "rate-limited" (the server busy, its store locked) or not
   * reached at all (the server starting, the network): tried again after 1 s, 2 s, 4 s... (at most 30 s apart) until this
   * long has passed since the first try (default 5 minutes; 0 tries once). Any other refusal (a bad
   * token, a revoked cluster, a malformed answer) ends at once.
   */
  enrollRetryMs?: number;
  /** Told before each wait: what went wrong and how long until the next try (the agent logs it). */
  onEnrollRetry?: (reason: string, delayMs: number) => void;
  /** How to wait (tests pass one that does not). */
  sleep?: (ms: number) => Promise<void>;
}

/** Loads stored credentials or enrolls with the bootstrap token; throws a clear error when it can do neither. */
export type OpenAgentIdentity = (opts: OpenAgentIdentityOptions) => Promise<AgentIdentity>;
