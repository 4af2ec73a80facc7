import os from 'node:os';
import path from 'node:path';
import { Option } from 'commander';
import { scanPaths } from '../../engine/scan.js';
import { jsonForOutput, terminalSafe } from '../../engine/text.js';
import { buildServiceGraph, graphToDot } from '../../insights/graph.js';
import { writeReportFile } from '../emit.js';
import { UsageError } from '../io.js';
import { addTelemetryOptions, describeFacts, loadSource, telemetryPlan } from '../telemetry.js';
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'DeploymentConfig', 'Rollout']);
export function registerGraph(program, io, setExit) {
    const command = program
        .command('graph')
        .description('the service graph Istio metrics show: workloads, services, egress, unknown sources, request rates and mTLS per edge (--metrics FILE or --prometheus URL)')
        .argument('[manifests...]', 'manifests (files or folders) to mark workloads and services the configuration does not declare')
        .addOption(new Option('-f, --format <format>', 'output format').choices(['json', 'dot']).default('json'))
        .option('-o, --output <file>', 'write to a file instead of standard output');
    addTelemetryOptions(command, { perCluster: false });
    command.action(async (manifests, flags) => {
        const plan = telemetryPlan(flags, io, { perCluster: false });
        if (!plan?.shared)
            throw new UsageError('graph needs traffic: --metrics FILE (a Prometheus text or OpenMetrics file) or --prometheus URL');
        const facts = await loadSource(plan, plan.shared);
        let declared;
        if (manifests.length) {
            const res = await scanPaths(manifests.map((m) => path.resolve(io.cwd, m)), { rules: [], jobs: Math.max(1, Math.min(4, os.availableParallelism())) });
            for (const e of res.errors)
                io.stderr.write(`meshward: ${terminalSafe(`${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)}\n`);
            const workloads = new Set();
            const hosts = new Set();
            for (const r of res.model.resources) {
                if (WORKLOAD_KINDS.has(r.kind))
                    workloads.add(`${r.namespace}/${r.name}`);
                else if (r.kind === 'Service')
                    hosts.add(`${r.name}.${r.namespace}.svc.cluster.local`);
                else if (r.kind === 'ServiceEntry') {
                    const h = r.obj?.spec?.hosts;
                    if (Array.isArray(h))
                        for (const x of h)
                            if (typeof x === 'string')
                                hosts.add(x);
                }
            }
            declared = { workloads, hosts };
        }
        const graph = buildServiceGraph(facts, declared);
        const text = flags.format === 'dot' ? graphToDot(graph) : `${jsonForOutput(graph)}\n`;
        if (flags.output)
            await writeReportFile(path.resolve(io.cwd, flags.output), flags.output, text);
        else
            io.stdout.write(text);
        io.stderr.write(`meshward: ${describeFacts(facts)}; ${graph.nodes.length} nodes, ${graph.edges.length} graph edges\n`);
        for (const n of facts.notes)
            io.stderr.write(`meshward: ${terminalSafe(n)}\n`);
        setExit(0);
    });
}
