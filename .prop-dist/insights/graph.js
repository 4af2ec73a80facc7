/**
 * The service graph from traffic facts: workloads, services, PassthroughCluster / BlackHoleCluster and
 * unknown (sidecar-less) sources as nodes; source workload → service → destination workload as edges,
 * with request rates and the mTLS state each edge was seen with. JSON and DOT (`meshward graph`).
 *
 * Both proxies of a connection report it (reporter="source" and "destination"): each hop is counted
 * once, from the destination's report when there is one (it saw what arrived, after any bypass), else
 * from the source's (traffic to PassthroughCluster, BlackHoleCluster and sidecar-less workloads is
 * reported by the source only), else the waypoint's.
 *
 * Every name comes from a metric label: the DOT writer quotes and escapes each one so no label can
 * end its string, and node IDs in DOT are generated (n0, n1...), never taken from input.
 */
import { terminalSafe } from '../engine/text.js';
const REPORTER_RANK = { destination: 3, source: 2, waypoint: 1, unknown: 0 };
/**
 * The edges that count, each hop once: per hop (the edge's labels without the reporter), only the
 * edges of the best reporter seen (the destination's, else the source's, else the waypoint's).
 */
export function bestReported(edges) {
    const hopKey = (e) => JSON.stringify([e.source.namespace, e.source.workload, e.destinationService, e.destination.namespace, e.destination.workload, e.protocol, e.destinationPort ?? null]);
    const best = new Map();
    for (const e of edges) {
        const k = hopKey(e);
        best.set(k, Math.max(best.get(k) ?? -1, REPORTER_RANK[e.reporter] ?? 0));
    }
    return edges.filter((e) => (REPORTER_RANK[e.reporter] ?? 0) === best.get(hopKey(e)));
}
/** The security of a hop from the securities its traffic was reported with. */
export function edgeSecurity(seen) {
    if (seen.size === 0)
        return 'unknown';
    if (seen.size > 1)
        return seen.has('none') && seen.has('mutual_tls') ? 'mixed' : 'unknown';
    return [...seen][0];
}
export function buildServiceGraph(facts, declared) {
    const nodes = new Map();
    const node = (id, make) => {
        if (!nodes.has(id))
            nodes.set(id, make());
        return id;
    };
    const workloadNode = (namespace, workload) => {
        if (workload === 'unknown')
            return node('unknown', () => ({ id: 'unknown', kind: 'unknown', name: 'unknown' }));
        const id = `workload:${JSON.stringify([namespace, workload])}`;
        return node(id, () => ({ id, kind: 'workload', name: workload, namespace, ...(declared ? { declared: declared.workloads.has(`${namespace}/${workload}`) } : {}) }));
    };
    const serviceNode = (host, namespace) => {
        if (host === 'PassthroughCluster')
            return node('passthrough', () => ({ id: 'passthrough', kind: 'passthrough', name: 'PassthroughCluster' }));
        if (host === 'BlackHoleCluster')
            return node('blackhole', () => ({ id: 'blackhole', kind: 'blackhole', name: 'BlackHoleCluster' }));
        const id = `service:${host}`;
        return node(id, () => ({ id, kind: 'service', name: host, ...(namespace ? { namespace } : {}), ...(declared ? { declared: declared.hosts.has(host) } : {}) }));
    };
    const accs = new Map();
    const add = (from, to, e) => {
        const key = JSON.stringify([from, to, e.protocol]);
        let a = accs.get(key);
        if (!a) {
            a = { from, to, protocol: e.protocol, requests: 0, responses: new Map(), connectionsOpened: 0, bytes: 0, securities: new Set() };
            accs.set(key, a);
        }
        a.requests += e.requests;
        for (const [code, n] of e.responses)
            a.responses.set(code, (a.responses.get(code) ?? 0) + n);
        a.connectionsOpened += e.connectionsOpened;
        a.bytes += e.bytes;
        if (e.requests > 0 || e.connectionsOpened > 0 || e.bytes > 0)
            a.securities.add(e.security);
    };
    for (const e of bestReported(facts.edges)) {
        const from = workloadNode(e.source.namespace, e.source.workload);
        const service = serviceNode(e.destinationService, e.destinationServiceNamespace);
        add(from, service, e);
        // Egress that matched no registered host ends at its Envoy cluster: there is no workload behind it in the mesh.
        const kind = nodes.get(service).kind;
        if (kind === 'service' && e.destination.workload !== 'unknown')
            add(service, workloadNode(e.destination.namespace, e.destination.workload), e);
    }
    const window = facts.source.windowSeconds;
    const edges = [...accs.values()].map((a) => ({
        from: a.from,
        to: a.to,
        protocol: a.protocol,
        requests: a.requests,
        requestsPerSecond: window > 0 ? a.requests / window : null,
        responses: Object.fromEntries([...a.responses].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
        connectionsOpened: a.connectionsOpened,
        bytes: a.bytes,
        security: edgeSecurity(a.securities),
    }));
    edges.sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : x.protocol < y.protocol ? -1 : x.protocol > y.protocol ? 1 : 0));
    const sortedNodes = [...nodes.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return { source: facts.source, nodes: sortedNodes, edges, notes: [...facts.notes] };
}
/** A string as a DOT quoted string: control characters made visible, then backslashes and quotes escaped. */
export function dotString(s) {
    // Cut first (a label is for reading; the JSON output keeps the whole name), then escape.
    const cut = s.length > MAX_DOT_LABEL ? `${s.slice(0, MAX_DOT_LABEL)}…` : s;
    return `"${terminalSafe(cut).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
/** Longest label drawn in DOT. */
const MAX_DOT_LABEL = 200;
const NODE_STYLE = {
    workload: 'shape=box',
    service: 'shape=ellipse',
    passthrough: 'shape=octagon, color=orange',
    blackhole: 'shape=octagon, color=red',
    unknown: 'shape=diamond, color=red',
};
function formatRate(e) {
    if (e.requestsPerSecond !== null && e.requests > 0)
        return `${e.requestsPerSecond >= 10 ? e.requestsPerSecond.toFixed(0) : e.requestsPerSecond.toPrecision(2)} rps`;
    if (e.requests > 0)
        return `${Math.round(e.requests)} req`;
    if (e.connectionsOpened > 0)
        return `${Math.round(e.connectionsOpened)} conn`;
    return `${Math.round(e.bytes)} B`;
}
export function graphToDot(g) {
    const ids = new Map();
    g.nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
    const lines = ['digraph meshward {', '  rankdir=LR;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica"];'];
    for (const n of g.nodes) {
        const label = n.kind === 'workload' ? `${n.namespace}/${n.name}` : n.name;
        const undeclared = n.declared === false ? ', style=dashed' : '';
        lines.push(`  ${ids.get(n.id)} [label=${dotString(label)}, ${NODE_STYLE[n.kind]}${undeclared}];`);
    }
    for (const e of g.edges) {
        const colour = e.security === 'mutual_tls' ? 'darkgreen' : e.security === 'none' ? 'red' : e.security === 'mixed' ? 'orange' : 'gray';
        const style = e.security === 'none' || e.security === 'mixed' ? ', style=dashed' : '';
        lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${dotString(`${e.protocol} ${formatRate(e)} ${e.security}`)}, color=${colour}${style}];`);
    }
    lines.push('}', '');
    return lines.join('\n');
}
