import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import {
  admissionRules,
  cacheRoleRules,
  defaultDeployOptions,
  serverArgs,
  serviceDnsNames,
  validateDeployOptions,
  webhookDocuments,
  WebhookDeployError,
  NAMES,
  type WebhookDeployOptions,
} from './generate-webhook.js';
import { createServingCertificate, parseTrustedCas, TrustBundleError } from './generate-certs.js';
import { admissionKinds, cacheKinds } from './admission-kinds.js';
import { ADMISSION_MODE_LABEL, WEBHOOK_DEFAULT_PORT, WEBHOOK_PATHS } from './types.js';
import { renderYamlStream } from '../tenancy/yaml-out.js';
import { propertySeed } from '../testing/property-seed.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const DEFAULTS = defaultDeployOptions('9.9.9');
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
];
const FAKE_TLS = { caPem: 'CA-PEM\n', certPem: 'CERT-PEM\n', keyPem: 'KEY-PEM\n' };

function objects(o: Partial<WebhookDeployOptions> = {}, tls = FAKE_TLS): any[] {
  const opts = { ...DEFAULTS, ...o };
  return webhookDocuments(opts, opts.certManager ? null : tls).map((d) => d.object);
}
const find = (objs: any[], kind: string) => {
  const hits = objs.filter((x) => x.kind === kind);
  assert.equal(hits.length, 1, `exactly one ${kind}`);
  return hits[0];
};
const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test('defaults: the objects, in apply order, each in the webhook namespace', () => {
  const objs = objects();
  assert.deepEqual(
    objs.map((x) => `${x.kind}/${x.metadata.name}`),
    [
      'Namespace/meshward',
      'ServiceAccount/meshward-webhook',
      'ClusterRole/meshward-webhook-cache',
      'ClusterRoleBinding/meshward-webhook-cache',
      'Secret/meshward-webhook-tls',
      'Service/meshward-webhook',
      'Deployment/meshward-webhook',
      'NetworkPolicy/meshward-webhook',
      'PodDisruptionBudget/meshward-webhook',
      'ValidatingWebhookConfiguration/meshward-webhook',
    ],
  );
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration']);
  for (const x of objs) assert.equal(x.metadata.namespace, clusterScoped.has(x.kind) ? undefined : 'meshward', x.kind);
});

test('ClusterRole: get, list and watch on exactly cacheKinds(), discovery, and nothing else (no Secrets, no writes, no lease)', () => {
  const role = find(objects(), 'ClusterRole');
  const granted = new Set<string>();
  for (const r of role.rules) {
    if (r.nonResourceURLs) {
      assert.deepEqual(r.verbs, ['get']);
      continue;
    }
    assert.deepEqual(r.verbs, ['get', 'list', 'watch']);
    for (const g of r.apiGroups) for (const res of r.resources) granted.add(`${g}/${res}`);
  }
  const expected = new Set(cacheKinds().map((k) => `${k.group}/${k.resource}`));
  assert.deepEqual([...granted].sort(), [...expected].sort());
  assert.ok(expected.has('/configmaps') && expected.has('networking.istio.io/virtualservices'));
  assert.ok(!granted.has('/secrets'));
  assert.ok(![...granted].some((g) => g.endsWith('/leases')));
  // A Secret in the kinds given is dropped all the same.
  const withSecret = cacheRoleRules([{ group: '', kind: 'Secret', resource: 'secrets' }, { group: '', kind: 'Service', resource: 'services' }]);
  assert.deepEqual(withSecret[0], { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] });
  const binding = find(objects(), 'ClusterRoleBinding');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: NAMES.serviceAccount, namespace: 'meshward' }]);
  assert.equal(binding.roleRef.name, role.metadata.name);
});

