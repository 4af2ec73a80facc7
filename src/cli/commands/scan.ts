import { terminalSafe } from '../../engine/text.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { Option, type Command } from 'commander';
import { scanPaths } from '../../engine/scan.js';
import { resourceLookup } from '../../engine/suppress.js';
import { SEVERITIES } from '../../engine/finding.js';
import { meshFromFileValue } from '../../model/meshconfig.js';
import { AdvisoryDatabaseError, describeDatabase, getAdvisoryDatabase, loadAdvisoryDatabase, setAdvisoryDatabase } from '../../advisories/database.js';
import { loadTenantPolicy, TenantPolicyError, type TenantPolicyFile } from '../../tenancy/policy.js';
import { allRules, findRule } from '../../rules/index.js';
import type { Rule } from '../../rules/types.js';
import { FORMATS } from '../../report/index.js';
import { baselineFor, configFor, emitReport } from '../emit.js';
import { UsageError, EXIT_USAGE, type CliIO, positiveInt } from '../io.js';
import type { SetExit } from './index.js';

interface ScanFlags {
  format: string;
  output?: string;
  failOn?: string;
  config?: string;
  meshConfig?: string;
  baseline?: string;
  writeBaseline?: string;
  namespace: string;
  cluster: string;
  jobs?: string;
  verbose?: boolean;
  showSuppressed?: boolean;
  only?: string;
  tenants?: string;
  advisories?: string;
  maxFileBytes?: string;
  maxDocumentBytes?: string;
}

export function registerScan(program: Command, io: CliIO, setExit: SetExit): void {
  program
    .command('scan')
    .description('scan Kubernetes, Istio and Gateway API manifests (files, folders, or - for stdin)')
    .argument('<paths...>', 'files or folders (recursive: .yaml, .yml, .json); - reads standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (default: high)').choices([...SEVERITIES, 'none']))
    .option('-c, --config <file>', 'config file (default: the nearest .meshward.yaml upward from here)')
    .option('--mesh-config <file>', 'Istio mesh config: MeshConfig, Helm values, IstioOperator or the istio ConfigMap')
    .option('--advisories <file>', 'Istio security-bulletin database to use instead of the bundled one (docs/advisories.md)')
    .option('--tenants <file>', 'tenant policy: which namespaces form a tenant, the hosts and gateways each may claim (docs/tenancy.md)')
    .option('--baseline <file>', 'ignore findings already in this baseline (or earlier JSON report)')
    .option('--write-baseline <file>', 'write the fingerprints of the current findings to a baseline file')
    .option('-n, --namespace <ns>', 'namespace for objects that name none', 'default')
    .option('--cluster <name>', 'cluster name recorded on every resource', 'default')
    .option('-j, --jobs <n>', 'parser threads (default: number of CPUs)')
    .option('-v, --verbose', 'also list skipped documents and other notes')
    .option('--show-suppressed', 'include suppressed findings in the output')
    .option('--only <ids>', 'run only these rules (comma-separated IDs)')
    .option('--max-file-bytes <n>', 'largest input file read')
    .option('--max-document-bytes <n>', 'largest single YAML/JSON document parsed')
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });
}

