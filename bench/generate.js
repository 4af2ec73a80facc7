#!/usr/bin/env node
// Deterministic generator of synthetic multi-tenant Istio meshes for benchmarks.
//
//   node bench/generate.js --resources 100000 --out bench/out/mesh-100k [--files N | --single]
//                          [--ns-per-file 100 | --small-files 8] [--format yaml|json] [--seed S] [--quiet]
//
// The corpus is a stream of namespaces. istio-system (mesh ConfigMap, istiod, ingress gateway,
// mesh-wide PeerAuthentication) comes first; then tenant namespaces, each holding its Namespace
// object, namespace policies, and a handful of apps (workload, ServiceAccount, Service, ConfigMap,
// VirtualService, DestinationRule, AuthorizationPolicy). With --small-files K: a folder per namespace
// and K objects per file instead (the many-small-files shape of a GitOps repository). The stream stops at exactly --resources
// objects. Every namespace is generated from its own PRNG stream (seed, index), so a smaller corpus
// is a prefix of a larger one with the same seed, and the file split never changes the content.
//
// About 0.5% of objects are weakened on purpose (UID 1337, NET_ADMIN, capture-exclusion
// annotations, ALLOW_ANY Sidecars, 0.0.0.0/0 egress, wildcard ServiceEntries...) so that a scan has
// findings to locate and report. A summary (counts by kind, sizes, weak objects) is written next to
// the corpus as `<out>.meta.json`, outside the scanned folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toYaml } from './lib/yaml-emit.js';

export const GENERATOR_VERSION = 2;
export const DEFAULT_SEED = 20240611;
const WEAK_RATE = 0.016; // per object of a weakenable kind; about 0.5% of all objects overall
/** Marks a weakened object (a symbol key: neither the YAML writer nor JSON.stringify emits it). */
const WEAK = Symbol('weakness');

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32, seeded through a splitmix32 mix of (seed, stream). Fast, and stable across Node versions.