test('ValidatingWebhookConfiguration: exactly admissionKinds(), v1 reviews, no side effects, Equivalent, the selector and the caBundle', () => {
  const vwc = find(objects({ failurePolicy: 'Ignore', timeoutSeconds: 7, rootNamespace: 'istio-root' }), 'ValidatingWebhookConfiguration');
  assert.equal(vwc.webhooks.length, 1);
  const w = vwc.webhooks[0];
  assert.deepEqual(w.admissionReviewVersions, ['v1']);
  assert.equal(w.sideEffects, 'None');
  assert.equal(w.matchPolicy, 'Equivalent');
  assert.equal(w.failurePolicy, 'Ignore');
  assert.equal(w.timeoutSeconds, 7);
  assert.match(w.name, /^[a-z0-9-]+(\.[a-z0-9-]+){2,}$/, 'a fully qualified webhook name');
  const sent = new Set<string>();
  for (const r of w.rules) {
    assert.deepEqual(r.operations, ['CREATE', 'UPDATE', 'DELETE']);
    assert.deepEqual(r.apiVersions, ['*']);
    for (const g of r.apiGroups) for (const res of r.resources) sent.add(`${g}/${res}`);
  }
  assert.deepEqual([...sent].sort(), admissionKinds().map((k) => `${k.group}/${k.resource}`).sort());
  assert.ok(!sent.has('/configmaps') && !sent.has('/secrets'), 'ConfigMaps are cached, not intercepted; Secrets neither');
  assert.deepEqual(w.clientConfig.service, { name: NAMES.service, namespace: 'meshward', path: WEBHOOK_PATHS.validate, port: 443 });
  assert.equal(b64(w.clientConfig.caBundle), FAKE_TLS.caPem);
  assert.deepEqual(w.namespaceSelector.matchExpressions, [
    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'meshward', 'istio-root'] },
    { key: ADMISSION_MODE_LABEL, operator: 'NotIn', values: ['off'] },
  ]);
  // The same namespace named twice is listed once.
  const same = find(objects({ namespace: 'kube-system', rootNamespace: 'kube-system' }), 'ValidatingWebhookConfiguration');
  assert.deepEqual(same.webhooks[0].namespaceSelector.matchExpressions[0].values, ['kube-system']);
  assert.equal(admissionRules([]).length, 0);
});

test('Deployment: replicas, anti-affinity, hardening, resources, probes on the HTTPS port, and the server flags', () => {
  const objs = objects({ replicas: 3, mode: 'warn', denyOn: 'medium', tenantsConfigMap: 'tenants', image: 'registry.example.com:5000/sec/meshward:1.2.3@sha256:' + 'a'.repeat(64) });
  const d = find(objs, 'Deployment');
  assert.equal(d.spec.replicas, 3);
  const pod = d.spec.template.spec;
  assert.deepEqual(d.spec.selector.matchLabels, pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels);
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(d.spec.template.metadata.labels[k], v);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.notEqual(pod.securityContext.runAsUser, 1337);
  assert.notEqual(pod.securityContext.runAsUser, 0);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(pod.serviceAccountName, NAMES.serviceAccount);
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.equal(c.image, 'registry.example.com:5000/sec/meshward:1.2.3@sha256:' + 'a'.repeat(64));
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
  assert.deepEqual(c.ports, [{ name: 'https', containerPort: WEBHOOK_DEFAULT_PORT, protocol: 'TCP' }]);
  assert.deepEqual(c.livenessProbe.httpGet, { path: WEBHOOK_PATHS.healthz, port: 'https', scheme: 'HTTPS' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: WEBHOOK_PATHS.readyz, port: 'https', scheme: 'HTTPS' });
  assert.deepEqual(c.args, [
    'webhook', '--in-cluster', '--tls-cert', '/etc/meshward/tls/tls.crt', '--tls-key', '/etc/meshward/tls/tls.key',
    '--port', '8443', '--namespace', 'meshward', '--root-namespace', 'istio-system', '--mode', 'warn', '--deny-on', 'medium', '--tenants-configmap', 'meshward/tenants',
  ]);
  // The certificate files the args name are where the TLS Secret is mounted.
  const mount = c.volumeMounts.find((m: any) => m.name === 'tls');
  assert.equal(mount.mountPath, '/etc/meshward/tls');
  assert.equal(pod.volumes.find((v: any) => v.name === 'tls').secret.secretName, NAMES.tlsSecret);
  const svc = find(objs, 'Service');
  assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
  assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
  const pdb = find(objs, 'PodDisruptionBudget');
  assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
  assert.equal(pdb.spec.maxUnavailable, 1);
});

test('serverArgs: only the flags `meshward webhook` takes; no tenants flag without a ConfigMap', () => {
  const taken = new Set(['--in-cluster', '--tls-cert', '--tls-key', '--port', '--namespace', '--root-namespace', '--tenants', '--tenants-configmap', '--mode', '--deny-on', '--unsynced']);
  const args = serverArgs(DEFAULTS);
  assert.equal(args[0], 'webhook');
  for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(taken.has(a), a);
  assert.ok(!args.includes('--tenants-configmap'));
});

