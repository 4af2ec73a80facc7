import os from 'node:os';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { scanPaths } from '../../engine/scan.js';
import { loadConfig, ConfigError, type MeshwardConfig } from '../../config/config.js';
import { DEFAULT_SYSTEM_NAMESPACES } from '../../model/namespaces.js';
import { DEFAULT_ROOT_NAMESPACE } from '../../model/meshconfig.js';
import { planSidecars, renderSidecars } from '../../tenancy/generate-sidecars.js';
import { AdmissionPolicyError, DEFAULT_POLICY_NAME, generateAdmission } from '../../tenancy/generate-admission.js';
import { readMeshConfig, readTenantPolicy } from './scan.js';
import { UsageError, VERSION, EXIT_FINDINGS, type CliIO, positiveInt } from '../io.js';
import type { SetExit } from './index.js';
import { writeReportFile } from '../emit.js';
import { terminalSafe } from '../../engine/text.js';
import { renderJson, renderYamlStream } from '../../tenancy/yaml-out.js';
import {
  CERT_DAYS,
  defaultDeployOptions,
  serviceDnsNames,
  validateDeployOptions,
  webhookDocuments,
  WebhookDeployError,
  type FailurePolicy,
  type WebhookDeployOptions,
} from '../../webhook/generate-webhook.js';
import { createServingCertificate, MAX_TRUST_BYTES, parseTrustedCas, TrustBundleError } from '../../webhook/generate-certs.js';
import type { DenyOn, WebhookMode } from '../../webhook/types.js';
import { registerGenerateRelay } from './generate-relay.js';
import { DNS_LABEL } from '../../model/names.js';


interface SidecarFlags {
  tenants?: string;
  meshConfig?: string;
  rootNamespace?: string;
  config?: string;
  format: 'yaml' | 'json';
  output?: string;
  namespace: string;
  jobs?: string;
}

interface AdmissionFlags {
  tenants: string;
  format: 'vap' | 'kyverno';
  output?: string;
  mode: 'enforce' | 'audit';
  rootNamespace: string;
  clusterDomain: string;
  name: string;
  config?: string;
}

interface WebhookFlags {
  namespace: string;
  certManager?: boolean;
  image: string;
  replicas: string;
  mode: WebhookMode;
  denyOn: DenyOn;
  failurePolicy: FailurePolicy;
  timeoutSeconds: string;
  tenantsConfigmap?: string;
  rootNamespace: string;
  trustCa?: string;
  format: 'yaml' | 'json';
  output?: string;
}

/**
 * `meshward generate sidecars` and `meshward generate admission-policy`: mitigations written from the
 * tenant policy; `meshward generate webhook`: the manifests that deploy the admission webhook.
 */
