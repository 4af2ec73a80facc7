import path from 'node:path';
import { jsonForOutput, terminalSafe, terminalSafeDeep } from '../../engine/text.js';
import os from 'node:os';
import { Option } from 'commander';
import { analyse, scanPaths } from '../../engine/scan.js';
import { tenantMap } from '../../tenancy/map.js';
import { readMeshConfig, readTenantPolicy } from './scan.js';
import { UsageError } from '../io.js';
import { allRules } from '../../rules/index.js';
import { addLiveOptions, clusterErrors, liveKinds, liveSelection, readAndAnalyse } from '../live.js';
/** `meshward tenants`: who owns which hosts and who claims what, before anything is enforced. */
export function registerTenants(program, io, setExit) {
    const tenants = program
        .command('tenants')
        .description('show which tenant owns which hosts and which objects claim them (conflicts marked)')
        .argument('[paths...]', 'manifests: files, folders, or - for stdin (optional with a live cluster: --context...)')
        .option('--tenants <file>', 'tenant policy (without one, every namespace is its own tenant)')
        .option('--mesh-config <file>', 'Istio mesh config')
        .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
        .option('-n, --namespace <ns>', 'namespace for objects that name none', 'default');
    addLiveOptions(tenants);
    tenants.action(async (paths, flags) => {
        const selection = liveSelection(flags);
        if (!paths.length && !selection)
            throw new UsageError('tenants needs manifests (files, folders, or - for stdin) or a live cluster (--context NAME, --all-contexts, --kubeconfig FILE or --in-cluster)');
        const tenantPolicy = flags.tenants ? await readTenantPolicy(path.resolve(io.cwd, flags.tenants), flags.tenants) : null;
        const meshConfig = flags.meshConfig ? await readMeshConfig(path.resolve(io.cwd, flags.meshConfig), flags.meshConfig) : null;
        const parts = [];
        if (paths.length) {
            const result = await scanPaths(paths, { rules: [], jobs: os.availableParallelism(), defaultNamespace: flags.namespace, model: { tenantPolicy, meshConfig } });
            parts.push({ cluster: null, map: tenantMap(result.model), errors: result.errors });
        }
        if (selection) {
            // The map of each cluster is made while its objects are in memory; only the map is kept.
            const live = await readAndAnalyse({ selection, kinds: liveKinds(allRules), io, format: flags.format }, (read) => {
                if (read.summary.status === 'error' && !read.resources.length)
                    return null;
                const result = analyse({ files: [], resources: read.resources, errors: [], notes: [] }, { rules: [], model: { tenantPolicy, meshConfig } });
                const errors = result.errors.map((e) => ({ ...e, file: /^<.*>$/.test(e.file) ? `cluster ${read.summary.name}` : e.file, cluster: read.summary.name }));
                return { map: tenantMap(result.model), errors };
            });
            for (const s of live.summaries) {
                const r = live.results.get(s.name);
                parts.push({ cluster: s, map: r?.map ?? [], errors: [...clusterErrors(s), ...(r?.errors ?? [])] });
            }
        }
        const errors = parts.flatMap((p) => p.errors);
        for (const e of errors)
            io.stderr.write(`meshward: ${terminalSafe(`${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)}\n`);
        if (flags.format === 'json') {
            const files = parts.find((p) => !p.cluster);
            const clusters = parts.filter((p) => p.cluster).map((p) => ({ ...p.cluster, tenants: p.map }));
            io.stdout.write(jsonForOutput({ policy: flags.tenants ?? null, tenants: files?.map ?? [], errors, ...(selection ? { clusters } : {}) }) + '\n');
        }
        else {
            for (const [i, p] of parts.entries()) {
                if (parts.length > 1 || p.cluster) {
                    const head = p.cluster ? `== cluster ${p.cluster.name}: ${p.cluster.status}, ${p.cluster.resources} objects from ${p.cluster.server}` : `== files: ${paths.join(' ')}`;
                    io.stdout.write(`${i ? '\n' : ''}${terminalSafe(head)}\n`);
                }
                io.stdout.write(renderText(p.map, flags.tenants ?? null));
            }
        }
        setExit(errors.length ? 1 : 0);
    });
}
/** The text map. Names, hosts and the policy's file name come from input: escaped once, here. */
function renderText(rawMap, rawPolicy) {
    const map = terminalSafeDeep(rawMap);
    const policy = rawPolicy === null ? null : terminalSafe(rawPolicy);
    const out = [policy ? `Tenants from ${policy}` : 'No tenant policy: every namespace is its own tenant; the root and system namespaces are the platform.', ''];
    let conflicts = 0;
    for (const t of map) {
        out.push(`${t.platform ? 'platform' : `tenant ${t.name}`}  (namespaces: ${t.namespaces.join(', ') || '-'})`);
        if (t.owns.length)
            out.push(`  owns ${t.owns.length} service host${t.owns.length === 1 ? '' : 's'}: ${t.owns.slice(0, 8).join(', ')}${t.owns.length > 8 ? ', …' : ''}`);
        if (t.allowedHosts.length)
            out.push(`  may claim external hosts: ${t.allowedHosts.join(', ')}`);
        if (t.gateways.length)
            out.push(`  may bind gateways: ${t.gateways.join(', ')}`);
        for (const c of t.claims) {
            const mark = c.conflictsWith.length ? `  ✖ covers hosts of ${c.conflictsWith.join(', ')}` : '';
            if (c.conflictsWith.length)
                conflicts++;
            out.push(`  claims ${c.host}${c.resolved !== c.host ? ` (${c.resolved})` : ''} by ${c.kind} ${c.namespace}/${c.name} on ${c.attachment.join(',')}${c.exportTo !== '-' ? ` exportTo ${c.exportTo}` : ''}${mark}`);
        }
        out.push('');
    }
    out.push(conflicts ? `${conflicts} claim${conflicts === 1 ? '' : 's'} cover other tenants' hosts; \`meshward scan\` explains each.` : 'No claim covers another tenant\'s hosts.');
    return out.join('\n') + '\n';
}
