/**
 * Confirmation: a configuration finding whose route the metrics show carrying traffic is marked
 * "seen in traffic" and ranked up one severity step. It runs once after the rules (runRules), only
 * when the run has traffic facts, and touches only the findings of the rules below:
 *
 * - HJK001 (a mesh-bound VirtualService claims another tenant's host) and HJK003 (a ServiceEntry
 *   shadows one): clients' proxies (`reporter="source"`) sent traffic to the claimed host;
 * - HJK004 (a DestinationRule for another tenant's host): clients sent traffic to that host;
 * - EGR001 (mesh-wide ALLOW_ANY): some proxy sent traffic through PassthroughCluster;
 * - EGR002 (a Sidecar sets ALLOW_ANY): a workload that Sidecar governs sent traffic through PassthroughCluster.
 *
 * The fingerprint does not change (it never holds the severity), so baselines and suppressions keep
 * matching; a rule whose severity the config file overrides keeps that severity (only the mark is added).
 * Which host a HJK001/HJK003 finding is about is recovered exactly: the rule keys each host's finding
 * by the resolved host at `spec.hosts[i]`, so the host whose fingerprint is the finding's is the one.
 * Wildcard hosts are not matched against traffic (the metrics name concrete hosts; a suffix search per
 * finding is left out), so their findings are never marked.
 */
import type { Finding, Severity } from '../engine/finding.js';
import { SEVERITIES } from '../engine/finding.js';
import { fingerprint } from '../engine/fingerprint.js';
import type { MeshModel } from '../model/model.js';
import { groupOf, pathToString, type Resource, type ResourceRef } from '../model/resource.js';
import type { TrafficEdge, TrafficFacts } from './types.js';
import { PASSTHROUGH, UNKNOWN, num, outboundFor, routedTo, tallyText, volume, windowText, workloadNamed, type Tally } from '../rules/insights/common.js';

/** What a confirmed finding carries: the traffic on its route over the window. */
export interface TrafficSeen {
  requests: number;
  connections: number;
  /** The window the figures cover in seconds; 0 for a single scrape (counters since the proxies started). */
  windowSeconds: number;
  /** The rule's severity before the finding was ranked up; absent when it was not (already critical, or set by the config). */
  rankedFrom?: Severity;
}

export const CONFIRMED_RULES = ['HJK001', 'HJK003', 'HJK004', 'EGR001', 'EGR002'] as const;

export interface ConfirmOptions {
  /** Rules whose severity the config file sets: their findings are marked but not ranked up. */
  fixedSeverity?: (ruleId: string) => boolean;
}

/** Marks (and ranks up) the findings of CONFIRMED_RULES whose route carries traffic; returns how many. */
export function confirmFindings(findings: Finding[], model: MeshModel, facts: TrafficFacts, opts: ConfirmOptions = {}): number {
  const ctx = new Context(model, facts);
  let confirmed = 0;
  for (const f of findings) {
    if (!(CONFIRMED_RULES as readonly string[]).includes(f.ruleId)) continue;
    const seen = ctx.trafficFor(f);
    if (!seen || seen.tally.requests + seen.tally.connections === 0) continue;
    const traffic: TrafficSeen = { requests: seen.tally.requests, connections: seen.tally.connections, windowSeconds: num(facts.source.windowSeconds) };
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
  private readonly byKind = new Map<string, Map<string, Resource>>();
  private passthrough: TrafficEdge[] | null = null;

  constructor(
    private readonly model: MeshModel,
    private readonly facts: TrafficFacts,
  ) {}

  trafficFor(f: Finding): { tally: Tally; what: string } | null {
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
        if (!r || typeof raw !== 'string') return null;
        const host = this.model.resolveHost(raw, r.namespace);
        return host.startsWith('*') ? null : { tally: this.toHost(host), what: `from clients to ${quoteHost(host)}` };
      }
      case 'EGR001':
        return { tally: sum(this.passthroughEdges()), what: 'through PassthroughCluster' };
      case 'EGR002': {
        const sidecar = this.resource(f.resource);
        if (!sidecar) return null;
        return { tally: this.passthroughBySidecar().get(sidecar) ?? { requests: 0, connections: 0 }, what: 'through PassthroughCluster from workloads this Sidecar governs' };
      }
      default:
        return null;
    }
  }

  /** The finding's object in the model (found through a per-kind map built on first use). */
  private resource(ref: ResourceRef): Resource | undefined {
    const group = groupOf(ref.apiVersion);
    const kindKey = `${group}/${ref.kind}`;
    let m = this.byKind.get(kindKey);
    if (!m) {
      this.byKind.set(kindKey, (m = new Map()));
      for (const r of this.model.ofKind(group, ref.kind)) m.set(`${r.cluster}\u0000${r.namespace}\u0000${r.name}`, r);
    }
    return m.get(`${ref.cluster}\u0000${ref.namespace}\u0000${ref.name}`);
  }

  /** The host at `spec.hosts[i]` whose finding this is: the one whose fingerprint matches. */
  private claimedHost(f: Finding, r: Resource): string | null {
    const hosts = r.obj?.spec?.hosts;
    if (!Array.isArray(hosts)) return null;
    for (let i = 0; i < hosts.length; i++) {
      if (typeof hosts[i] !== 'string') continue;
      const host = this.model.resolveHost(hosts[i], r.namespace);
      const fp = fingerprint({ ruleId: f.ruleId, cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, path: pathToString(['spec', 'hosts', i]), key: host });
      if (fp === f.fingerprint) return host.startsWith('*') ? null : host;
    }
    return null;
  }

  /** Traffic clients' proxies routed to `host` (each request once: the source's report). */
  private toHost(host: string): Tally {
    return sum(this.facts.toService(host).filter((e) => e.reporter === 'source'));
  }

  private bySidecar: Map<Resource, Tally> | null = null;

  /** Passthrough traffic per Sidecar that governs its source (each edge's policy resolved once). */
  private passthroughBySidecar(): Map<Resource, Tally> {
    if (this.bySidecar) return this.bySidecar;
    const m = new Map<Resource, Tally>();
    for (const e of this.passthroughEdges()) {
      const policy = outboundFor(this.model, e.source.namespace, workloadNamed(this.model, e.source.namespace, e.source.workload) ?? null);
      if (!policy.resource || policy.resource.kind !== 'Sidecar') continue;
      const t = m.get(policy.resource) ?? { requests: 0, connections: 0 };
      m.set(policy.resource, sum([e], t));
    }
    return (this.bySidecar = m);
  }

  private passthroughEdges(): TrafficEdge[] {
    this.passthrough ??= this.facts.edges.filter((e) => e.reporter === 'source' && e.source.workload !== UNKNOWN && routedTo(e, PASSTHROUGH));
    return this.passthrough;
  }
}

function sum(edges: readonly TrafficEdge[], t: Tally = { requests: 0, connections: 0 }): Tally {
  for (const e of edges) {
    if (volume(e) === 0) continue;
    t.requests += num(e.requests);
    t.connections += num(e.connectionsOpened);
  }
  return t;
}

function quoteHost(h: string): string {
  return JSON.stringify(h.length > 200 ? `${h.slice(0, 200)}…` : h);
}