export function registerGenerate(program: Command, io: CliIO, setExit: SetExit): void {
  const generate = program
    .command('generate')
    .description("write mitigations from the tenant policy (per-namespace Sidecars, admission policies: VAP or Kyverno) and the admission webhook's deployment");

  generate
    .command('sidecars')
    .description("one Sidecar per tenant namespace, limiting the config its proxies import to its own namespace, the root namespace and the namespaces its tenant trusts")
    .argument('[paths...]', 'manifests whose namespaces get a Sidecar (files, folders, - for stdin)')
    .option('--tenants <file>', 'tenant policy (docs/tenancy.md); without one, each namespace is its own tenant')
    .option('--mesh-config <file>', 'Istio mesh config, for the root namespace when the manifests hold none')
    .option('--root-namespace <ns>', 'the mesh root namespace (default: from the mesh config, else istio-system)')
    .option('-c, --config <file>', 'config file, for settings.systemNamespaces (default: the nearest .meshward.yaml)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('-n, --namespace <ns>', 'namespace for objects that name none', 'default')
    .option('-j, --jobs <n>', 'parser threads (default: number of CPUs)')
    .action(async (paths: string[], flags: SidecarFlags) => {
      setExit(await runSidecars(paths, flags, io));
    });

  generate
    .command('admission-policy')
    .description("an admission policy rejecting routing objects whose hosts fall outside the creating namespace's allowance")
    .addOption(new Option('--tenants <file>', 'tenant policy (docs/tenancy.md)').makeOptionMandatory())
    .addOption(new Option('-f, --format <format>', 'vap: ValidatingAdmissionPolicy + binding (Kubernetes 1.30+); kyverno: Kyverno ClusterPolicy').choices(['vap', 'kyverno']).makeOptionMandatory())
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .addOption(new Option('--mode <mode>', 'enforce: reject violations; audit: admit them with a warning and an audit record').choices(['enforce', 'audit']).default('enforce'))
    .option('--root-namespace <ns>', 'the mesh root namespace, exempt as platform', DEFAULT_ROOT_NAMESPACE)
    .option('--cluster-domain <domain>', 'Kubernetes cluster DNS domain', 'cluster.local')
    .option('--name <name>', 'name of the generated objects', DEFAULT_POLICY_NAME)
    .option('-c, --config <file>', 'config file, for settings.systemNamespaces (default: the nearest .meshward.yaml)')
    .action(async (flags: AdmissionFlags) => {
      setExit(await runAdmission(flags, io));
    });

  const defaults = defaultDeployOptions(VERSION);
  generate
    .command('webhook')
    .description('the manifests that deploy the admission webhook (`meshward webhook`): namespace, read-only RBAC, Deployment, Service, certificates and the ValidatingWebhookConfiguration')
    .option('-n, --namespace <ns>', "the webhook's namespace (created; never judged by the webhook)", defaults.namespace)
    .option('--cert-manager', 'certificates from cert-manager (Issuer, Certificate, CA injection) instead of a generated CA and serving certificate')
    .option('--image <ref>', 'container image running meshward', defaults.image)
    .option('--replicas <n>', 'webhook replicas (2 or more keeps admission answered during drains)', String(defaults.replicas))
    .addOption(new Option('--mode <mode>', 'enforce: deny at or above --deny-on; warn: warnings only; audit: audit annotations only').choices(['enforce', 'warn', 'audit']).default(defaults.mode))
    .addOption(new Option('--deny-on <severity>', 'lowest severity denied in enforce mode').choices(['critical', 'high', 'medium']).default(defaults.denyOn))
    .addOption(new Option('--failure-policy <policy>', 'when no replica answers: Fail refuses the intercepted writes, Ignore admits them unjudged').choices(['Fail', 'Ignore']).default(defaults.failurePolicy))
    .option('--timeout-seconds <n>', 'how long the API server waits for the webhook (3 to 30; the server decides within 2 s)', String(defaults.timeoutSeconds))
    .option('--tenants-configmap <name>', "ConfigMap in the webhook's namespace holding the tenant policy (key tenants.yaml)")
    .option('--root-namespace <ns>', 'the Istio root namespace, never judged', defaults.rootNamespace)
    .option('--trust-ca <file>', 'PEM CA certificate(s) the webhook configuration keeps trusting beside the new CA (the current one, while a renewal rolls out)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to a file (created readable by its owner only: it may hold a private key) instead of standard output')
    .action(async (flags: WebhookFlags) => {
      setExit(await runWebhook(flags, io));
    });

  // `generate agent` and `generate server`: the relay (src/cli/commands/generate-relay.ts).
  registerGenerateRelay(generate, io, setExit);
}

/** A whole number from a flag; its bounds are checked by validateDeployOptions. */
function wholeNumber(text: string, flag: string): number {
  if (!/^[0-9]{1,6}$/.test(text)) throw new UsageError(`${flag}: ${JSON.stringify(terminalSafe(text.slice(0, 40)))} is not a whole number`);
  return Number(text);
}

async function runWebhook(flags: WebhookFlags, io: CliIO): Promise<number> {
  const options: WebhookDeployOptions = {
    namespace: flags.namespace,
    certManager: flags.certManager === true,
    image: flags.image,
    replicas: wholeNumber(flags.replicas, '--replicas'),
    mode: flags.mode,
    denyOn: flags.denyOn,
    failurePolicy: flags.failurePolicy,
    timeoutSeconds: wholeNumber(flags.timeoutSeconds, '--timeout-seconds'),
    tenantsConfigMap: flags.tenantsConfigmap ?? null,
    rootNamespace: flags.rootNamespace,
  };
  try {
    validateDeployOptions(options);
  } catch (err) {
    if (err instanceof WebhookDeployError) throw new UsageError(terminalSafe(err.message));
    throw err;
  }
  if (flags.trustCa !== undefined && options.certManager) throw new UsageError('--trust-ca is for generated certificates: with --cert-manager, the CA injector writes the caBundle');
  const trustedCas = flags.trustCa !== undefined ? await readTrustedCas(path.resolve(io.cwd, flags.trustCa), flags.trustCa) : [];
  // Validated before any key exists: a refused flag never leaves a key behind.
  const tls = options.certManager ? null : { ...(await createServingCertificate(serviceDnsNames(options.namespace), CERT_DAYS)), trustedCas };
  const docs = webhookDocuments(options, tls);
  const text =
    flags.format === 'json'
      ? renderJson({ apiVersion: 'v1', kind: 'List', items: docs.map((d) => d.object) })
      : renderYamlStream(
          [
            `Generated by meshward ${VERSION} generate webhook: the admission webhook in namespace ${options.namespace}.`,
            options.certManager
              ? 'Certificates from cert-manager (install it first). Apply with kubectl apply -f.'
              : 'Holds a PRIVATE KEY (the Secret): apply with kubectl apply -f, keep it out of version control.',
          ],
          docs,
        );
  if (!flags.output) io.stdout.write(text);
  else {
    await writeSecretFile(path.resolve(io.cwd, flags.output), flags.output, text);
    io.stderr.write(`meshward: wrote the webhook's ${docs.length} objects to ${terminalSafe(flags.output)}\n`);
  }
  if (tls) io.stderr.write(`meshward: note: the serving certificate expires on ${tls.notAfter.toISOString().slice(0, 10)}; generate again before then (docs/webhook-deploy.md)\n`);
  return 0;
}

async function readTrustedCas(file: string, shown: string): Promise<string[]> {
  const label = `--trust-ca ${terminalSafe(shown)}`;
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new UsageError(`${label}: not a file`);
    if (stat.size > MAX_TRUST_BYTES) throw new UsageError(`${label}: larger than ${MAX_TRUST_BYTES / 1024} KiB; give the CA certificates only`);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  try {
    return parseTrustedCas(text, label);
  } catch (err) {
    if (err instanceof TrustBundleError) throw new UsageError(err.message);
    throw err;
  }
}

/** Like writeReportFile, but a new file is created with mode 0600: the output may hold a private key. */
async function writeSecretFile(file: string, shown: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true }).catch(() => undefined);
  try {
    const handle = await fs.open(file, 'w', 0o600);
    try {
      // An existing file keeps its mode on open: narrow it before the key is written.
      await handle.chmod(0o600);
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new UsageError(`--output ${terminalSafe(shown)}: cannot write the manifests (${(err as NodeJS.ErrnoException).code ?? err}); check the path`);
  }
}

