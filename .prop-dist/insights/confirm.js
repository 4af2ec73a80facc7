import { SEVERITIES } from '../engine/finding.js';
import { fingerprint } from '../engine/fingerprint.js';
import { groupOf, pathToString } from '../model/resource.js';
import { PASSTHROUGH, UNKNOWN, num, outboundFor, routedTo, tallyText, volume, windowText, workloadNamed } from '../rules/insights/common.js';
export const CONFIRMED_RULES = ['HJK001', 'HJK003', 'HJK004', 'EGR001', 'EGR002'];
/** Marks (and ranks up) the findings of CONFIRMED_RULES whose route carries traffic; returns how many. */
export function confirmFindings(findings, model, facts, opts = {}) {
    const ctx = new Context(model, facts);
    let confirmed = 0;
    for (const f of findings) {
        if (!CONFIRMED_RULES.includes(f.ruleId))
            continue;
        const seen = ctx.trafficFor(f);
        if (!seen || seen.tally.requests + seen.tally.connections === 0)
            continue;
        const traffic = { requests: seen.tally.requests, connections: seen.tally.connections, windowSeconds: num(facts.source.windowSeconds) };
        if (!opts.fixedSeverity?.(f.ruleId) && f.severity !== 'critical') {
            traffic.rankedFrom = f.severity;
            f.severity = SEVERITIES[SEVERITIES.indexOf(f.severity) - 1];
        }
        f.seenInTraffic = traffic;
        // A new list: evidence lists are shared between findings (engine/run.ts caches them).
        f.evidence = [...f.evidence, { role: 'traffic', description: `seen in traffic: ${tallyText(seen.tally)} ${seen.what} ${windowText(facts)}` }];
        confirmed++;
    }
    return confirmed;
}
class Context {
    model;
    facts;
    byKind = new Map();
    passthrough = null;
    constructor(model, facts) {
        this.model = model;
        this.facts = facts;
    }
    trafficFor(f) {
        switch (f.ruleId) {
            case 'HJK001':
            case 'HJK003': {
                const r = this.resource(f.resource);
                const host = r ? this.claimedHost(f, r) : null;
                return host ? { tally: this.toHost(host), what: `from clients to ${quoteHost(host)}` } : null;
            }
            case 'HJK004': {
                const r = this.resource(f.resource);
                const raw = r?.obj?.spec?.host;
                if (!r || typeof raw !== 'string')
                    return null;
                const host = this.model.resolveHost(raw, r.namespace);
                return host.startsWith('*') ? null : { tally: this.toHost(host), what: `from clients to ${quoteHost(host)}` };
            }
            case 'EGR001':
                return { tally: sum(this.passthroughEdges()), what: 'through PassthroughCluster' };
            case 'EGR002': {
                const sidecar = this.resource(f.resource);
                if (!sidecar)
                    return null;
                return { tally: this.passthroughBySidecar().get(sidecar) ?? { requests: 0, connections: 0 }, what: 'through PassthroughCluster from workloads this Sidecar governs' };
            }
            default:
                return null;
        }
    }
    /** The finding's object in the model (found through a per-kind map built on first use). */
    resource(ref) {
        const group = groupOf(ref.apiVersion);
        const kindKey = `${group}/${ref.kind}`;
        let m = this.byKind.get(kindKey);
        if (!m) {
            this.byKind.set(kindKey, (m = new Map()));
            for (const r of this.model.ofKind(group, ref.kind))
                m.set(`${r.cluster}\u0000${r.namespace}\u0000${r.name}`, r);
        }
        return m.get(`${ref.cluster}\u0000${ref.namespace}\u0000${ref.name}`);
    }
    /** The host at `spec.hosts[i]` whose finding this is: the one whose fingerprint matches. */
    claimedHost(f, r) {
        const hosts = r.obj?.spec?.hosts;
        if (!Array.isArray(hosts))
            return null;
        for (let i = 0; i < hosts.length; i++) {
            if (typeof hosts[i] !== 'string')
                continue;
            const host = this.model.resolveHost(hosts[i], r.namespace);
            const fp = fingerprint({ ruleId: f.ruleId, cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, path: pathToString(['spec', 'hosts', i]), key: host });
            if (fp === f.fingerprint)
                return host.startsWith('*') ? null : host;
        }
        return null;
    }
    /** Traffic clients' proxies routed to `host` (each request once: the source's report). */
    toHost(host) {
        return sum(this.facts.toService(host).filter((e) => e.reporter === 'source'));
    }
    bySidecar = null;
    /** Passthrough traffic per Sidecar that governs its source (each edge's policy resolved once). */
    passthroughBySidecar() {
        if (this.bySidecar)
            return this.bySidecar;
        const m = new Map();
        for (const e of this.passthroughEdges()) {
            const policy = outboundFor(this.model, e.source.namespace, workloadNamed(this.model, e.source.namespace, e.source.workload) ?? null);
            if (!policy.resource || policy.resource.kind !== 'Sidecar')
                continue;
            const t = m.get(policy.resource) ?? { requests: 0, connections: 0 };
            m.set(policy.resource, sum([e], t));
        }
        return (this.bySidecar = m);
    }
    passthroughEdges() {
        this.passthrough ??= this.facts.edges.filter((e) => e.reporter === 'source' && e.source.workload !== UNKNOWN && routedTo(e, PASSTHROUGH));
        return this.passthrough;
    }
}
function sum(edges, t = { requests: 0, connections: 0 }) {
    for (const e of edges) {
        if (volume(e) === 0)
            continue;
        t.requests += num(e.requests);
        t.connections += num(e.connectionsOpened);
    }
    return t;
}
function quoteHost(h) {
    return JSON.stringify(h.length > 200 ? `${h.slice(0, 200)}…` : h);
}
