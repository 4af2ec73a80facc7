import path from 'node:path';
import { jsonForOutput, terminalSafe, terminalSafeDeep } from '../../engine/text.js';
import os from 'node:os';
import { Option, type Command } from 'commander';
import { scanPaths } from '../../engine/scan.js';
import { tenantMap, type TenantEntry } from '../../tenancy/map.js';
import { readMeshConfig, readTenantPolicy } from './scan.js';
import { type CliIO } from '../io.js';
import type { SetExit } from './index.js';

/** `meshward tenants`: who owns which hosts and who claims what, before anything is enforced. */
export function registerTenants(program: Command, io: CliIO, setExit: SetExit): void {
  program
    .command('tenants')
    .description('show which tenant owns which hosts and which objects claim them (conflicts marked)')
    .argument('<paths...>', 'manifests: files, folders, or - for stdin')
    .option('--tenants <file>', 'tenant policy (without one, every namespace is its own tenant)')
    .option('--mesh-config <file>', 'Istio mesh config')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --namespace <ns>', 'namespace for objects that name none', 'default')
    .action(async (paths: string[], flags: { tenants?: string; meshConfig?: string; format: string; namespace: string }) => {
      const tenantPolicy = flags.tenants ? await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants) : null;
      const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
      const result = await scanPaths(paths, { rules: [], jobs: os.availableParallelism(), defaultNamespace: flags.namespace, model: { tenantPolicy, meshConfig } });
      const map = tenantMap(result.model);
      for (const e of result.errors) io.stderr.write(`meshward: ${terminalSafe(`${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)}\n`);
      if (flags.format === 'json') io.stdout.write(jsonForOutput({ policy: flags.tenants ?? null, tenants: map, errors: result.errors }) + '\n');
      else io.stdout.write(renderText(map, flags.tenants ?? null));
      setExit(result.errors.length ? 1 : 0);
    });
}

/** The text map. Names, hosts and the policy's file name come from input: escaped once, here. */
function renderText(rawMap: TenantEntry[], rawPolicy: string | null): string {
  const map = terminalSafeDeep(rawMap);
  const policy = rawPolicy === null ? null : terminalSafe(rawPolicy);
  const out: string[] = [policy ? `Tenants from ${policy}` : 'No tenant policy: every namespace is its own tenant; the root and system namespaces are the platform.', ''];
  let conflicts = 0;
  for (const t of map) {
    out.push(`${t.platform ? 'platform' : `tenant ${t.name}`}  (namespaces: ${t.namespaces.join(', ') || '-'})`);
    if (t.owns.length) out.push(`  owns ${t.owns.length} service host${t.owns.length === 1 ? '' : 's'}: ${t.owns.slice(0, 8).join(', ')}${t.owns.length > 8 ? ', …' : ''}`);
    if (t.allowedHosts.length) out.push(`  may claim external hosts: ${t.allowedHosts.join(', ')}`);
    if (t.gateways.length) out.push(`  may bind gateways: ${t.gateways.join(', ')}`);
    for (const c of t.claims) {
      const mark = c.conflictsWith.length ? `  ✖ covers hosts of ${c.conflictsWith.join(', ')}` : '';
      if (c.conflictsWith.length) conflicts++;
      out.push(`  claims ${c.host}${c.resolved !== c.host ? ` (${c.resolved})` : ''} by ${c.kind} ${c.namespace}/${c.name} on ${c.attachment.join(',')}${c.exportTo !== '-' ? ` exportTo ${c.exportTo}` : ''}${mark}`);
    }
    out.push('');
  }
  out.push(conflicts ? `${conflicts} claim${conflicts === 1 ? '' : 's'} cover other tenants' hosts; \`meshward scan\` explains each.` : 'No claim covers another tenant\'s hosts.');
  return out.join('\n') + '\n';
}
