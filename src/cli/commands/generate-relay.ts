/**
 * `meshward generate agent` and `meshward generate server`: the relay's plain manifests
 * (src/relay/generate-relay.ts; docs/relay-deploy.md). The output never holds a secret: the Secrets it
 * references are created by the user, with the commands printed on standard error.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError, VERSION, type CliIO } from '../io.js';
import type { SetExit } from './index.js';
import { writeReportFile } from '../emit.js';
import { terminalSafe } from '../../engine/text.js';
import { renderJson, renderYamlStream, type GeneratedDoc } from '../../tenancy/yaml-out.js';
import { MAX_TRUST_BYTES, parseTrustedCas, TrustBundleError } from '../../webhook/generate-certs.js';
import {
  agentDocuments,
  defaultAgentOptions,
  defaultServerOptions,
  parseServerUrl,
  RELAY_NAMES,
  RelayDeployError,
  serverDocuments,
  serverUrl,
  validateAgentOptions,
  validateServerOptions,
  type AgentDeployOptions,
  type ServerDeployOptions,
} from '../../relay/generate-relay.js';

interface AgentFlags {
  cluster: string;
  server: string;
  namespace: string;
  image: string;
  serverCaFile?: string;
  apiServerCidr?: string[];
  serverCidr?: string[];
  format: 'yaml' | 'json';
  output?: string;
}

interface ServerFlags {
  namespace: string;
  image: string;
  replicas: string;
  databaseSecret?: string;
  storage: string;
  databaseCidr?: string[];
  format: 'yaml' | 'json';
  output?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Adds `agent` and `server` under `meshward generate`. */
export function registerGenerateRelay(generate: Command, io: CliIO, setExit: SetExit): void {
  const agentDefaults = defaultAgentOptions(VERSION);
  generate
    .command('agent')
    .description("the manifests that run the relay agent (`meshward agent`) in a cluster: namespace, read-only RBAC (exactly `meshward rbac`), its credentials Role, Deployment, NetworkPolicy (docs/relay-deploy.md)")
    .addOption(new Option('--cluster <name>', 'the cluster\'s name, as registered with `meshward server register-cluster NAME`').makeOptionMandatory())
    .addOption(new Option('--server <url>', 'the relay server\'s agent address, https://HOST[:PORT]').makeOptionMandatory())
    .option('-n, --namespace <ns>', "the agent's namespace (created)", agentDefaults.namespace)
    .option('--image <ref>', 'container image running meshward', agentDefaults.image)
    .option('--server-ca-file <file>', "the relay server's CA certificate (PEM, ca.crt), written into a ConfigMap; without it, create the ConfigMap yourself")
    .option('--api-server-cidr <cidr>', "address block of the API server's endpoints (kubectl get endpoints kubernetes), for the egress policy; repeatable", collect)
    .option('--server-cidr <cidr>', 'address block of the relay server as this cluster reaches it, for the egress policy; repeatable', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (flags: AgentFlags) => {
      setExit(await runAgent(flags, io));
    });

  const serverDefaults = defaultServerOptions(VERSION);
  generate
    .command('server')
    .description('the manifests that run the relay server (`meshward server`): Deployment (SQLite on a volume, or PostgreSQL with replicas), Service, NetworkPolicy, PodDisruptionBudget (docs/relay-deploy.md)')
    .option('-n, --namespace <ns>', "the server's namespace (created)", serverDefaults.namespace)
    .option('--image <ref>', 'container image running meshward', serverDefaults.image)
    .option('--replicas <n>', 'server replicas (more than 1 needs --database-secret)', String(serverDefaults.replicas))
    .option('--database-secret <name>', 'PostgreSQL instead of SQLite: a Secret in the namespace with key url (postgres://user@host:port/db) and optionally password')
    .option('--storage <size>', 'size of the SQLite volume', serverDefaults.storage)
    .option('--database-cidr <cidr>', 'address block of the PostgreSQL server, for the egress policy; repeatable', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (flags: ServerFlags) => {
      setExit(await runServer(flags, io));
    });
}

function usage(err: unknown): never {
  if (err instanceof RelayDeployError) throw new UsageError(terminalSafe(err.message));
  throw err;
}