async function runSidecars(paths: string[], flags: SidecarFlags, io: CliIO): Promise<number> {
  if (!paths.length && !flags.tenants) throw new UsageError('generate sidecars needs manifests (PATH...), a tenant policy (--tenants FILE), or both');
  if (flags.rootNamespace !== undefined && !DNS_LABEL.test(flags.rootNamespace)) throw new UsageError(`--root-namespace: "${flags.rootNamespace}" is not a namespace name`);
  const config = await readConfig(flags.config, io);
  const tenantPolicy = flags.tenants ? await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants) : null;
  const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
  const jobs = flags.jobs ? positiveInt(flags.jobs, '--jobs') : Math.max(1, os.availableParallelism());
  const result = await scanPaths(paths, {
    rules: [],
    jobs,
    defaultNamespace: flags.namespace,
    model: {
      tenantPolicy,
      meshConfig,
      ...(config.settings.systemNamespaces.length ? { systemNamespaces: config.settings.systemNamespaces } : {}),
    },
  });
  for (const e of result.errors) io.stderr.write(`meshward: ${terminalSafe(`${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)}\n`);
  const gen = planSidecars(result.model, { rootNamespace: flags.rootNamespace });
  for (const n of gen.notes) io.stderr.write(`meshward: note: ${terminalSafe(n)}\n`);
  const text = renderSidecars(gen, { format: flags.format, policyFile: flags.tenants ?? null, version: VERSION });
  await emit(text, flags.output, io, `${gen.plans.length} Sidecar${gen.plans.length === 1 ? '' : 's'}`);
  if (!gen.plans.length) io.stderr.write('meshward: no tenant namespace found; nothing to generate\n');
  // Unreadable input may hide namespaces: the output is written, but the run fails as `scan` would.
  return result.errors.length ? EXIT_FINDINGS : 0;
}

async function runAdmission(flags: AdmissionFlags, io: CliIO): Promise<number> {
  if (!DNS_LABEL.test(flags.rootNamespace)) throw new UsageError(`--root-namespace: "${flags.rootNamespace}" is not a namespace name`);
  if (!DNS_LABEL.test(flags.name)) throw new UsageError(`--name: "${flags.name}" is not a valid object name (lower-case letters, digits and "-")`);
  const config = await readConfig(flags.config, io);
  const policy = await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants);
  const system = config.settings.systemNamespaces.length ? config.settings.systemNamespaces : DEFAULT_SYSTEM_NAMESPACES;
  let out: { text: string };
  try {
    out = generateAdmission(policy, {
      format: flags.format,
      mode: flags.mode,
      name: flags.name,
      clusterDomain: flags.clusterDomain,
      systemNamespaces: [...new Set([...system, flags.rootNamespace])],
      policyFile: flags.tenants.split(path.sep).join('/'),
      version: VERSION,
    });
  } catch (err) {
    if (err instanceof AdmissionPolicyError) throw new UsageError(`${flags.tenants}: ${err.message}`);
    throw err;
  }
  if (!policy.tenants.length) io.stderr.write('meshward: note: the tenant policy names no tenants: every non-platform namespace may claim only its own Services\n');
  await emit(out.text, flags.output, io, flags.format === 'vap' ? 'a ValidatingAdmissionPolicy and its binding' : 'a Kyverno ClusterPolicy');
  return 0;
}

async function emit(text: string, output: string | undefined, io: CliIO, what: string): Promise<void> {
  if (!output) {
    io.stdout.write(text);
    return;
  }
  await writeReportFile(path.resolve(io.cwd, output), output, text);
  io.stderr.write(`meshward: wrote ${what} to ${terminalSafe(output)}\n`);
}

async function readConfig(file: string | undefined, io: CliIO): Promise<MeshwardConfig> {
  try {
    return await loadConfig(file ? path.resolve(io.cwd, file) : undefined, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