function splitmix32(a) {
  a = (a + 0x9e3779b9) | 0;
  let t = a ^ (a >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

export class Rng {
  constructor(seed, stream = 0) {
    let s = splitmix32(seed ^ Math.imul(stream + 1, 0x85ebca6b));
    this.a = s;
    this.b = s = splitmix32(s);
    this.c = s = splitmix32(s);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32() {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }
  float() {
    return this.u32() / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p) {
    return this.float() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.float() * arr.length)];
  }
  /** Picks from [[value, weight], ...]. */
  weighted(pairs) {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let x = this.float() * total;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const TEAMS = [
  'payments', 'checkout', 'identity', 'search', 'catalog', 'inventory', 'shipping', 'billing', 'ledger', 'fraud',
  'risk', 'pricing', 'recommend', 'ads', 'media', 'messaging', 'notify', 'profile', 'accounts', 'loyalty',
  'orders', 'returns', 'support', 'analytics', 'reporting', 'etl', 'ml-serving', 'feature-store', 'geo', 'maps',
  'booking', 'calendar', 'chat', 'docs', 'storage', 'uploads', 'auth', 'sso', 'audit', 'compliance',
  'kyc', 'lending', 'treasury', 'fx', 'marketplace', 'sellers', 'partners', 'affiliates', 'cms', 'web',
  'mobile-bff', 'graphql', 'edge', 'telemetry', 'observability', 'platform-tools', 'ci-runners', 'data-lake', 'streaming', 'iot',
];
const ENVS = [['prod', 5], ['staging', 3], ['dev', 2], ['perf', 1], ['sandbox', 1]];
const NOUNS = [
  'order', 'cart', 'user', 'session', 'token', 'invoice', 'payment', 'refund', 'product', 'price', 'stock', 'quote',
  'shipment', 'label', 'address', 'rating', 'review', 'event', 'metric', 'report', 'export', 'import', 'job',
  'schedule', 'notification', 'email', 'sms', 'push', 'image', 'thumbnail', 'video', 'search', 'index', 'ranking',
  'feature', 'model', 'score', 'policy', 'consent', 'ledger', 'balance', 'transfer', 'account', 'profile', 'tenant',
];
const ROLES = [['api', 6], ['worker', 4], ['service', 4], ['consumer', 2], ['gateway', 1], ['frontend', 2], ['cron', 1], ['sync', 1], ['admin', 1]];
const STATEFUL = [['postgres', 3], ['redis', 4], ['kafka', 1], ['zookeeper', 1], ['elasticsearch', 1], ['rabbitmq', 1], ['memcached', 1], ['mongodb', 1]];
const REGISTRIES = ['registry.example.com', 'ghcr.io/example-corp', 'europe-docker.pkg.dev/example-prod/apps', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'];
const EXTERNAL_APIS = [
  'api.stripe.com', 'api.twilio.com', 'hooks.slack.com', 'api.sendgrid.com', 'oauth2.googleapis.com', 'sts.amazonaws.com',
  's3.eu-west-1.amazonaws.com', 'api.github.com', 'login.microsoftonline.com', 'api.datadoghq.eu', 'sentry.io', 'api.pagerduty.com',
  'storage.googleapis.com', 'api.segment.io', 'api.mailgun.net', 'api.openexchangerates.org',
];
const ISTIO_VERSION = '1.22.3';
const REVISION = '1-22-3';
const PROXY_IMAGE = `docker.io/istio/proxyv2:${ISTIO_VERSION}`;

// ---------------------------------------------------------------------------------------------
// Builders. Each returns a plain object shaped like what a real repository holds.

function meta(name, namespace, labels, annotations) {
  const m = { name };
  if (namespace) m.namespace = namespace;
  if (labels && Object.keys(labels).length) m.labels = labels;
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return m;
}

function istioSystem() {
  const ns = 'istio-system';
  const meshConfig = [
    'accessLogFile: /dev/stdout',
    'accessLogEncoding: JSON',
    'enableAutoMtls: true',
    'enablePrometheusMerge: true',
    'rootNamespace: istio-system',
    'trustDomain: cluster.local',
    'outboundTrafficPolicy:',
    '  mode: REGISTRY_ONLY',
    'defaultConfig:',
    '  holdApplicationUntilProxyStarts: true',
    '  discoveryAddress: istiod.istio-system.svc:15012',
    '  proxyMetadata:',
    '    ISTIO_META_DNS_CAPTURE: "true"',
    '    ISTIO_META_DNS_AUTO_ALLOCATE: "true"',
    '  tracing:',
    '    sampling: 1.0',
    'extensionProviders:',
    '- name: otel',
    '  opentelemetry:',
    '    service: otel-collector.observability.svc.cluster.local',
    '    port: 4317',
    '',
  ].join('\n');
  const istiodLabels = { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default', 'app.kubernetes.io/part-of': 'istio' };
  const gwLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(ns, null, { 'kubernetes.io/metadata.name': ns, 'topology.istio.io/network': 'network1', 'pod-security.kubernetes.io/enforce': 'privileged' }),
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('istio', ns, { 'istio.io/rev': 'default', 'install.operator.istio.io/owning-resource': 'unknown', release: 'istio' }),
      data: { mesh: meshConfig, meshNetworks: 'networks: {}' },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('istiod', ns, { app: 'istiod', release: 'istio' }) },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('istiod', ns, istiodLabels),
      spec: {
        replicas: 2,
        selector: { matchLabels: { istio: 'pilot' } },
        template: {
          metadata: { labels: { ...istiodLabels, 'sidecar.istio.io/inject': 'false' }, annotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true' } },
          spec: {
            serviceAccountName: 'istiod',
            securityContext: { fsGroup: 1337 },
            containers: [
              {
                name: 'discovery',
                image: `docker.io/istio/pilot:${ISTIO_VERSION}`,
                args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
                ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 15010, protocol: 'TCP' }, { containerPort: 15017, protocol: 'TCP' }],
                env: [{ name: 'REVISION', value: 'default' }, { name: 'PILOT_CERT_PROVIDER', value: 'istiod' }, { name: 'CLUSTER_ID', value: 'Kubernetes' }],
                resources: { requests: { cpu: '500m', memory: '2048Mi' } },
                readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 3, timeoutSeconds: 5 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsUser: 1337, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('istiod', ns, istiodLabels),
      spec: {
        selector: { app: 'istiod', istio: 'pilot' },
        ports: [
          { name: 'grpc-xds', port: 15010, protocol: 'TCP' },
          { name: 'https-dns', port: 15012, protocol: 'TCP' },
          { name: 'https-webhook', port: 443, targetPort: 15017, protocol: 'TCP' },
          { name: 'http-monitoring', port: 15014, protocol: 'TCP' },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('istio-ingressgateway', ns, gwLabels) },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('istio-ingressgateway', ns, gwLabels),
      spec: {
        replicas: 3,
        selector: { matchLabels: gwLabels },
        template: {
          metadata: { labels: { ...gwLabels, 'sidecar.istio.io/inject': 'false' }, annotations: { 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/stats/prometheus' } },
          spec: {
            serviceAccountName: 'istio-ingressgateway',
            securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, fsGroup: 1337 },
            containers: [
              {
                name: 'istio-proxy',
                image: PROXY_IMAGE,
                args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--log_output_level=default:info'],
                ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 8443, protocol: 'TCP' }, { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
                readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 2, failureThreshold: 30 },
                securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('istio-ingressgateway', ns, gwLabels, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }),
      spec: {
        type: 'LoadBalancer',
        selector: gwLabels,
        ports: [
          { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
          { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: meta('public-gateway', ns),
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: { mode: 'SIMPLE', credentialName: 'wildcard-example-com' } },
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'], tls: { httpsRedirect: true } },
        ],
      },
    },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta('default', ns), spec: { mtls: { mode: 'STRICT' } } },
  ];
}

/** Everything one tenant namespace holds, in repository order. */
function tenantNamespace(seed, index) {
  const rng = new Rng(seed, index + 1);
  const team = TEAMS[index % TEAMS.length];
  const env = rng.weighted(ENVS);
  const tenant = `t${String(index).padStart(4, '0')}`;
  const ns = `${tenant}-${team}-${env}`;
  const mode = rng.weighted([['injection', 60], ['revision', 20], ['ambient', 15], ['none', 5]]);
  const psa = rng.weighted([['restricted', 5], ['baseline', 4], [null, 1]]);
  const nsLabels = { 'kubernetes.io/metadata.name': ns, tenant, team, env, 'cost-center': `cc-${1000 + (index % 97)}` };
  if (mode === 'injection') nsLabels['istio-injection'] = 'enabled';
  if (mode === 'revision') nsLabels['istio.io/rev'] = REVISION;
  if (mode === 'ambient') nsLabels['istio.io/dataplane-mode'] = 'ambient';
  if (psa) {
    nsLabels['pod-security.kubernetes.io/enforce'] = psa;
    nsLabels['pod-security.kubernetes.io/enforce-version'] = 'latest';
    nsLabels['pod-security.kubernetes.io/warn'] = 'restricted';
  }
  const out = [];
  const ctx = { rng, ns, team, env, tenant, mode, out };
  out.push({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(ns, null, nsLabels, { 'owner.example.com/slack': `#team-${team}`, 'scheduler.alpha.kubernetes.io/node-selector': 'pool=general' }),
  });
  add(ctx, peerAuthentication(ctx));
  add(ctx, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('default-deny', ns),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  add(ctx, networkPolicyAllow(ctx));
  if (rng.chance(0.3)) add(ctx, sidecarScope(ctx));

  const appCount = rng.int(4, 14);
  const used = new Set();
  for (let i = 0; i < appCount; i++) {
    const stateful = rng.chance(0.15);
    let name = stateful ? rng.weighted(STATEFUL) : `${rng.pick(NOUNS)}-${rng.weighted(ROLES)}`;
    while (used.has(name)) name = `${name}-${used.size}`;
    used.add(name);
    app(ctx, name, stateful);
  }
  const seCount = rng.weighted([[0, 5], [1, 3], [2, 2]]);
  for (let i = 0; i < seCount; i++) add(ctx, serviceEntry(ctx, i));
  return out;
}

function add(ctx, obj) {
  ctx.out.push(obj);
}

/** Weakens `obj` in place with WEAK_RATE; `how` applies the weakness and returns its label. */
function maybeWeak(ctx, obj, how) {
  if (!ctx.rng.chance(WEAK_RATE)) return obj;
  const label = how(obj);
  if (label) obj[WEAK] = label;
  return obj;
}

function peerAuthentication(ctx) {
  const obj = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta('default', ctx.ns), spec: { mtls: { mode: 'STRICT' } } };
  return maybeWeak(ctx, obj, (o) => {
    o.spec.mtls.mode = ctx.rng.pick(['PERMISSIVE', 'DISABLE']);
    return `peerauthentication-${o.spec.mtls.mode.toLowerCase()}`;
  });
}

function networkPolicyAllow(ctx) {
  const obj = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('allow-mesh-and-dns', ctx.ns),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: {} }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }] },
      ],
      egress: [
        { to: [{ podSelector: {} }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ port: 15012, protocol: 'TCP' }, { port: 15017, protocol: 'TCP' }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      ],
    },
  };
  return maybeWeak(ctx, obj, (o) => {
    o.spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
    return 'networkpolicy-egress-0.0.0.0/0';
  });
}

function sidecarScope(ctx) {
  const obj = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: meta('default', ctx.ns),
    spec: {
      egress: [{ hosts: ['./*', 'istio-system/*', 'observability/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    },
  };
  return maybeWeak(ctx, obj, (o) => {
    o.spec.outboundTrafficPolicy.mode = 'ALLOW_ANY';
    return 'sidecar-allow-any';
  });
}

function serviceEntry(ctx, i) {
  const host = EXTERNAL_APIS[(ctx.rng.int(0, EXTERNAL_APIS.length - 1) + i) % EXTERNAL_APIS.length];
  const obj = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: meta(host.replace(/\./g, '-'), ctx.ns),
    spec: {
      hosts: [host],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
      resolution: 'DNS',
    },
  };
  return maybeWeak(ctx, obj, (o) => {
    o.spec.hosts = [ctx.rng.pick(['*', '*.com', '*.amazonaws.com'])];
    o.spec.resolution = 'NONE';
    delete o.spec.exportTo;
    return 'serviceentry-wildcard';
  });
}

/** One app: ServiceAccount, ConfigMap?, workload, Service, VirtualService?, DestinationRule?, AuthorizationPolicy?. */
function app(ctx, name, stateful) {
  const { rng, ns, team } = ctx;
  const version = `${rng.int(0, 4)}.${rng.int(0, 30)}.${rng.int(0, 12)}`;
  const port = stateful ? { postgres: 5432, redis: 6379, kafka: 9092, zookeeper: 2181, elasticsearch: 9200, rabbitmq: 5672, memcached: 11211, mongodb: 27017 }[name.split('-')[0]] ?? 8080 : rng.pick([8080, 8080, 8080, 9090, 3000, 5000]);
  const protocol = stateful ? 'tcp' : rng.weighted([['http', 6], ['grpc', 3], ['http2', 1]]);
  const labels = {
    app: name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': `${name}-${ctx.env}`,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/part-of': team,
    'app.kubernetes.io/managed-by': rng.pick(['Helm', 'Helm', 'kustomize', 'argocd']),
  };
  add(ctx, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, ns, { app: name, 'app.kubernetes.io/part-of': team }) });
  const hasConfig = rng.chance(0.6);
  if (hasConfig) add(ctx, configMap(ctx, name));
  add(ctx, workload(ctx, name, stateful, labels, version, port, hasConfig));
  add(ctx, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, ns, { app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': team }),
    spec: {
      ...(stateful ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      selector: { app: name },
      ports: [{ name: `${protocol}-${stateful ? name.split('-')[0] : 'main'}`, port: stateful ? port : 80, targetPort: port, protocol: 'TCP' }],
    },
  });
  if (!stateful && rng.chance(0.5)) add(ctx, virtualService(ctx, name, protocol));
  if (rng.chance(0.5)) add(ctx, destinationRule(ctx, name, stateful));
  ctx.appPort = port;
  if (rng.chance(0.7)) add(ctx, authorizationPolicy(ctx, name, stateful));
}

function configMap(ctx, name) {
  const { rng } = ctx;
  const data = {
    LOG_LEVEL: rng.pick(['info', 'info', 'debug', 'warn']),
    LOG_FORMAT: 'json',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4317',
    FEATURE_FLAGS: rng.pick(['new-checkout,fast-search', 'beta-ui', 'none', 'shadow-writes']),
  };
  if (rng.chance(0.5)) {
    data['application.yaml'] = [
      'server:',
      `  port: ${rng.pick([8080, 9090, 3000])}`,
      '  shutdownTimeout: 20s',
      'database:',
      `  host: postgres.${ctx.ns}.svc.cluster.local`,
      '  pool:',
      `    maxOpen: ${rng.int(5, 50)}`,
      '    maxIdle: 5',
      'cache:',
      `  ttl: ${rng.int(1, 60)}m`,
      '',
    ].join('\n');
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`, ctx.ns, { app: name }), data };
}

/**
 * A Deployment or StatefulSet. Three sizes, as repositories have them: minimal hand-written
 * manifests (~25 lines), typical ones with probes and security contexts (~40), and fuller chart
 * output with env, volumes and spread constraints (~65); on average about 38 lines.
 */
function workload(ctx, name, stateful, labels, version, port, hasConfig) {
  const { rng, ns } = ctx;
  const image = stateful
    ? `docker.io/bitnami/${name.split('-')[0]}:${rng.int(5, 16)}.${rng.int(0, 9)}.${rng.int(0, 9)}`
    : `${rng.pick(REGISTRIES)}/${ctx.team}/${name}:${version}`;
  const tier = rng.weighted([['minimal', 58], ['typical', 36], ['full', 6]]);
  const podLabels = { app: name };
  if (tier !== 'minimal') podLabels.version = `v${version.split('.')[0]}`;
  if (tier === 'full') podLabels['app.kubernetes.io/part-of'] = ctx.team;
  const podAnnotations = {};
  if (tier !== 'minimal' && rng.chance(0.5)) {
    podAnnotations['prometheus.io/scrape'] = 'true';
    podAnnotations['prometheus.io/port'] = String(port === 8080 ? 9102 : port);
  }
  if (rng.chance(0.15)) podAnnotations['proxy.istio.io/config'] = '{"holdApplicationUntilProxyStarts": true}';
  if (rng.chance(0.1)) podAnnotations['sidecar.istio.io/proxyCPU'] = '100m';
  if (hasConfig && tier === 'full') podAnnotations['checksum/config'] = (rng.u32().toString(16) + rng.u32().toString(16)).padStart(16, '0');
  const uid = 10000 + rng.int(1, 9000);
  const container = {
    name: stateful ? name.split('-')[0] : 'app',
    image,
    ports: [{ name: stateful ? 'tcp' : 'http', containerPort: port }],
    resources: { requests: { cpu: rng.pick(['50m', '100m', '250m', '500m']), memory: rng.pick(['64Mi', '128Mi', '256Mi', '512Mi']) } },
  };
  if (tier !== 'minimal') {
    container.resources.limits = { memory: rng.pick(['256Mi', '512Mi', '1Gi', '2Gi']) };
    if (tier === 'full' || rng.chance(0.7)) {
      container.readinessProbe = stateful ? { tcpSocket: { port }, periodSeconds: 10 } : { httpGet: { path: '/healthz/ready', port }, periodSeconds: 5 };
    }
    if (tier === 'full' || rng.chance(0.5)) {
      container.securityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: !stateful, capabilities: { drop: ['ALL'] } };
    }
  }
  if (tier === 'full') {
    container.imagePullPolicy = 'IfNotPresent';
    container.env = [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'APP_ENV', value: ctx.env },
    ];
    container.livenessProbe = stateful ? { tcpSocket: { port }, initialDelaySeconds: 30 } : { httpGet: { path: '/healthz/live', port }, initialDelaySeconds: 10 };
    container.volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }];
  }
  if (hasConfig && tier !== 'minimal') container.envFrom = [{ configMapRef: { name: `${name}-config` } }];
  const podSpec = { serviceAccountName: name };
  if (tier !== 'minimal' || rng.chance(0.3)) {
    podSpec.securityContext = { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid };
    if (tier === 'full') podSpec.securityContext.seccompProfile = { type: 'RuntimeDefault' };
  }
  podSpec.containers = [container];
  if (tier === 'full') {
    podSpec.volumes = [{ name: 'tmp', emptyDir: {} }];
    if (rng.chance(0.3)) podSpec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: name } } }];
  }
  if (rng.chance(0.06)) {
    podSpec.initContainers = [{ name: 'migrate', image, command: ['/app/migrate', 'up'], securityContext: { allowPrivilegeEscalation: false } }];
  }
  const template = { metadata: { labels: podLabels, ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}) }, spec: podSpec };
  const objLabels =
    tier === 'full' ? labels : tier === 'typical' ? { app: name, version: podLabels.version, 'app.kubernetes.io/part-of': ctx.team } : { app: name, 'app.kubernetes.io/part-of': ctx.team };
  const obj = {
    apiVersion: 'apps/v1',
    kind: stateful ? 'StatefulSet' : 'Deployment',
    metadata: meta(name, ns, objLabels),
    spec: stateful
      ? {
          serviceName: name,
          replicas: rng.pick([1, 3, 3]),
          selector: { matchLabels: { app: name } },
          template,
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${rng.pick([10, 20, 50, 100])}Gi` } } } }],
        }
      : {
          replicas: rng.pick([1, 2, 2, 3, 3, 5]),
          selector: { matchLabels: { app: name } },
          ...(tier === 'full' ? { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } } : {}),
          template,
        },
  };
  return maybeWeak(ctx, obj, () => {
    const w = rng.weighted([['uid-1337', 3], ['gid-1337-pod', 1], ['net-admin', 2], ['exclude-outbound-ranges', 2], ['exclude-ports', 1], ['inject-false', 1]]);
    switch (w) {
      case 'uid-1337':
        (container.securityContext ??= {}).runAsUser = 1337;
        break;
      case 'gid-1337-pod':
        (podSpec.securityContext ??= {}).runAsGroup = 1337;
        break;
      case 'net-admin':
        (container.securityContext ??= {}).capabilities = { add: [rng.pick(['NET_ADMIN', 'NET_RAW'])], drop: ['ALL'] };
        break;
      case 'exclude-outbound-ranges':
        (template.metadata.annotations ??= {})['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = rng.pick(['0.0.0.0/0', '10.0.0.0/8', '169.254.169.254/32']);
        break;
      case 'exclude-ports':
        (template.metadata.annotations ??= {})['traffic.sidecar.istio.io/excludeOutboundPorts'] = rng.pick(['5432', '6379,9092', '443']);
        break;
      case 'inject-false':
        podLabels['sidecar.istio.io/inject'] = 'false';
        break;
    }
    return w;
  });
}