async function runAgent(flags: AgentFlags, io: CliIO): Promise<number> {
  const options: AgentDeployOptions = {
    namespace: flags.namespace,
    image: flags.image,
    cluster: flags.cluster,
    server: flags.server,
    serverCaPem: null,
    apiServerCidrs: flags.apiServerCidr ?? [],
    serverCidrs: flags.serverCidr ?? [],
  };
  try {
    validateAgentOptions(options);
  } catch (err) {
    usage(err);
  }
  if (flags.serverCaFile !== undefined) options.serverCaPem = await readServerCa(path.resolve(io.cwd, flags.serverCaFile), flags.serverCaFile);
  let docs: GeneratedDoc[];
  try {
    docs = agentDocuments(options);
  } catch (err) {
    usage(err);
  }
  const { host, port } = parseServerUrl(options.server);
  const ns = options.namespace;
  await write(
    flags,
    io,
    docs,
    [
      `Generated by meshward ${VERSION} generate agent: the relay agent of cluster ${options.cluster} in namespace ${ns}, pushing to ${serverUrl(host, port)}.`,
      `Holds no secret. Before applying, create Secret ${RELAY_NAMES.agentBootstrapSecret} from \`meshward server register-cluster ${options.cluster}\` (docs/relay-deploy.md).`,
    ],
    'the agent',
  );
  const steps = [
    `meshward: next steps for cluster ${options.cluster} (docs/relay-deploy.md):`,
    `  1. on the server: meshward server register-cluster ${options.cluster} --data DIR | kubectl -n ${ns} create secret generic ${RELAY_NAMES.agentBootstrapSecret} --from-file=token=/dev/stdin`,
    '     (the token goes straight into the Secret: never in a file, a shell history or this output)',
  ];
  if (options.serverCaPem === null) steps.push(`  2. kubectl -n ${ns} create configmap ${RELAY_NAMES.agentServerCaConfigMap} --from-file=ca.crt=SERVER-CA.crt   (the server's CA certificate)`);
  steps.push(`  ${options.serverCaPem === null ? 3 : 2}. kubectl apply -f (this output); the pod waits for the Secret, enrolls once, then keeps its certificate in Secret ${RELAY_NAMES.agentCredentialsSecret}`);
  io.stderr.write(`${steps.map(terminalSafe).join('\n')}\n`);
  return 0;
}

async function runServer(flags: ServerFlags, io: CliIO): Promise<number> {
  if (!/^[0-9]{1,6}$/.test(flags.replicas)) throw new UsageError(`--replicas: ${JSON.stringify(terminalSafe(flags.replicas.slice(0, 40)))} is not a whole number`);
  const options: ServerDeployOptions = {
    namespace: flags.namespace,
    image: flags.image,
    replicas: Number(flags.replicas),
    databaseSecret: flags.databaseSecret ?? null,
    storage: flags.storage,
    databaseCidrs: flags.databaseCidr ?? [],
  };
  let docs: GeneratedDoc[];
  try {
    validateServerOptions(options);
    docs = serverDocuments(options);
  } catch (err) {
    usage(err);
  }
  const ns = options.namespace;
  await write(
    flags,
    io,
    docs,
    [
      `Generated by meshward ${VERSION} generate server: the relay server in namespace ${ns}, ${options.databaseSecret === null ? `SQLite on a ${options.storage} volume` : `PostgreSQL, ${options.replicas} replica${options.replicas === 1 ? '' : 's'}`}.`,
      `Holds no secret. Before applying, create Secrets ${RELAY_NAMES.serverCaSecret} and ${RELAY_NAMES.serverTokensSecret}${options.databaseSecret === null ? '' : ` and ${options.databaseSecret}`} (docs/relay-deploy.md).`,
    ],
    'the server',
  );
  const steps = [
    `meshward: next steps (docs/relay-deploy.md):`,
    `  kubectl -n ${ns} create secret generic ${RELAY_NAMES.serverCaSecret} --from-file=ca.crt --from-file=ca.key --from-file=tls.crt --from-file=tls.key   (the agent CA and the agent port's certificate)`,
    `  kubectl -n ${ns} create secret generic ${RELAY_NAMES.serverTokensSecret} --from-file=tokens.yaml   (the API's hashed tokens)`,
  ];
  if (options.databaseSecret !== null) steps.push(`  kubectl -n ${ns} create secret generic ${options.databaseSecret} --from-literal=url=postgres://USER@HOST:5432/DB --from-file=password=PASSWORD-FILE`);
  steps.push('  kubectl apply -f (this output)');
  io.stderr.write(`${steps.map(terminalSafe).join('\n')}\n`);
  return 0;
}

async function write(flags: { format: 'yaml' | 'json'; output?: string }, io: CliIO, docs: GeneratedDoc[], header: string[], what: string): Promise<void> {
  const text = flags.format === 'json' ? renderJson({ apiVersion: 'v1', kind: 'List', items: docs.map((d) => d.object) }) : renderYamlStream(header, docs);
  if (!flags.output) io.stdout.write(text);
  else {
    await writeReportFile(path.resolve(io.cwd, flags.output), flags.output, text);
    io.stderr.write(`meshward: wrote ${what}'s ${docs.length} objects to ${terminalSafe(flags.output)}\n`);
  }
}

async function readServerCa(file: string, shown: string): Promise<string> {
  const label = `--server-ca-file ${terminalSafe(shown)}`;
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new UsageError(`${label}: not a file`);
    if (stat.size > MAX_TRUST_BYTES) throw new UsageError(`${label}: larger than ${MAX_TRUST_BYTES / 1024} KiB; give the CA certificate only`);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  try {
    // CA certificates only (a key or a leaf is refused without being echoed), normalized to their PEM blocks.
    return parseTrustedCas(text, label).join('');
  } catch (err) {
    if (err instanceof TrustBundleError) throw new UsageError(err.message);
    throw err;
  }
}
