/**
 * Reviews for holding the fast admission decision to the reference (decide-equivalence.test.ts and
 * bench/decide.js): every rule's docs examples and the bundled examples turned into CREATE, UPDATE and
 * DELETE reviews against the rest of their objects. Test support, not used by the server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import fc from 'fast-check';
import { liveResource } from '../cluster/live-resource.js';
import { isClusterScoped, type Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import type { AdmissionRequest, DecisionState } from '../webhook/types.js';

export type Obj = Record<string, any>;

export interface ReviewCase {
  name: string;
  req: AdmissionRequest;
  state: DecisionState;
}

export const CORPUS_CLUSTER = 'review';

export function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Obj => !!o && typeof o === 'object' && !Array.isArray(o) && typeof (o as Obj).kind === 'string' && typeof (o as Obj).apiVersion === 'string' && typeof (o as Obj).metadata?.name === 'string');
}

export function toResource(o: Obj, cluster = CORPUS_CLUSTER): Resource {
  return liveResource(structuredClone(o), { apiVersion: String(o.apiVersion), kind: String(o.kind), namespaced: !isClusterScoped(String(o.kind)) }, cluster);
}

/** A cache state over these objects; each call makes a new `resources` function (a new cache). */
export function stateOf(objects: readonly Obj[], version = 1): DecisionState {
  const resources = objects.map((o) => toResource(o));
  return { version, synced: true, resources: () => resources };
}