function virtualService(ctx, name, protocol) {
  const { rng, ns } = ctx;
  const host = `${name}.${ns}.svc.cluster.local`;
  const canary = rng.chance(0.3);
  const route = canary
    ? [{ destination: { host, subset: 'v1' }, weight: 90 }, { destination: { host, subset: 'v2' }, weight: 10 }]
    : [{ destination: { host, port: { number: 80 } } }];
  const rule = { name: 'primary', route, timeout: rng.pick(['5s', '10s', '30s']), retries: { attempts: rng.int(1, 3), perTryTimeout: '2s', retryOn: 'connect-failure,refused-stream,503' } };
  const publicFacing = rng.chance(0.15);
  const spec = publicFacing
    ? { hosts: [`${name}-${ctx.tenant}.example.com`], gateways: ['istio-system/public-gateway'], http: [{ ...rule, match: [{ uri: { prefix: `/${name}/` } }] }] }
    : { hosts: [name], http: [rule] };
  if (protocol === 'grpc' && !publicFacing) spec.http[0].match = [{ headers: { 'x-tenant': { exact: ctx.tenant } } }];
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta(name, ns, { app: name }), spec };
}

function destinationRule(ctx, name, stateful) {
  const { rng, ns } = ctx;
  const spec = {
    host: `${name}.${ns}.svc.cluster.local`,
    trafficPolicy: {
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { tcp: { maxConnections: rng.pick([100, 200, 1000]) }, ...(stateful ? {} : { http: { http2MaxRequests: 1000, maxRequestsPerConnection: 100 } }) },
      outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '60s' },
    },
  };
  if (!stateful && rng.chance(0.4)) spec.subsets = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta(name, ns, { app: name }), spec };
}