test('cert-manager: Issuers, Certificates and CA injection; no Secret and no caBundle written', () => {
  const objs = objects({ certManager: true, namespace: 'sec' });
  assert.equal(objs.filter((x) => x.kind === 'Secret').length, 0);
  const certs = objs.filter((x) => x.kind === 'Certificate');
  const issuers = objs.filter((x) => x.kind === 'Issuer');
  assert.equal(certs.length, 2);
  assert.equal(issuers.length, 2);
  const ca = certs.find((c) => c.spec.isCA === true);
  const serving = certs.find((c) => c.spec.isCA !== true);
  assert.equal(issuers.find((i) => i.spec.selfSigned)!.metadata.name, ca.spec.issuerRef.name);
  assert.equal(issuers.find((i) => i.spec.ca)!.spec.ca.secretName, ca.spec.secretName);
  assert.equal(issuers.find((i) => i.spec.ca)!.metadata.name, serving.spec.issuerRef.name);
  assert.equal(serving.spec.secretName, NAMES.tlsSecret);
  assert.deepEqual(serving.spec.dnsNames, serviceDnsNames('sec'));
  assert.equal(serving.spec.privateKey.algorithm, 'ECDSA');
  const vwc = find(objs, 'ValidatingWebhookConfiguration');
  assert.equal(vwc.metadata.annotations['cert-manager.io/inject-ca-from'], `sec/${serving.metadata.name}`);
  assert.equal(vwc.webhooks[0].clientConfig.caBundle, undefined);
  assert.throws(() => webhookDocuments(DEFAULTS, null), /serving certificate must be given/);
});

test('generated certificates: ECDSA P-256, signed by the CA, for the Service name, key matching, no CA key anywhere', async () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const tls = await createServingCertificate(serviceDnsNames('meshward'), 365, now);
  const ca = new X509Certificate(tls.caPem);
  const leaf = new X509Certificate(tls.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'the leaf is signed by the CA');
  assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
  assert.ok(leaf.checkHost('meshward-webhook.meshward.svc'));
  assert.equal(leaf.checkHost('meshward-webhook.other.svc'), undefined);
  const key = createPrivateKey(tls.keyPem);
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(leaf.checkPrivateKey(key));
  assert.equal(ca.checkPrivateKey(key), false);
  assert.ok(new Date(leaf.validFrom) <= now && new Date(leaf.validTo) > new Date(now.getTime() + 364 * 86400e3));
  assert.match(leaf.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'serverAuth');
  // Exactly one private key in the result: the serving one.
  assert.equal(JSON.stringify(tls).match(/BEGIN [A-Z ]*PRIVATE KEY/g)?.length, 1);
  const again = await createServingCertificate(serviceDnsNames('meshward'), 365, now);
  assert.notEqual(again.keyPem, tls.keyPem);
  assert.notEqual(new X509Certificate(again.caPem).fingerprint256, ca.fingerprint256);
});

test('validation: hostile names, images and numbers are refused with the flag named', () => {
  const bad: Array<[Partial<WebhookDeployOptions>, RegExp]> = [
    [{ namespace: 'a\n---\nkind: Secret' }, /--namespace: .*DNS-1123/],
    [{ namespace: 'a#b' }, /--namespace/],
    [{ namespace: '"quoted"' }, /--namespace/],
    [{ namespace: '__proto__' }, /--namespace/],
    [{ namespace: 'Upper' }, /--namespace/],
    [{ namespace: 'x'.repeat(64) }, /--namespace/],
    [{ namespace: '' }, /--namespace/],
    [{ rootNamespace: 'istio system' }, /--root-namespace/],
    [{ tenantsConfigMap: 'a\nb' }, /--tenants-configmap/],
    [{ tenantsConfigMap: 'constructor ' }, /--tenants-configmap/],
    [{ image: 'meshward:1\n---' }, /--image/],
    [{ image: 'meshward "x"' }, /--image/],
    [{ image: 'meshward#1' }, /--image/],
    [{ image: '' }, /--image/],
    [{ replicas: 0 }, /--replicas/],
    [{ replicas: 1.5 }, /--replicas/],
    [{ replicas: Number.NaN }, /--replicas/],
    [{ timeoutSeconds: 31 }, /--timeout-seconds/],
    [{ timeoutSeconds: 0 }, /--timeout-seconds/],
    [{ timeoutSeconds: 2 }, /--timeout-seconds: .* from 3 to 30/],
    [{ mode: 'block' as any }, /--mode/],
    [{ denyOn: 'low' as any }, /--deny-on/],
    [{ failurePolicy: 'fail' as any }, /--failure-policy/],
  ];
  for (const [o, re] of bad) {
    assert.throws(() => validateDeployOptions({ ...DEFAULTS, ...o }), (err: unknown) => err instanceof WebhookDeployError && re.test(err.message), JSON.stringify(o));
    assert.throws(() => webhookDocuments({ ...DEFAULTS, ...o }, FAKE_TLS), WebhookDeployError);
  }
  // The message shows the value escaped on one line.
  try {
    validateDeployOptions({ ...DEFAULTS, namespace: 'a\n---\nkind: Secret' });
  } catch (err) {
    assert.ok(!(err as Error).message.includes('\n'));
  }
  for (const image of ['meshward', 'ghcr.io/meshward/meshward:0.1.0', 'localhost:5000/a/b_c/d-e:v1.2', 'docker.io/library/x@sha256:' + 'f'.repeat(64)]) {
    assert.doesNotThrow(() => validateDeployOptions({ ...DEFAULTS, image }), image);
  }
});

