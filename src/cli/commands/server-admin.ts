/**
 * `meshward server register-cluster NAME` and `meshward server revoke-cluster NAME`: the server's
 * identity administration, run against the store alone (no CA, no listener), so they work beside a
 * running server (SQLite in WAL mode, or the shared PostgreSQL of several replicas).
 *
 * register-cluster prints the bootstrap token, and only the token, on stdout (so it can be piped into
 * the file `meshward agent --bootstrap-token-file` reads); everything meant for a human goes to stderr.
 * The token is shown once: the store keeps its hash.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { terminalSafe } from '../../engine/text.js';
import { openStore, type StoreSpec } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { RELAY_LIMITS, isClusterName } from '../../relay/protocol.js';
import { MAX_BOOTSTRAP_TTL_MS, RegistrationError, registerCluster } from '../../server/identity.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from '../io.js';
import { parseDuration } from '../live.js';
import type { SetExit } from './index.js';

interface StoreFlags {
  data?: string;
  database?: string;
}

interface RegisterFlags extends StoreFlags {
  ttl?: string;
}

/**
 * The store the flags name. A flag given to `meshward server` itself (before the subcommand) counts
 * too: commander hands it to the parent, and `optsWithGlobals` sees both.
 */
function storeSpec(flags: StoreFlags, io: CliIO): StoreSpec {
  const database = flags.database ?? io.env.MESHWARD_DATABASE_URL;
  if (flags.data && flags.database) throw new UsageError('give --data DIR or --database URL, not both');
  if (flags.data) return { engine: 'sqlite', dataDir: path.resolve(io.cwd, flags.data) };
  if (database) {
    // The URL may hold a password: it is never echoed back.
    if (!/^postgres(ql)?:\/\//i.test(database)) throw new UsageError('--database takes a postgres:// or postgresql:// URL');
    return { engine: 'postgres', connectionString: database };
  }
  throw new UsageError('give the server\'s store: --data DIR (the folder `meshward server --data` uses) or --database postgres://... (or $MESHWARD_DATABASE_URL)');
}

/** What to tell a human when the store cannot be opened: the engine and where, never the URL. */
function storeFailure(spec: StoreSpec, e: unknown): string {
  const where = spec.engine === 'sqlite' ? `the SQLite store in ${spec.dataDir}` : 'the PostgreSQL database given with --database';
  const code = (e as { code?: unknown })?.code;
  return `cannot open ${where}${typeof code === 'string' ? ` (${code.slice(0, 40)})` : ''}; check the path or URL and that this user may write it`;
}

async function withStore<T>(flags: StoreFlags, io: CliIO, f: (store: Store) => Promise<T>): Promise<T> {
  const spec = storeSpec(flags, io);
  let store: Store;
  try {
    store = await openStore(spec);
  } catch (e) {
    throw new UsageError(storeFailure(spec, e));
  }
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

function clusterArg(name: string): string {
  if (!isClusterName(name)) {
    throw new UsageError(`cluster name ${JSON.stringify(terminalSafe(String(name).slice(0, 80)))} is not a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters`);
  }
  return name;
}

const storeOptions = (c: Command): Command =>
  c
    .option('--data <dir>', 'the server\'s data folder (SQLite), as given to `meshward server --data`')
    .option('--database <url>', 'the server\'s PostgreSQL database (postgres://...); default $MESHWARD_DATABASE_URL');

/**
 * Adds `register-cluster` and `revoke-cluster` under `cmd` (the `meshward server` command, which the
 * server's own module creates and runs).
 */
export function registerServerAdminCommands(cmd: Command, io: CliIO, setExit: SetExit): void {
  const register = storeOptions(
    cmd
      .command('register-cluster')
      .argument('<name>', 'the cluster (a DNS label); registered if new')
      .description('register a cluster and print a one-time bootstrap token for its agent (only the token, on stdout; shown once, stored hashed)')
      .option('--ttl <duration>', `how long the token stays usable, at most 24h (default ${RELAY_LIMITS.bootstrapTokenTtlMs / 60_000}m)`),
  );
  register.action(async (name: string, _flags: RegisterFlags, self: Command) => {
    const flags = self.optsWithGlobals<RegisterFlags>();
    const cluster = clusterArg(name);
    const ttlMs = flags.ttl === undefined ? RELAY_LIMITS.bootstrapTokenTtlMs : parseDuration(flags.ttl, '--ttl');
    if (ttlMs > MAX_BOOTSTRAP_TTL_MS) throw new UsageError('--ttl is at most 24h');
    const issued = await withStore(flags, io, async (store) => {
      try {
        return await registerCluster(store, cluster, ttlMs, new Date());
      } catch (e) {
        if (e instanceof RegistrationError) {
          io.stderr.write(`meshward: ${terminalSafe(e.message)}\n`);
          return null;
        }
        throw e;
      }
    });
    if (!issued) {
      setExit(EXIT_FINDINGS);
      return;
    }
    io.stdout.write(`${issued.token}\n`);
    io.stderr.write(
      `cluster ${cluster}: bootstrap token issued, usable once until ${issued.expiresAt}. It is shown only now: ` +
        `give it to the agent with --bootstrap-token-file FILE (the agent enrolls, then no longer needs it).\n`,
    );
    setExit(EXIT_OK);
  });

  const revoke = storeOptions(
    cmd
      .command('revoke-cluster')
      .argument('<name>', 'the cluster')
      .description("revoke a cluster: its agent's certificates and unused tokens are refused from the next request on, its stored telemetry is deleted; the name cannot enroll again"),
  );
  revoke.action(async (name: string, _flags: StoreFlags, self: Command) => {
    const flags = self.optsWithGlobals<StoreFlags>();
    const cluster = clusterArg(name);
    const found = await withStore(flags, io, (store) => store.revokeCluster(cluster, new Date()));
    if (!found) {
      io.stderr.write(`meshward: cluster ${cluster} is not registered on this server; nothing revoked (GET /api/clusters lists the registered ones)\n`);
      setExit(EXIT_FINDINGS);
      return;
    }
    io.stderr.write(`cluster ${cluster} revoked: its agent is refused from its next request on, open connections included.\n`);
    setExit(EXIT_OK);
  });
}