function authorizationPolicy(ctx, name, stateful) {
  const { rng, ns } = ctx;
  const callers = [`cluster.local/ns/${ns}/sa/${rng.pick(NOUNS)}-api`, `cluster.local/ns/istio-system/sa/istio-ingressgateway`];
  const obj = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: meta(`${name}-allow`, ns, { app: name }),
    spec: {
      selector: { matchLabels: { app: name } },
      action: 'ALLOW',
      rules: [
        stateful
          ? { from: [{ source: { namespaces: [ns] } }] }
          : ctx.mode === 'ambient'
            ? // ztunnel enforces L4 only: ambient tenants (without waypoints) allow by identity and port.
              { from: [{ source: { principals: callers } }], to: [{ operation: { ports: [String(ctx.appPort)] } }] }
            : { from: [{ source: { principals: callers } }], to: [{ operation: { methods: ['GET', 'POST'], paths: [`/api/v1/*`] } }] },
      ],
    },
  };
  return maybeWeak(ctx, obj, (o) => {
    o.spec.rules = [{}];
    return 'authorizationpolicy-allow-all';
  });
}

// ---------------------------------------------------------------------------------------------
// Corpus writer

function parseArgs(argv) {
  const o = { resources: 100000, out: null, files: null, nsPerFile: 100, smallFiles: null, format: 'yaml', seed: DEFAULT_SEED, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--resources' || a === '-n') o.resources = parseCount(val());
    else if (a === '--out' || a === '-o') o.out = val();
    else if (a === '--files') o.files = parseCount(val());
    else if (a === '--single') o.files = 1;
    else if (a === '--ns-per-file') o.nsPerFile = parseCount(val());
    else if (a === '--small-files') o.smallFiles = parseCount(val());
    else if (a === '--format') o.format = val();
    else if (a === '--json') o.format = 'json';
    else if (a === '--seed') o.seed = Number(val()) >>> 0;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['yaml', 'json'].includes(o.format)) throw new Error('--format is yaml or json');
  return o;
}

