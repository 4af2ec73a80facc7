import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { allRules } from '../rules/index.js';
import { pluralOf, rbacDocuments, readRole } from '../cluster/rbac.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { liveKinds } from '../cli/live.js';
import { renderYamlStream } from '../tenancy/yaml-out.js';
import {
  agentDocuments,
  defaultAgentOptions,
  defaultServerOptions,
  isNarrowCidr,
  namespaceDocument,
  parseServerUrl,
  RELAY_NAMES,
  RelayDeployError,
  serverDocuments,
  type AgentDeployOptions,
  type ServerDeployOptions,
} from './generate-relay.js';
import { meshwardNamespace, WebhookDeployError } from '../webhook/generate-webhook.js';
import { propertySeed } from '../testing/property-seed.js';
import { AGENT_NODE_OPTIONS, SERVER_NODE_OPTIONS } from './node-options.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const AGENT: AgentDeployOptions = { ...defaultAgentOptions('9.9.9'), cluster: 'prod-eu', server: 'https://relay.example.com:9443' };
const SERVER: ServerDeployOptions = defaultServerOptions('9.9.9');
/** Values that would break out of a naive template: line breaks, documents, comments, quotes, anchors, directives. */
const HOSTILE = [
  'a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: pwn}\n#',
  'b\r\nkind: Secret\r\n',
  'c # not a comment',
  "d'\"quotes\"\\back",
  'e{{ .Values.x }}$(id)',
  'f\u0000\u0007\u001b[31m\u0085\u2028\u2029\u202e\ufeff',
  '--- g',
  '- i: j',
  '&anchor *alias !!tag',
  '%YAML 1.1',
  '__proto__',
  'constructor',
];

const agentObjects = (o: Partial<AgentDeployOptions> = {}): any[] => agentDocuments({ ...AGENT, ...o }).map((d) => d.object);
const serverObjects = (o: Partial<ServerDeployOptions> = {}): any[] => serverDocuments({ ...SERVER, ...o }).map((d) => d.object);
const one = (objs: any[], kind: string) => {
  const found = objs.filter((x) => x.kind === kind);
  assert.equal(found.length, 1, kind);
  return found[0];
};

test('agent: its ClusterRole is exactly `meshward rbac` for every rule (read-only), bound to its ServiceAccount only', () => {
  const objs = agentObjects();
  assert.deepEqual(objs.map((o) => o.kind), ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'NetworkPolicy']);
  const expected = rbacDocuments(readRole(allRules), { role: 'x', binding: 'x', serviceAccount: 'y', namespace: 'z' })[1]!.object as any;
  const role = one(objs, 'ClusterRole');
  assert.deepEqual(role.rules, expected.rules);
  for (const r of role.rules) {
    if (r.nonResourceURLs) assert.deepEqual(r.verbs, ['get']);
    else assert.deepEqual(r.verbs, ['list', 'watch'], JSON.stringify(r));
    assert.ok(!JSON.stringify(r).includes('*"') || r.nonResourceURLs, 'no wildcard resource or verb');
  }
  const binding = one(objs, 'ClusterRoleBinding');
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: RELAY_NAMES.agent, namespace: 'meshward' }]);
});

test('agent: its ClusterRole lets it list and watch every kind a live scan (and so the agent) watches', () => {
  const role = one(agentObjects(), 'ClusterRole');
  const granted = new Set<string>();
  for (const r of role.rules) if (r.apiGroups && r.verbs.includes('list') && r.verbs.includes('watch')) for (const res of r.resources) granted.add(`${r.apiGroups[0]}/${res}`);
  const kinds = liveKinds(allRules);
  assert.ok(kinds.length > 20);
  for (const key of kinds) {
    const { group, kind } = splitKindKey(key);
    const groups = group !== null ? [group] : Object.hasOwn(BARE_KIND_GROUPS, kind) ? [BARE_KIND_GROUPS[kind]!] : [''];
    for (const g of groups) assert.ok(granted.has(`${g}/${pluralOf(kind)}`), `${key} is granted`);
  }
});

