import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanYaml, REPO_ROOT } from '../testing/kit.js';
import { scanPaths } from '../engine/scan.js';
import { buildTrafficFacts } from '../insights/facts.js';
import type { TrafficEdge } from '../insights/types.js';
import { buildConfigGraph, nodeId } from './config-graph.js';

const shop = (mode: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: web, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: ${mode} } }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: public, namespace: edge }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['*/shop.example.com'] }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: shop }
spec:
  hosts: [shop.example.com]
  gateways: [edge/public]
  http: [{ route: [{ destination: { host: web } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: steal, namespace: other }
spec:
  hosts: [web.shop.svc.cluster.local]
  http: [{ route: [{ destination: { host: thief.other.svc.cluster.local } }] }]
`;

const SVC = nodeId('Service', 'shop', 'web');
const DEP = nodeId('Deployment', 'shop', 'web');
const VS = nodeId('VirtualService', 'shop', 'web');
const GW = nodeId('Gateway', 'edge', 'public');
const STEAL = nodeId('VirtualService', 'other', 'steal');

describe('config graph', () => {
  it('a PERMISSIVE destination makes its edges permissive; STRICT makes them strict', async () => {
    for (const [mode, state] of [
      ['PERMISSIVE', 'permissive'],
      ['STRICT', 'strict'],
      ['DISABLE', 'disabled'],
    ] as const) {
      const g = buildConfigGraph((await scanYaml(shop(mode))).model);
      const selects = g.edges.find((e) => e.from === SVC && e.to === DEP);
      assert.equal(selects?.kind, 'selects');
      assert.equal(selects?.mtls, state, mode);
      assert.match(selects?.note ?? '', new RegExp(`port 8080 ${mode} from namespace shop/default`));
      assert.equal(g.edges.find((e) => e.from === VS && e.to === SVC)?.mtls, state, 'route → service carries the service mode');
    }
  });

  it('a workload outside the mesh gives plaintext (none) edges', async () => {
    const g = buildConfigGraph((await scanYaml(shop('STRICT').replace('labels: { istio-injection: enabled }', 'labels: {}'))).model);
    assert.equal(g.edges.find((e) => e.from === SVC && e.to === DEP)?.mtls, 'none');
  });

  it('links gateways to routes and routes to services', async () => {
    const g = buildConfigGraph((await scanYaml(shop('STRICT'))).model);
    assert.ok(g.edges.some((e) => e.from === GW && e.to === VS && e.kind === 'binds'));
    assert.ok(g.edges.some((e) => e.from === VS && e.to === SVC && e.kind === 'routes'));
    assert.deepEqual(g.nodes.find((n) => n.id === SVC)?.hosts, ['web.shop.svc.cluster.local']);
  });

  it('marks the host an open hijack finding takes, and the taker; other findings mark nothing', async () => {
    const model = (await scanYaml(shop('STRICT'))).model;
    const hijack = buildConfigGraph(model, { findings: [{ ruleId: 'HJK001', resource: { kind: 'VirtualService', namespace: 'other', name: 'steal' } }] });
    assert.equal(hijack.nodes.find((n) => n.id === SVC)?.hijacked, true);
    assert.equal(hijack.nodes.find((n) => n.id === STEAL)?.hijacks, true);
    assert.deepEqual(hijack.nodes.find((n) => n.id === STEAL)?.findings, ['HJK001']);
    const other = buildConfigGraph(model, { findings: [{ ruleId: 'MTL001', resource: { kind: 'VirtualService', namespace: 'other', name: 'steal' } }] });
    assert.equal(other.nodes.find((n) => n.id === SVC)?.hijacked, false);
    assert.equal(other.nodes.find((n) => n.id === STEAL)?.hijacks, false);
    assert.equal(buildConfigGraph(model).nodes.some((n) => n.hijacked || n.hijacks), false);
  });

  it("a cluster's Deployment is one node: its ReplicaSets and Pods are not nodes, the Service's edge goes to it", async () => {
    const r = await scanPaths([path.join(REPO_ROOT, 'test/fixtures/realworld/cluster-dump')]);
    const g = buildConfigGraph(r.model);
    const workloads = g.nodes.filter((n) => n.kind === 'workload').map((n) => n.id).sort();
    assert.deepEqual(workloads, [nodeId('CronJob', 'shop', 'report'), nodeId('Deployment', 'shop', 'orders')].sort());
    const selects = g.edges.filter((e) => e.from === nodeId('Service', 'shop', 'orders-public'));
    assert.deepEqual(selects.map((e) => `${e.kind} ${e.to}`), [`selects ${nodeId('Deployment', 'shop', 'orders')}`]);
  });

  it('marks hijacked hosts from the real HJK findings of the insecure example', async () => {
    const r = await scanPaths([path.join(REPO_ROOT, 'examples/insecure')]);
    const hjk = r.findings.filter((f) => f.ruleId.startsWith('HJK'));
    assert.ok(hjk.length > 0);
    const g = buildConfigGraph(r.model, { findings: r.findings });
    assert.ok(g.nodes.some((n) => n.hijacks));
    assert.ok(g.nodes.some((n) => n.hijacked));
  });

  it('adds traffic edges with rates, and plaintext seen', async () => {
    const model = (await scanYaml(shop('PERMISSIVE'))).model;
    const edge = (security: TrafficEdge['security'], requests: number): TrafficEdge => ({
      source: { workload: 'curl', namespace: 'shop', principal: 'unknown' },
      destination: { workload: 'web', namespace: 'shop', principal: 'spiffe://cluster.local/ns/shop/sa/default' },
      destinationService: 'web.shop.svc.cluster.local',
      reporter: 'destination',
      protocol: 'http',
      security,
      requests,
      responses: new Map(),
      connectionsOpened: 0,
      bytes: 0,
    });
    const facts = buildTrafficFacts({ kind: 'file', name: 'm.prom', windowSeconds: 60, end: '2026-01-01T00:00:00Z' }, [edge('mutual_tls', 60), edge('none', 60)]);
    const g = buildConfigGraph(model, { telemetry: facts });
    const t = g.edges.find((e) => e.kind === 'traffic' && e.to === DEP);
    assert.equal(t?.traffic?.requests, 120);
    assert.equal(t?.traffic?.requestRate, 2);
    assert.equal(t?.traffic?.plaintextSeen, true);
    assert.equal(t?.mtls, 'none');
    assert.equal(g.nodes.find((n) => n.id === t?.from)?.kind, 'unknown');
    const tls = buildConfigGraph(model, { telemetry: buildTrafficFacts(facts.source, [edge('mutual_tls', 6)]) });
    assert.equal(tls.edges.find((e) => e.kind === 'traffic')?.traffic?.plaintextSeen, false);
  });

  it('filters by namespace with direct neighbours, caps the size, and survives hostile input', async () => {
    const model = (await scanYaml(shop('STRICT'))).model;
    const g = buildConfigGraph(model, { namespace: 'edge' });
    assert.deepEqual(g.nodes.map((n) => n.id).sort(), [GW, VS].sort());
    const capped = buildConfigGraph(model, { maxNodes: 2 });
    assert.equal(capped.nodes.length, 2);
    assert.equal(capped.truncated, true);
    assert.ok(capped.edges.every((e) => capped.nodes.some((n) => n.id === e.from) && capped.nodes.some((n) => n.id === e.to)));
    const hostile = await scanYaml(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: __proto__, namespace: constructor }
spec: { hosts: 7, gateways: [{ a: 1 }, "x/y/z"], http: [{ route: [{ destination: { host: { toString: 1 } } }, 5] }, null] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: constructor }
spec: { parentRefs: [null, { name: 3 }], rules: [{ backendRefs: [{ name: __proto__ }] }] }
`);
    const hg = buildConfigGraph(hostile.model);
    assert.ok(hg.nodes.some((n) => n.name === '__proto__'));
  });
});