/** `100000`, `100k`, `1m`. */
export function parseCount(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).trim());
  if (!m) throw new Error(`not a count: ${s}`);
  const n = Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive count: ${s}`);
  return n;
}

/** Namespaces in corpus order, each an array of objects, stopping at exactly `total` objects. */
export function* namespaces(seed, total) {
  let left = total;
  const sys = istioSystem();
  yield sys.slice(0, left);
  left -= Math.min(left, sys.length);
  for (let i = 0; left > 0; i++) {
    const objs = tenantNamespace(seed, i);
    const take = objs.length <= left ? objs : objs.slice(0, left);
    left -= take.length;
    yield take;
  }
}

const FILE_RE = /^mesh-\d{4,}\.(yaml|json)$/;
const NS_DIR_RE = /^(istio-system|t\d{4}-[a-z0-9-]+)$/;

/**
 * The shape of a GitOps repository: a folder per namespace, a few objects per file (`smallFiles`),
 * so per-file costs (reading, dispatching, bookkeeping) dominate instead of parsing.
 */
function generateSmallFiles(opts, out) {
  const ext = opts.format === 'json' ? 'json' : 'yaml';
  const files = [];
  const byKind = {};
  let bytes = 0;
  let lines = 0;
  let documents = 0;
  let namespacesSeen = 0;
  const weak = [];
  for (const objs of namespaces(opts.seed, opts.resources)) {
    const ns = objs.find((o) => o.kind === 'Namespace')?.metadata.name ?? objs[0]?.metadata.namespace ?? `ns-${namespacesSeen}`;
    namespacesSeen++;
    fs.mkdirSync(path.join(out, ns), { recursive: true });
    for (let i = 0; i < objs.length; i += opts.smallFiles) {
      const part = objs.slice(i, i + opts.smallFiles);
      const name = `${ns}/part-${String(i / opts.smallFiles + 1).padStart(3, '0')}.${ext}`;
      const text =
        opts.format === 'json'
          ? `{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": [\n${part.map((o) => JSON.stringify(o, null, 4).replace(/^/gm, '        ')).join(',\n')}\n    ]\n}\n`
          : part.map((o) => `---\n${toYaml(o)}`).join('');
      fs.writeFileSync(path.join(out, name), text);
      const b = Buffer.byteLength(text);
      files.push({ name, bytes: b, documents: part.length });
      bytes += b;
      lines += countLines(text);
      documents += part.length;
      for (const o of part) {
        byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
        if (o[WEAK]) weak.push({ file: name, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name, weakness: o[WEAK] });
      }
    }
  }
  const info = {
    generator: 'meshward bench/generate.js',
    generatorVersion: GENERATOR_VERSION,
    seed: opts.seed,
    format: opts.format,
    layout: `small-files (${opts.smallFiles} objects per file, a folder per namespace)`,
    dir: out,
    resources: documents,
    namespaces: byKind.Namespace ?? 0,
    files: files.length,
    bytes,
    lines,
    avgBytesPerResource: Math.round(bytes / Math.max(1, documents)),
    avgLinesPerResource: round1(lines / Math.max(1, documents)),
    byKind: Object.fromEntries(Object.entries(byKind).sort((a, b) => b[1] - a[1])),
    weak: { count: weak.length, share: round4(weak.length / Math.max(1, documents)), byWeakness: tally(weak.map((w) => w.weakness)), objects: weak },
    fileList: files,
  };
  fs.writeFileSync(`${out}.meta.json`, JSON.stringify(info, null, 2) + '\n');
  return info;
}