test('agent: its only write is its own credentials Secret, in its own namespace', () => {
  const objs = agentObjects({ namespace: 'relay-agent' });
  const role = one(objs, 'Role');
  assert.equal(role.metadata.namespace, 'relay-agent');
  assert.deepEqual(role.rules, [
    { apiGroups: [''], resources: ['secrets'], resourceNames: [RELAY_NAMES.agentCredentialsSecret], verbs: ['get', 'update'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  const rb = one(objs, 'RoleBinding');
  assert.equal(rb.metadata.namespace, 'relay-agent');
  assert.deepEqual(rb.roleRef.kind, 'Role');
  assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: RELAY_NAMES.agent, namespace: 'relay-agent' }]);
});

test('agent: one hardened replica, flags of `meshward agent`, the bootstrap token only by Secret reference', () => {
  const dep = one(agentObjects(), 'Deployment');
  assert.equal(dep.spec.replicas, 1);
  assert.equal(dep.spec.strategy.type, 'Recreate');
  const pod = dep.spec.template.spec;
  assert.equal(pod.serviceAccountName, RELAY_NAMES.agent);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  const c = pod.containers[0];
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  assert.ok(c.resources.requests.memory && c.resources.limits.memory);
  assert.deepEqual(c.args, [
    'agent',
    '--in-cluster',
    '--server',
    'https://relay.example.com:9443',
    '--cluster',
    'prod-eu',
    '--bootstrap-token-file',
    '/etc/meshward/bootstrap/token',
    '--server-ca',
    '/etc/meshward/server-ca/ca.crt',
    '--health-port',
    '8081',
  ]);
  assert.deepEqual(pod.volumes.find((v: any) => v.name === 'bootstrap').secret, { secretName: RELAY_NAMES.agentBootstrapSecret, defaultMode: 0o440 });
  assert.deepEqual(
    c.env,
    [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE_OPTIONS', value: AGENT_NODE_OPTIONS },
    ],
    'only the pod IP, from the downward API, and the fixed Node options: no value handed in the environment',
  );
  // The probes: the port the agent is told to listen on, by name.
  assert.deepEqual(c.ports, [{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
  // No ConfigMap unless the CA is given; then it holds exactly the CA.
  assert.ok(!agentObjects().some((o) => o.kind === 'ConfigMap'));
  const cm = one(agentObjects({ serverCaPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), 'ConfigMap');
  assert.deepEqual(Object.keys(cm.data), ['ca.crt']);
});

test('agent: the NetworkPolicy lets nothing in and only DNS, the API server and the relay server out', () => {
  const open = one(agentObjects({ server: 'https://relay.example.com' }), 'NetworkPolicy');
  assert.deepEqual(open.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(open.spec.ingress, []);
  assert.equal(open.spec.egress.length, 3);
  assert.deepEqual(open.spec.egress[0].to, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
  assert.deepEqual(open.spec.egress[1], { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
  assert.deepEqual(open.spec.egress[2], { ports: [{ protocol: 'TCP', port: 443 }] }, 'the URL\'s default port');
  const narrow = one(agentObjects({ apiServerCidrs: ['10.0.0.1/32'], serverCidrs: ['203.0.113.7/32', '2001:db8::/64'] }), 'NetworkPolicy');
  assert.deepEqual(narrow.spec.egress[1].to, [{ ipBlock: { cidr: '10.0.0.1/32' } }]);
  assert.deepEqual(narrow.spec.egress[2], { to: [{ ipBlock: { cidr: '203.0.113.7/32' } }, { ipBlock: { cidr: '2001:db8::/64' } }], ports: [{ protocol: 'TCP', port: 9443 }] });
});

test('server: SQLite is one replica on a volume, Recreate; no service account token; no egress at all', () => {
  const objs = serverObjects();
  assert.deepEqual(objs.map((o) => o.kind), ['Namespace', 'PersistentVolumeClaim', 'Service', 'Deployment', 'NetworkPolicy']);
  assert.equal(one(objs, 'PersistentVolumeClaim').spec.resources.requests.storage, '10Gi');
  const dep = one(objs, 'Deployment');
  assert.equal(dep.spec.replicas, 1);
  assert.equal(dep.spec.strategy.type, 'Recreate');
  const pod = dep.spec.template.spec;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.serviceAccountName, undefined);
  const c = pod.containers[0];
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.args.slice(0, 3), ['server', '--data', '/var/lib/meshward']);
  assert.deepEqual(c.env, [{ name: 'NODE_OPTIONS', value: SERVER_NODE_OPTIONS }], 'only the fixed Node options');
  for (const f of ['--tokens-file', '--ca-cert', '--ca-key', '--serving-cert', '--serving-key']) assert.ok(c.args.includes(f), f);
  assert.deepEqual(pod.volumes.find((v: any) => v.name === 'ca').secret.secretName, RELAY_NAMES.serverCaSecret);
  assert.deepEqual(pod.volumes.find((v: any) => v.name === 'tokens').secret.secretName, RELAY_NAMES.serverTokensSecret);
  const svc = one(objs, 'Service');
  assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [9443, 8080]);
  const np = one(objs, 'NetworkPolicy');
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(np.spec.egress, []);
  assert.deepEqual(np.spec.ingress[0].ports.map((p: any) => p.port), [9443, 8080]);
});

test('server: PostgreSQL takes replicas, the URL and password from the Secret (never in the output), a PodDisruptionBudget above one replica', () => {
  const objs = serverObjects({ replicas: 3, databaseSecret: 'relay-db', databaseCidrs: ['10.20.0.0/16'] });
  assert.deepEqual(objs.map((o) => o.kind), ['Namespace', 'Service', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget']);
  const dep = one(objs, 'Deployment');
  assert.equal(dep.spec.replicas, 3);
  assert.equal(dep.spec.strategy, undefined);
  const c = dep.spec.template.spec.containers[0];
  assert.deepEqual(c.args.slice(0, 3), ['server', '--database', '$(MESHWARD_DATABASE_URL)']);
  assert.deepEqual(c.env, [
    { name: 'NODE_OPTIONS', value: SERVER_NODE_OPTIONS },
    { name: 'MESHWARD_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'relay-db', key: 'url' } } },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'relay-db', key: 'password', optional: true } } },
  ]);
  assert.ok(!dep.spec.template.spec.volumes.some((v: any) => v.name === 'data'));
  const np = one(objs, 'NetworkPolicy');
  assert.deepEqual(np.spec.egress[1], { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
  assert.equal(one(objs, 'PodDisruptionBudget').spec.maxUnavailable, 1);
  assert.ok(!serverObjects({ databaseSecret: 'relay-db' }).some((o) => o.kind === 'PodDisruptionBudget'));
});

test('validation: hostile or wrong values are refused with the flag named', () => {
  const agentCases: Array<[Partial<AgentDeployOptions>, RegExp]> = [
    [{ cluster: 'Prod' }, /--cluster/],
    [{ cluster: 'a'.repeat(64) }, /--cluster/],
    [{ cluster: 42 as unknown as string }, /--cluster/],
    [{ namespace: 'a\n---\nkind: Secret' }, /--namespace/],
    [{ image: 'meshward:1\n---' }, /--image/],
    [{ server: 'http://relay.example.com' }, /--server: .*https/],
    [{ server: 'https://user:pw@relay.example.com' }, /--server: .*credentials/],
    [{ server: 'https://relay.example.com/path' }, /--server: .*path/],
    [{ server: 'https://relay.example.com?x=1' }, /--server: .*query/],
    [{ server: 'https://[::1]:9443' }, /--server: .*DNS host/],
    [{ server: 'not a url' }, /--server: .*not a URL/],
    [{ serverCaPem: 'x"y' }, /--server-ca-file/],
    [{ serverCaPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }, /--server-ca-file/],
    [{ apiServerCidrs: ['0.0.0.0/0'] }, /--api-server-cidr: .*no limit/],
    [{ serverCidrs: ['::/0'] }, /--server-cidr/],
    [{ serverCidrs: ['10.0.0.0/33'] }, /--server-cidr/],
    [{ serverCidrs: ['10.0.0.0/8\n- ipBlock: {cidr: 0.0.0.0/0}'] }, /--server-cidr/],
  ];
  for (const [o, re] of agentCases) assert.throws(() => agentDocuments({ ...AGENT, ...o }), (e: unknown) => e instanceof RelayDeployError && re.test(e.message), JSON.stringify(o));
  const serverCases: Array<[Partial<ServerDeployOptions>, RegExp]> = [
    [{ replicas: 2 }, /--replicas: more than one replica needs PostgreSQL/],
    [{ replicas: 0, databaseSecret: 'db' }, /--replicas/],
    [{ replicas: 1.5, databaseSecret: 'db' }, /--replicas/],
    [{ storage: '10G' }, /--storage/],
    [{ storage: '10Gi\nx: y' }, /--storage/],
    [{ databaseSecret: 'DB' }, /--database-secret/],
    [{ databaseCidrs: ['10.0.0.0/8'] }, /--database-cidr is for PostgreSQL/],
  ];
  for (const [o, re] of serverCases) assert.throws(() => serverDocuments({ ...SERVER, ...o }), (e: unknown) => e instanceof RelayDeployError && re.test(e.message), JSON.stringify(o));
  // Messages show a hostile value as one bounded JSON string: no raw line break.
  try {
    agentDocuments({ ...AGENT, cluster: 'x\n---\nkind: Secret' + 'y'.repeat(500) });
  } catch (e) {
    assert.ok(!(e as Error).message.includes('\n') && (e as Error).message.length < 400);
  }
});

test('hostile values: each is refused, or the stream parses back (as YAML 1.1) to exactly the objects built', async () => {
  const fc = (await import('fast-check')).default;
  const check = (build: () => { object: unknown }[]) => {
    let docs;
    try {
      docs = build();
    } catch (err) {
      assert.ok(err instanceof RelayDeployError, String(err));
      return;
    }
    const text = renderYamlStream(['header'], docs);
    const parsed = parseAllDocuments(text, { version: '1.1' });
    for (const d of parsed) assert.deepEqual(d.errors, []);
    assert.deepEqual(parsed.map((d) => d.toJS()), docs.map((d) => d.object));
  };
  for (const v of [...HOSTILE, 'no', 'null', '~', '0777', '1e3', 'on']) {
    check(() => agentDocuments({ ...AGENT, cluster: v }));
    check(() => agentDocuments({ ...AGENT, namespace: v }));
    check(() => agentDocuments({ ...AGENT, server: `https://${v}:9443` }));
    check(() => agentDocuments({ ...AGENT, image: v }));
    check(() => agentDocuments({ ...AGENT, serverCaPem: v }));
    check(() => agentDocuments({ ...AGENT, serverCidrs: [v] }));
    check(() => serverDocuments({ ...SERVER, databaseSecret: v }));
    check(() => serverDocuments({ ...SERVER, storage: v }));
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9.-]{1,40}$/), (anything, nameish) => {
      check(() => agentDocuments({ ...AGENT, cluster: nameish, namespace: nameish }));
      check(() => agentDocuments({ ...AGENT, server: anything }));
      check(() => agentDocuments({ ...AGENT, server: `https://${nameish}` }));
      check(() => serverDocuments({ ...SERVER, databaseSecret: nameish, replicas: 2 }));
      check(() => serverDocuments({ ...SERVER, image: anything }));
    }),
    { numRuns: 300, seed: propertySeed('MESHWARD_PROPERTY_SEED') },
  );
});

test('parseServerUrl and isNarrowCidr', () => {
  assert.deepEqual(parseServerUrl('https://relay.example.com'), { host: 'relay.example.com', port: 443 });
  assert.deepEqual(parseServerUrl('https://RELAY.example.com:9443/'), { host: 'relay.example.com', port: 9443 });
  assert.deepEqual(parseServerUrl('https://10.0.0.7:9443'), { host: '10.0.0.7', port: 9443 });
  for (const good of ['10.0.0.1/32', '192.168.0.0/16', '2001:db8::/32', 'fd00::1/128']) assert.ok(isNarrowCidr(good), good);
  for (const bad of ['0.0.0.0/0', '::/0', '10.0.0.1', '10.0.0.1/33', '300.0.0.1/8', 'fd00::/129', 'x/8', '10.0.0.0/8 ', '', null, '1'.repeat(60)]) assert.ok(!isNarrowCidr(bad), String(bad));
});

test('one Namespace object for every generator: the webhook\'s helper, refusing a hostile name with the caller\'s error', () => {
  assert.deepEqual(namespaceDocument('sec-tools').object, meshwardNamespace('sec-tools', (m) => new Error(m)));
  for (const bad of ['__proto__', 'Upper', 'a\nb: c', '-x', 'x'.repeat(64), 42 as unknown as string]) {
    assert.throws(() => namespaceDocument(bad), (e: Error) => e instanceof RelayDeployError && /--namespace: .* is not a valid namespace name/.test(e.message), String(bad));
    assert.throws(() => meshwardNamespace(bad, (m) => new WebhookDeployError(m)), WebhookDeployError);
  }
});