test('YAML out: names a YAML 1.1 reader takes for booleans stay strings, and the stream parses back to the same objects', () => {
  for (const namespace of ['no', 'on', 'y', 'off', 'yes', 'n']) {
    const docs = webhookDocuments({ ...DEFAULTS, namespace }, FAKE_TLS);
    const text = renderYamlStream(['header'], docs);
    // kubectl reads YAML 1.1: parse the way it does.
    const back: any[] = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
    const vwc = back.find((x: any) => x.kind === 'ValidatingWebhookConfiguration');
    assert.deepEqual(vwc.webhooks[0].namespaceSelector.matchExpressions[1].values, ['off']);
    assert.equal(back[0].metadata.labels[ADMISSION_MODE_LABEL], 'off');
    assert.deepEqual(back, docs.map((d) => d.object), namespace);
  }
});

test('hostile values: each is refused, or the stream parses back (as YAML 1.1) to exactly the objects built', async () => {
  const fc = (await import('fast-check')).default;
  const check = (o: Partial<WebhookDeployOptions>) => {
    let docs;
    try {
      docs = webhookDocuments({ ...DEFAULTS, ...o }, FAKE_TLS);
    } catch (err) {
      assert.ok(err instanceof WebhookDeployError, String(err));
      return;
    }
    const text = renderYamlStream(['header with the namespace ' + String(o.namespace)], docs);
    const parsed = parseAllDocuments(text, { version: '1.1' });
    for (const d of parsed) assert.deepEqual(d.errors, []);
    assert.deepEqual(parsed.map((d) => d.toJS()), docs.map((d) => d.object));
  };
  for (const name of [...HOSTILE, '__proto__', 'constructor', 'no', 'null', '~', '0777', '1e3']) {
    check({ namespace: name });
    check({ rootNamespace: name });
    check({ tenantsConfigMap: name });
    check({ image: name });
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9.-]{1,40}$/), (anything, nameish) => {
      check({ namespace: nameish });
      check({ tenantsConfigMap: nameish });
      check({ image: anything });
      check({ image: `${nameish}:${nameish}` });
    }),
    { numRuns: 300, seed: propertySeed('MESHWARD_PROPERTY_SEED') },
  );
});

test('parseTrustedCas: CA certificates only; keys, leaves, stray text and huge files refused without echoing them', async () => {
  const tls = await createServingCertificate(serviceDnsNames('meshward'), 30);
  assert.deepEqual(parseTrustedCas(tls.caPem, 'f'), [new X509Certificate(tls.caPem).toString().trimEnd() + '\n']);
  assert.equal(parseTrustedCas(tls.caPem + '\n' + tls.caPem, 'f').length, 2);
  const refuse = (text: string, re: RegExp) =>
    assert.throws(() => parseTrustedCas(text, 'f'), (err: unknown) => err instanceof TrustBundleError && re.test(err.message) && (text.length < 80 || !err.message.includes(text.slice(40, 80))));
  refuse(tls.keyPem, /private key/);
  refuse(tls.caPem + tls.keyPem, /block 2 is a private key/);
  refuse(tls.certPem, /not a CA certificate/);
  refuse('kind: Secret\n' + tls.caPem, /text outside PEM blocks/);
  refuse('', /no PEM certificate/);
  refuse('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /cannot be parsed/);
  refuse(tls.caPem.repeat(1000), /larger than/);
  const bundle = webhookDocuments(DEFAULTS, { ...FAKE_TLS, trustedCas: ['OLD\n', 'OLD\n'] }).map((d) => d.object as any).find((o) => o.kind === 'ValidatingWebhookConfiguration');
  assert.equal(b64(bundle.webhooks[0].clientConfig.caBundle), 'CA-PEM\nOLD\n');
});