export function generate(opts) {
  const out = path.resolve(opts.out);
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(out)) if (FILE_RE.test(f)) fs.unlinkSync(path.join(out, f));
  // Folders of an earlier --small-files corpus (one per namespace).
  for (const f of fs.readdirSync(out)) if (NS_DIR_RE.test(f)) fs.rmSync(path.join(out, f), { recursive: true, force: true });
  if (opts.smallFiles) return generateSmallFiles(opts, out);

  // With --files, namespaces are spread evenly: count them first (a cheap dry run).
  let nsPerFile = opts.nsPerFile;
  if (opts.files) {
    let count = 0;
    for (const _ of namespaces(opts.seed, opts.resources)) count++;
    nsPerFile = Math.max(1, Math.ceil(count / opts.files));
  }

  const weak = [];
  const stats = { byKind: {}, linesByKind: {}, bytes: 0, lines: 0, documents: 0 };
  const files = [];
  let buf = [];
  let nsInFile = 0;
  let fileNo = 0;
  const ext = opts.format === 'json' ? 'json' : 'yaml';
  const flush = () => {
    if (!buf.length) return;
    fileNo++;
    const name = `mesh-${String(fileNo).padStart(4, '0')}.${ext}`;
    const text = opts.format === 'json' ? `{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": [\n${buf.join(',\n')}\n    ]\n}\n` : buf.join('');
    fs.writeFileSync(path.join(out, name), text);
    const bytes = Buffer.byteLength(text);
    files.push({ name, bytes, documents: buf.length });
    stats.bytes += bytes;
    buf = [];
    nsInFile = 0;
  };
  for (const objs of namespaces(opts.seed, opts.resources)) {
    for (const o of objs) {
      if (o[WEAK]) weak.push({ file: `mesh-${String(fileNo + 1).padStart(4, '0')}.${ext}`, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name, weakness: o[WEAK] });
      let text;
      if (opts.format === 'json') {
        // kubectl -o json style: four-space indentation, items indented inside the List.
        text = JSON.stringify(o, null, 4).replace(/^/gm, '        ');
      } else {
        text = `---\n${toYaml(o)}`;
      }
      const lines = countLines(text);
      stats.lines += lines;
      stats.documents++;
      stats.byKind[o.kind] = (stats.byKind[o.kind] ?? 0) + 1;
      stats.linesByKind[o.kind] = (stats.linesByKind[o.kind] ?? 0) + lines;
      buf.push(text);
    }
    if (++nsInFile >= nsPerFile) flush();
  }
  flush();

  const avgLinesByKind = {};
  for (const k of Object.keys(stats.byKind).sort()) avgLinesByKind[k] = round1(stats.linesByKind[k] / stats.byKind[k]);
  const workloads = (stats.byKind.Deployment ?? 0) + (stats.byKind.StatefulSet ?? 0);
  const workloadLines = (stats.linesByKind.Deployment ?? 0) + (stats.linesByKind.StatefulSet ?? 0);
  const info = {
    generator: 'meshward bench/generate.js',
    generatorVersion: GENERATOR_VERSION,
    seed: opts.seed,
    format: opts.format,
    dir: out,
    resources: stats.documents,
    namespaces: stats.byKind.Namespace ?? 0,
    files: files.length,
    bytes: stats.bytes,
    lines: stats.lines,
    avgBytesPerResource: Math.round(stats.bytes / Math.max(1, stats.documents)),
    avgLinesPerResource: round1(stats.lines / Math.max(1, stats.documents)),
    avgLinesPerWorkload: round1(workloadLines / Math.max(1, workloads)),
    byKind: Object.fromEntries(Object.entries(stats.byKind).sort((a, b) => b[1] - a[1])),
    avgLinesByKind,
    weak: { count: weak.length, share: round4(weak.length / Math.max(1, stats.documents)), byWeakness: tally(weak.map((w) => w.weakness)), objects: weak },
    fileList: files,
  };
  fs.writeFileSync(`${out}.meta.json`, JSON.stringify(info, null, 2) + '\n');
  return info;
}