async function runScan(paths: string[], flags: ScanFlags, io: CliIO): Promise<number> {
  const started = performance.now();
  const config = await configFor(flags, io);
  const jobs = flags.jobs ? positiveInt(flags.jobs, '--jobs') : Math.max(1, os.availableParallelism());
  const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
  const tenantPolicy = flags.tenants ? await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants) : null;
  const baseline = await baselineFor(flags, io);
  try {
    setAdvisoryDatabase(flags.advisories ? loadAdvisoryDatabase(path.resolve(io.cwd, flags.advisories)) : null);
  } catch (err) {
    if (err instanceof AdvisoryDatabaseError) throw new UsageError(`--advisories: ${err.message}`);
    throw err;
  }
  const rules = selectRules(flags.only);
  const result = await scanPaths(paths, {
    rules,
    jobs,
    defaultNamespace: flags.namespace,
    cluster: flags.cluster,
    limits: {
      ...(flags.maxFileBytes ? { maxFileBytes: positiveInt(flags.maxFileBytes, '--max-file-bytes') } : {}),
      ...(flags.maxDocumentBytes ? { maxDocumentBytes: positiveInt(flags.maxDocumentBytes, '--max-document-bytes') } : {}),
    },
    model: { meshConfig, tenantPolicy },
    settings: config.settings,
    disabled: config.disabled,
    severityOverrides: config.severityOverrides,
  });

  const notes: string[] = [];
  if (result.model.mesh.origin === 'defaults') {
    notes.push("no Istio mesh config in the input (istio ConfigMap or IstioOperator); Istio's defaults were assumed. Pass --mesh-config FILE to check the real one.");
  }
  // Several mesh configs in the input: which one was used, and why (never a silent choice).
  for (const n of result.model.mesh.notes) notes.push(terminalSafe(n));
  const advisoryDb = describeDatabase(getAdvisoryDatabase());
  if (result.findings.some((f) => f.ruleId.startsWith('ADV')) || /over \d+ days old/.test(advisoryDb)) notes.push(`versions were checked against the ${advisoryDb}`);
  if (result.notes.length) {
    if (flags.verbose) notes.push(...result.notes);
    else notes.push(`${result.notes.length} document${result.notes.length === 1 ? ' was' : 's were'} skipped (not Kubernetes objects, or unnamed); --verbose lists them`);
  }
  const code = await emitReport({
    findings: result.findings,
    errors: result.errors,
    notes,
    started,
    resources: result.model.resources.length,
    files: result.load.files.length,
    meshConfig: result.model.mesh.origin,
    rules,
    resourceOf: resourceLookup(result.model.resources),
    config,
    baseline,
    flags,
    io,
  });
  for (const failure of result.failures) io.stderr.write(`meshward: rule ${failure.ruleId} failed and was skipped: ${failure.message}\n`);
  return result.failures.length ? EXIT_USAGE : code;
}

export async function readTenantPolicy(file: string, shown: string): Promise<TenantPolicyFile> {
  try {
    return await loadTenantPolicy(file, shown);
  } catch (err) {
    if (err instanceof TenantPolicyError) throw new UsageError(err.message);
    throw err;
  }
}

export async function readMeshConfig(file: string, shown: string): Promise<{ config: Record<string, any>; file: string }> {
  let text: string;
  try {
    const st = await fs.stat(file);
    if (st.size > 16 * 1024 * 1024) throw new UsageError(`--mesh-config ${shown}: file is larger than 16 MiB`);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--mesh-config ${shown}: cannot read file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, null, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line?: number } };
    throw new UsageError(`--mesh-config ${shown}:${(e.mark?.line ?? 0) + 1}: invalid YAML: ${e.reason ?? err}`);
  }
  for (const d of docs) {
    let config: Record<string, any> | null;
    try {
      config = meshFromFileValue(d);
    } catch (err) {
      throw new UsageError(`--mesh-config ${shown}: the ConfigMap's data.mesh is not valid YAML: ${(err as any).reason ?? err}`);
    }
    if (config) return { config, file: shown.split(path.sep).join('/') };
  }
  throw new UsageError(`--mesh-config ${shown}: no mesh config found; give a MeshConfig, Helm values with meshConfig, an IstioOperator or the istio ConfigMap`);
}

function selectRules(only: string | undefined): readonly Rule[] {
  if (!only) return allRules;
  const ids = only.split(',').map((s) => s.trim()).filter(Boolean);
  return ids.map((id) => {
    const rule = findRule(id);
    if (!rule) throw new UsageError(`--only: no rule "${id}"; \`meshward rules\` lists them`);
    return rule;
  });
}


