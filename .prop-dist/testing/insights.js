/**
 * Test helpers for the INS rules: traffic edges written briefly, and a scan of inline YAML with those
 * edges as its telemetry. Edges are built the way a source builds them (src/insights/types.ts), so a
 * rule is tested on what it reads in production.
 */
import { buildTrafficFacts } from '../insights/facts.js';
import { parseExposition } from '../insights/sources/exposition.js';
import { findingsFor } from './kit.js';
/** `ns/workload` or `ns/workload@principal`; `unknown` alone for a source without a sidecar. */
export function peer(spec, trustDomain = 'cluster.local') {
    if (spec === 'unknown')
        return { workload: 'unknown', namespace: 'unknown', principal: 'unknown' };
    const [who, principal] = spec.split('@');
    const slash = who.indexOf('/');
    const namespace = slash < 0 ? 'unknown' : who.slice(0, slash);
    const workload = slash < 0 ? who : who.slice(slash + 1);
    return { workload, namespace, principal: principal ?? (workload === 'unknown' ? 'unknown' : `spiffe://${trustDomain}/ns/${namespace}/sa/${workload}`) };
}
export function edge(s) {
    const source = peer(s.from);
    const destination = peer(s.to);
    const requests = s.requests ?? (s.connections ? 0 : 10);
    const responses = new Map(Object.entries(s.codes ?? (requests ? { '200': requests } : {})));
    return {
        source,
        destination,
        destinationService: s.service ?? (destination.workload === 'unknown' ? 'unknown' : `${destination.workload}.${destination.namespace}.svc.cluster.local`),
        destinationServiceName: s.serviceName,
        destinationPort: s.port,
        reporter: s.reporter ?? 'destination',
        protocol: s.protocol ?? (s.connections ? 'tcp' : 'http'),
        security: s.security ?? 'mutual_tls',
        requests,
        responses,
        connectionsOpened: s.connections ?? 0,
        bytes: 0,
    };
}
export function facts(edges, windowSeconds = 3600) {
    return buildTrafficFacts({ kind: 'file', name: 'test.prom', windowSeconds, end: '2026-12-03T21:00:00Z' }, edges.map((e) => ('source' in e ? e : edge(e))));
}
/** Findings of one INS rule for inline YAML and the given traffic. */
export function insightsFor(rule, yaml, traffic, opts = {}) {
    const { windowSeconds, ...rest } = opts;
    return findingsFor(rule, yaml, { ...rest, telemetry: facts(traffic, windowSeconds) });
}
/** A Deployment with a sidecar-injected namespace, for fixtures. */
export function deployment(namespace, name, extra = '') {
    return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: example/${name}:1
        ports: [{containerPort: 8080}]${extra}
---
`;
}
export function namespace(name) {
    return `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: {istio-injection: enabled}}
---
`;
}
export function peerAuthentication(namespace, name, mode, selector) {
    return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${selector ? `  selector: {matchLabels: {app: ${selector}}}\n` : ''}  mtls: {mode: ${mode}}
---
`;
}
export function meshConfig(mesh) {
    return `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
${mesh
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}
---
`;
}
/**
 * The traffic an INS rule's documented example shows: its leading `#` comment lines hold samples in
 * the Prometheus text format (a sample may continue on `#   ` lines), read with the real parser as a
 * single scrape.
 */
export function docExampleTraffic(bad) {
    const samples = [];
    for (const line of bad.split('\n')) {
        if (!line.startsWith('#'))
            continue;
        const text = line.replace(/^#\s?/, '');
        if (/^\s/.test(text) && samples.length)
            samples[samples.length - 1] += text.trim();
        else
            samples.push(text);
    }
    const { edges, notes } = parseExposition(samples.join('\n') + '\n', { name: 'docs example' });
    return buildTrafficFacts({ kind: 'file', name: 'docs example', windowSeconds: 0, end: '2026-12-03T21:00:00Z' }, edges, notes);
}
