import os from 'node:os';
import { jsonForOutput, terminalSafe, terminalSafeDeep } from '../../engine/text.js';
import path from 'node:path';
import { Option } from 'commander';
import { scanPaths } from '../../engine/scan.js';
import { blastRadius } from '../../multicluster/blast-radius.js';
import { UsageError } from '../io.js';
import { writeReportFile } from '../emit.js';
import { MeshModel } from '../../model/model.js';
import { isMeshConfigMap } from '../../model/meshconfig.js';
import { credentialFlavour } from '../../multicluster/credentials.js';
import { addLiveOptions, clusterErrors, liveSelection, readAndAnalyse } from '../live.js';
const RELAY_ADVICE = 'Credential edges are the architecture, not a typo: every cluster that stores another\'s credential becomes part of its attack surface. Prefer a relay, where an agent in each cluster pushes a read-only snapshot outward (meshward\'s own multi-cluster mode works that way) so no cluster holds another\'s credentials; otherwise scope remote readers to discovery (no Secret access), rotate to expiring tokens, and keep remote secrets in a namespace few can read.';
export function registerBlastRadius(program, io, setExit) {
    const command = program
        .command('blast-radius')
        .description('which clusters fall when one falls: follows credentials stored in each cluster to what they unlock')
        .option('--cluster <name=path>', 'a cluster and the folder (or file) of its manifests; repeat for each cluster (live clusters: --context, --all-contexts)', collect, [])
        .option('--server <name=url>', 'API server URL of a cluster, to match credentials by server; repeatable', collect, [])
        .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'dot', 'mermaid']).default('text'))
        .option('-o, --output <file>', 'write to a file instead of standard output');
    addLiveOptions(command);
    command.action(async (flags) => {
        const selection = liveSelection(flags);
        const servers = new Map();
        for (const s of flags.server) {
            const [name, url] = splitPair(s, '--server', 'NAME=URL');
            servers.set(name, [...(servers.get(name) ?? []), url]);
        }
        if (!flags.cluster.length && !selection) {
            throw new UsageError('blast-radius needs at least one --cluster NAME=PATH (a cluster and the folder of its manifests; repeat it for each cluster), or live clusters with --context NAME or --all-contexts');
        }
        const inputs = [];
        const seen = new Set();
        let errors = 0;
        for (const c of flags.cluster) {
            const [name, dir] = splitPair(c, '--cluster', 'NAME=PATH');
            if (seen.has(name))
                throw new UsageError(`--cluster ${name} is given twice`);
            seen.add(name);
            const res = await scanPaths([path.resolve(io.cwd, dir)], { cluster: name, rules: [], jobs: os.availableParallelism() });
            for (const e of res.errors)
                io.stderr.write(`meshward: ${terminalSafe(`${name}: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)}\n`);
            errors += res.errors.length;
            inputs.push({ name, model: res.model, files: res.load.files, servers: servers.get(name) });
        }
        let liveSummaries = null;
        if (selection) {
            const live = await readAndAnalyse({ selection, kinds: BLAST_RADIUS_KINDS, io, format: flags.format }, (read) => (read.summary.status === 'error' && !read.resources.length ? null : blastFacts(read.resources)));
            liveSummaries = live.summaries;
            for (const s of live.summaries) {
                for (const e of clusterErrors(s))
                    io.stderr.write(`meshward: ${terminalSafe(`${e.file}: ${e.message}`)}\n`);
                errors += s.errors.length;
                const kept = live.results.get(s.name);
                if (!kept)
                    continue;
                if (seen.has(s.name))
                    throw new UsageError(`cluster ${terminalSafe(s.name)} is given twice (--cluster and a live context); rename one with --cluster-name CONTEXT=NAME`);
                seen.add(s.name);
                // The API server it was read from is how other clusters' credentials name it.
                inputs.push({ name: s.name, model: new MeshModel(kept), files: [], servers: [...(servers.get(s.name) ?? []), ...(s.server ? [s.server] : [])] });
            }
        }
        const result = blastRadius(inputs);
        const text = flags.format === 'json' ? jsonForOutput(liveSummaries ? { ...result, liveClusters: liveSummaries } : result) + '\n' : flags.format === 'dot' ? toDot(result) : flags.format === 'mermaid' ? toMermaid(result) : toText(result);
        if (flags.output)
            await writeReportFile(path.resolve(io.cwd, flags.output), flags.output, text);
        else
            io.stdout.write(text);
        setExit(errors ? 1 : 0);
    });
}
/**
 * What blast-radius reads from a live cluster: who may do what (RBAC), the Secrets holding other
 * clusters' credentials or the mesh's CA, and the mesh config (mesh ID, trust domain).
 */
const BLAST_RADIUS_KINDS = [
    'rbac.authorization.k8s.io/ClusterRole',
    'rbac.authorization.k8s.io/ClusterRoleBinding',
    'rbac.authorization.k8s.io/Role',
    'rbac.authorization.k8s.io/RoleBinding',
    'Secret',
    'ConfigMap',
    'install.istio.io/IstioOperator',
];
/**
 * The small part of a cluster kept for the cross-cluster analysis once its other objects are dropped:
 * RBAC, credential and CA Secrets (already reduced to facts by the reader), the mesh config. Ids are
 * renumbered densely, as the model expects.
 */
function blastFacts(resources) {
    const kept = [];
    for (const r of resources) {
        const rbac = r.group === 'rbac.authorization.k8s.io' && RBAC_KINDS.has(r.kind);
        const secret = r.kind === 'Secret' && r.group === '' && (credentialFlavour(r) !== null || r.name === 'cacerts');
        const mesh = isMeshConfigMap(r) || (r.kind === 'IstioOperator' && r.group === 'install.istio.io');
        if (rbac || secret || mesh)
            kept.push({ ...r, id: kept.length });
    }
    return kept;
}
const RBAC_KINDS = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
function collect(v, prev) {
    return [...prev, v];
}
function splitPair(v, flag, form) {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1)
        throw new UsageError(`${flag} takes ${form}, not "${v}"`);
    return [v.slice(0, i), v.slice(i + 1)];
}
function where(l) {
    return l && l.file !== undefined ? ` (${l.file}:${l.line})` : '';
}
function describeHop(h) {
    const lines = [];
    const access = h.access
        ? `readable there through ${h.access.capability}${h.access.namespace ? ` in ${h.access.namespace}` : ' in every namespace'} (${h.access.binding.kind} ${h.access.binding.namespace ? `${h.access.binding.namespace}/` : ''}${h.access.binding.name} → ${h.access.rule}${where(h.access.location)})`
        : 'taken with the cluster';
    lines.push(`${h.from} → ${h.to}: ${h.credential.description}${where(h.credential.location)}, ${access}`);
    lines.push(`    authenticates as ${h.principal ?? 'an identity only its exec plugin or auth provider decides'} on ${h.to}`);
    // cluster-admin implies every other capability: list only that.
    const shown = h.capabilities.some((c) => c.capability === 'cluster-admin') ? h.capabilities.filter((c) => c.capability === 'cluster-admin') : h.capabilities;
    for (const c of shown.slice(0, 6)) {
        lines.push(`    ${c.capability}${c.namespace ? ` in ${c.namespace}` : ' in every namespace'}: ${c.binding.kind} ${c.binding.namespace ? `${c.binding.namespace}/` : ''}${c.binding.name} → ${c.rule}${where(c.location)}`);
    }
    if (shown.length > 6)
        lines.push(`    …and ${shown.length - 6} more grants`);
    return lines;
}
/** The text report. Every name, URL and file in it comes from input: escaped once, here. */
export function toText(result) {
    const r = terminalSafeDeep(result);
    const out = [];
    for (const c of r.clusters) {
        if (!c.reach.length) {
            out.push(`compromise of ${c.cluster} ⇒ no other cluster`, '');
            continue;
        }
        out.push(`compromise of ${c.cluster} ⇒ ${c.reach.map((x) => `${x.cluster} (${x.summary})`).join(', ')}`);
        for (const x of c.reach) {
            for (const h of x.path)
                for (const l of describeHop(h))
                    out.push(`  ${l}`);
            if (x.otherPaths)
                out.push(`    (${x.otherPaths} other credential path${x.otherPaths === 1 ? ' also reaches' : 's also reach'} ${x.cluster}; --format json lists the capabilities of all)`);
        }
        out.push('');
    }
    if (r.trust.length) {
        out.push('Trust across clusters:');
        for (const t of r.trust) {
            out.push(`  ${t.severity.toUpperCase()}  ${t.message}`);
            for (const e of t.evidence)
                out.push(`    ${e.cluster}: Secret ${e.secret.namespace}/${e.secret.name} ${e.field}: ${e.certificate}`);
        }
        out.push('');
    }
    if (r.unresolved.length) {
        out.push('Credentials for clusters not given (add them with --cluster, or --server to match by URL):');
        for (const u of r.unresolved)
            out.push(`  ${u.cluster}: ${u.credential} for ${u.target ?? 'an unnamed cluster'}${u.servers.length ? ` at ${u.servers.join(', ')}` : ''}`);
        out.push('');
    }
    out.push(RELAY_ADVICE);
    return out.join('\n') + '\n';
}
function edges(r) {
    const out = new Map();
    for (const c of r.clusters) {
        for (const x of c.reach) {
            for (const h of x.path) {
                const key = `${h.from}>${h.to}>${h.credential.description}`;
                if (!out.has(key))
                    out.set(key, { from: h.from, to: h.to, label: `${h.credential.secret.namespace}/${h.credential.secret.name} as ${h.principal ?? 'unknown'}` });
            }
        }
    }
    return out;
}
/**
 * Graphviz DOT. Names are escaped for the terminal, then quoted as DOT strings: backslash and double
 * quote escaped, so no name can close its string and add nodes, edges or attributes.
 */
export function toDot(result) {
    const r = terminalSafeDeep(result);
    const q = (s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    const out = ['digraph blast_radius {', '  rankdir=LR;', '  node [shape=box];'];
    for (const c of r.clusters)
        out.push(`  ${q(c.cluster)};`);
    for (const e of edges(r).values())
        out.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
    out.push('}');
    return out.join('\n') + '\n';
}
/**
 * Mermaid. Node ids are the names made safe, numbered when two would collide (`a-b`, `a_b`); labels
 * are escaped for the terminal, then every character outside a small safe set is written as a
 * Mermaid entity code (`#34;`), so a label cannot close its quotes, its edge or the graph, or carry
 * markup.
 */
export function toMermaid(result) {
    const r = terminalSafeDeep(result);
    const ids = new Map();
    const used = new Set();
    const id = (s) => {
        let v = ids.get(s);
        if (!v) {
            const base = `c_${s.replace(/[^A-Za-z0-9_]/g, '_')}`;
            v = base;
            for (let n = 2; used.has(v); n++)
                v = `${base}_${n}`;
            ids.set(s, v);
            used.add(v);
        }
        return v;
    };
    const label = (s) => s.replace(/[^A-Za-z0-9 .,:/=+_-]/gu, (c) => `#${c.codePointAt(0)};`);
    const out = ['graph LR'];
    for (const c of r.clusters)
        out.push(`  ${id(c.cluster)}["${label(c.cluster)}"]`);
    for (const e of edges(r).values())
        out.push(`  ${id(e.from)} -->|"${label(e.label)}"| ${id(e.to)}`);
    return out.join('\n') + '\n';
}