function countLines(s) {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
const round1 = (x) => Math.round(x * 10) / 10;
const round4 = (x) => Math.round(x * 10000) / 10000;
function tally(list) {
  const t = {};
  for (const x of list) t[x] = (t[x] ?? 0) + 1;
  return Object.fromEntries(Object.entries(t).sort((a, b) => b[1] - a[1]));
}

export function corpusMetaPath(dir) {
  return `${path.resolve(dir)}.meta.json`;
}

const USAGE = `usage: node bench/generate.js --resources N --out DIR [--files N | --single | --ns-per-file 100]
                            [--format yaml|json] [--seed S] [--quiet]
  --resources N   objects to write, exactly (accepts 100k, 1m)               [100000]
  --out DIR       output folder; mesh-NNNN.yaml files there are replaced
  --files N       spread the namespaces over N files
  --single        one file (same as --files 1)
  --ns-per-file   namespaces per file when --files is not given             [100]
  --small-files K a folder per namespace, K objects per file (the GitOps shape: 100k -> ~13,000 files)
  --format json   write each file as a JSON "kind: List" instead of multi-document YAML
  --seed S        PRNG seed (a smaller corpus is a prefix of a larger one)   [${DEFAULT_SEED}]
Writes DIR/mesh-NNNN.{yaml,json} and a summary at DIR.meta.json.`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (!opts.out) throw new Error('--out is required');
  } catch (err) {
    console.error(`generate: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  const t0 = performance.now();
  const info = generate(opts);
  if (!opts.quiet) {
    const mb = (info.bytes / 1e6).toFixed(1);
    console.log(
      `generated ${info.resources} resources in ${info.namespaces} namespaces, ${info.files} ${info.format} file(s), ${mb} MB, ${info.lines} lines ` +
        `(avg ${info.avgLinesPerResource} lines/resource, ${info.avgLinesPerWorkload} lines/workload), ${info.weak.count} weak objects, ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${info.dir}`,
    );
  }
}