export function reviewOf(operation: AdmissionRequest['operation'], object: Obj | null, oldObject: Obj | null = null): AdmissionRequest {
  const o = (object ?? oldObject)!;
  const apiVersion = String(o.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(o.kind);
  return {
    uid: 'uid-1',
    kind: { group, version, kind },
    resource: { group, version, resource: `${kind.toLowerCase()}s` },
    namespace: isClusterScoped(kind) ? '' : typeof o.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default',
    name: String(o.metadata?.name),
    operation,
    object: object ? structuredClone(object) : null,
    oldObject: oldObject ? structuredClone(oldObject) : null,
    dryRun: false,
    userInfo: { username: 'dev', groups: [] },
  };
}

export function identity(o: Obj): string {
  const ns = isClusterScoped(String(o.kind)) ? '' : (o.metadata?.namespace ?? 'default');
  return `${o.apiVersion}|${o.kind}|${ns}|${o.metadata?.name}`;
}

/**
 * Each object as a CREATE against the others, a DELETE from all, and an UPDATE from its twin in
 * `before` (same identity) when there is one; an UPDATE that only adds a label; and an UPDATE that
 * changes nothing (a re-apply).
 */
export function casesOf(label: string, objects: readonly Obj[], before: readonly Obj[] = []): ReviewCase[] {
  const out: ReviewCase[] = [];
  objects.forEach((o, i) => {
    const id = `${label} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const others = objects.filter((_, j) => j !== i);
    out.push({ name: `${id} CREATE`, req: reviewOf('CREATE', o), state: stateOf(others) });
    out.push({ name: `${id} DELETE`, req: reviewOf('DELETE', null, o), state: stateOf(objects) });
    const twin = before.find((b) => identity(b) === identity(o));
    if (twin && JSON.stringify(twin) !== JSON.stringify(o)) {
      out.push({ name: `${id} UPDATE from the fixed version`, req: reviewOf('UPDATE', o, twin), state: stateOf([...others, twin]) });
    }
    const relabelled = structuredClone(o);
    relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), 'meshward.io/touched': 'yes' };
    out.push({ name: `${id} UPDATE (label only)`, req: reviewOf('UPDATE', relabelled, o), state: stateOf(objects) });
    out.push({ name: `${id} UPDATE (unchanged: a re-apply)`, req: reviewOf('UPDATE', structuredClone(o), o), state: stateOf(objects) });
  });
  return out;
}

/** Reviews from every rule's docs examples (bad, good, and bad as an update of good). */
export function docsCases(rules: readonly Rule[]): ReviewCase[] {
  const out: ReviewCase[] = [];
  for (const rule of rules) {
    const bad = rule.meta.docs.bad ? parseObjects(rule.meta.docs.bad) : [];
    const good = rule.meta.docs.good ? parseObjects(rule.meta.docs.good) : [];
    if (bad.length) out.push(...casesOf(`${rule.meta.id} bad`, bad, good));
    if (good.length) out.push(...casesOf(`${rule.meta.id} good`, good));
  }
  return out;
}

/** The objects of a bundled example folder (examples/insecure, examples/secure). */
export function exampleObjects(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => parseObjects(readFileSync(path.join(dir, f), 'utf8')));
}

// ---------------------------------------------------------------------------------------------
// Random small clusters: namespaces, Services, workloads, VirtualServices, ServiceEntries, Sidecars,
// AuthorizationPolicies, PeerAuthentications and DestinationRules whose hosts and selectors overlap.

export const NAMESPACES = ['shop', 'payments', 'team-a', 'istio-system'];
const APPS = ['web', 'api', 'pay'];
const hostArb = fc.oneof(
  fc.constantFrom(...APPS),
  fc.tuple(fc.constantFrom(...APPS), fc.constantFrom(...NAMESPACES)).map(([a, n]) => `${a}.${n}.svc.cluster.local`),
  fc.tuple(fc.constantFrom(...APPS), fc.constantFrom(...NAMESPACES)).map(([a, n]) => `${a}.${n}`),
  fc.constantFrom('api.example.com', '*.example.com', '*', '*.payments.svc.cluster.local', 'db.internal'),
);
const nsArb = fc.constantFrom(...NAMESPACES);
const nameArb = fc.constantFrom('a', 'b', 'default', ...APPS);
const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom(...APPS, 'x'), { maxKeys: 2 });

export const objectArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ name: nsArb, mode: fc.constantFrom('enabled', 'disabled', 'none', 'ambient') }).map(({ name, mode }) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: mode === 'none' ? {} : mode === 'ambient' ? { 'istio.io/dataplane-mode': 'ambient' } : { 'istio-injection': mode } },
  })),
  fc.record({ ns: nsArb, name: fc.constantFrom(...APPS), type: fc.constantFrom('ClusterIP', 'LoadBalancer'), waypoint: fc.constantFrom(undefined, undefined, 'wp', 'none') }).map(({ ns, name, type, waypoint }) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(waypoint ? { labels: { 'istio.io/use-waypoint': waypoint } } : {}) },
    spec: { type, selector: { app: name }, ports: [{ name: 'http', port: 80 }] },
  })),
  fc
    .record({
      ns: nsArb,
      name: nameArb,
      labels: labelsArb,
      inject: fc.constantFrom(undefined, 'false', 'true'),
      uid: fc.constantFrom(undefined, 1337),
      // Waypoints: a workload using one (ambient), or the waypoint's own pods; Istio ingress pods.
      extra: fc.constantFrom({}, {}, { 'istio.io/use-waypoint': 'wp' }, { 'istio.io/use-waypoint': 'wp', 'istio.io/use-waypoint-namespace': 'payments' }, { 'gateway.networking.k8s.io/gateway-name': 'wp' }, { istio: 'ingressgateway' }),
      ports: fc.constantFrom(undefined, [8080], [8080, 9090]),
    })
    .map(({ ns, name, labels, inject, uid, extra, ports }) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...labels, ...extra, ...(inject === undefined ? {} : { 'sidecar.istio.io/inject': inject }) } },
          spec: { containers: [{ name: 'app', image: 'app:1', securityContext: uid === undefined ? undefined : { runAsUser: uid }, ...(ports ? { ports: ports.map((p) => ({ containerPort: p })) } : {}) }] },
        },
      },
    })),
  fc.record({ ns: nsArb, name: fc.constantFrom('wp', 'gw'), waypoint: fc.boolean() }).map(({ ns, name, waypoint }) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns, ...(waypoint ? { labels: { 'istio.io/waypoint-for': 'service' } } : {}) },
    spec: { gatewayClassName: waypoint ? 'istio-waypoint' : 'istio', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, selector: fc.option(labelsArb, { nil: undefined }), target: fc.constantFrom(undefined, { kind: 'Service', group: '', name: 'web' }, { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp' }) }).map(({ ns, name, selector, target }) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name, namespace: ns },
    spec: { ...(target ? { targetRefs: [target] } : selector ? { selector: { matchLabels: selector } } : {}), jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks' }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }), exportTo: fc.constantFrom(undefined, ['.'], ['*']), gateways: fc.constantFrom(undefined, ['mesh'], ['istio-system/ingress'], ['gw'], ['shop/ingress', 'mesh']), dest: hostArb }).map(
    ({ ns, name, hosts, exportTo, gateways, dest }) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: ns },
      spec: { hosts, ...(exportTo ? { exportTo } : {}), ...(gateways ? { gateways } : {}), http: [{ route: [{ destination: { host: dest } }] }] },
    }),
  ),
  fc.record({ ns: nsArb, name: nameArb, hosts: fc.array(hostArb, { minLength: 1, maxLength: 2 }), resolution: fc.constantFrom('DNS', 'NONE', 'STATIC') }).map(({ ns, name, hosts, resolution }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace: ns },
    spec: { hosts, location: 'MESH_EXTERNAL', resolution, ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, egress: fc.constantFrom(['./*'], ['*/*'], ['./*', 'istio-system/*']), selector: fc.option(labelsArb, { nil: undefined }), allowAny: fc.boolean() }).map(({ ns, name, egress, selector, allowAny }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name, namespace: ns },
    spec: { ...(selector ? { workloadSelector: { labels: selector } } : {}), egress: [{ hosts: egress }], ...(allowAny ? { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } : {}) },
  })),
  fc
    .record({
      ns: nsArb,
      name: nameArb,
      selector: fc.option(labelsArb, { nil: undefined }),
      target: fc.constantFrom(undefined, undefined, undefined, { kind: 'Service', group: '', name: 'web' }, { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp' }, { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', name: 'istio-waypoint' }),
      action: fc.constantFrom('ALLOW', 'DENY', 'CUSTOM', 'AUDIT'),
      dryRun: fc.constantFrom(false, false, false, true),
      rules: fc.constantFrom(undefined, [{}], [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }], [{ to: [{ operation: { notPaths: ['/admin'] } }] }], [{ from: [{ source: { namespaces: ['shop', 'nowhere'] } }] }], [{ from: [{ source: { requestPrincipals: ['*'] } }] }]),
    })
    .map(({ ns, name, selector, target, action, dryRun, rules }) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: ns, ...(dryRun ? { annotations: { 'istio.io/dry-run': 'true' } } : {}) },
      spec: { ...(target ? { targetRefs: [target] } : selector ? { selector: { matchLabels: selector } } : {}), action, ...(action === 'CUSTOM' ? { provider: { name: 'ext-authz' } } : {}), ...(rules ? { rules } : {}) },
    })),
  fc
    .record({
      ns: nsArb,
      name: nameArb,
      mode: fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET'),
      selector: fc.option(labelsArb, { nil: undefined }),
      portLevel: fc.constantFrom(undefined, { 8080: { mode: 'PERMISSIVE' } }, { 9090: { mode: 'STRICT' }, 8080: { mode: 'DISABLE' } }),
    })
    .map(({ ns, name, mode, selector, portLevel }) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: ns },
      spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), mtls: { mode }, ...(portLevel && selector && Object.keys(selector).length ? { portLevelMtls: portLevel } : {}) },
    })),
  fc.record({ ns: nsArb, name: fc.constantFrom('ingress', 'gw'), hosts: fc.array(fc.oneof(hostArb, fc.constantFrom('*/api.example.com', 'shop/*', './web.shop.svc.cluster.local')), { minLength: 1, maxLength: 2 }), cert: fc.constantFrom(undefined, 'wild-cert', 'shop-cert'), selector: fc.constantFrom({ istio: 'ingressgateway' }, { app: 'web' }) }).map(({ ns, name, hosts, cert, selector }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { selector, servers: [{ port: { number: cert ? 443 : 80, name: cert ? 'https' : 'http', protocol: cert ? 'HTTPS' : 'HTTP' }, hosts, ...(cert ? { tls: { mode: 'SIMPLE', credentialName: cert } } : {}) }] },
  })),
  fc.record({ ns: nsArb, name: nameArb, host: hostArb, tls: fc.constantFrom('ISTIO_MUTUAL', 'DISABLE', 'SIMPLE') }).map(({ ns, name, host, tls }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace: ns },
    spec: { host, trafficPolicy: { tls: { mode: tls } } },
  })),
);


/** A fixed sample of random clusters turned into reviews (for the focus discovery). */
export function randomCases(count: number, seed: number): ReviewCase[] {
  const out: ReviewCase[] = [];
  const samples = fc.sample(fc.array(objectArb, { minLength: 2, maxLength: 14 }), { numRuns: count, seed });
  samples.forEach((objs, k) => {
    const unique = new Map<string, Obj>();
    for (const o of [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } }, ...objs]) unique.set(identity(o), o);
    out.push(...casesOf(`random#${k}`, [...unique.values()]));
  });
  return out;
}

// Fixtures the webhook's tests share: two tenants in the mesh, payments' Service, and shop claiming its host.

/** The tenant namespaces payments and shop, both injected. */
export const TENANT_NAMESPACES_YAML = `apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
`;

/** payments' Service: the victim whose host a hijack claims. */
export const PAY_SERVICE_YAML = `apiVersion: v1
kind: Service
metadata: {name: pay, namespace: payments}
spec: {ports: [{port: 80, name: http}], selector: {app: pay}}
`;

/** A VirtualService in `ns` claiming `host` (payments' Service by default) and routing it to its own namespace. */
export function hijackYaml(ns = 'shop', name = 'steal', host = 'pay.payments.svc.cluster.local', to = `evil.${ns}.svc.cluster.local`): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${host}]
  http: [{route: [{destination: {host: ${to}}}]}]
`;
}
