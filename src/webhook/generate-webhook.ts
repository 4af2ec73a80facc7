/**
 * `meshward generate webhook` (and, object for object, charts/meshward): everything the admission
 * webhook needs in a cluster. Each object is built here as plain data and serialized only by the YAML
 * emitter (src/tenancy/yaml-out.ts); every user-given value is validated first (DNS-1123 names, an image
 * reference grammar, enumerations, bounded integers), so nothing in the output can start a key, a
 * comment or a document of its own.
 *
 * What the objects are for is told in docs/webhook-deploy.md; the contract with the server (port, paths,
 * the mode label, the flags it takes) is src/webhook/types.ts, and the kinds intercepted and cached are
 * src/webhook/admission-kinds.ts.
 */
import { ADMISSION_MODE_LABEL, WEBHOOK_DEFAULT_PORT, WEBHOOK_PATHS, type DenyOn, type WebhookMode } from './types.js';
import { admissionKinds, cacheKinds, type AdmissionKind } from './admission-kinds.js';
import type { GeneratedDoc } from '../tenancy/yaml-out.js';
import { IGNORE_ANNOTATION } from '../engine/suppress.js';
import { DNS_LABEL } from '../model/names.js';

export type FailurePolicy = 'Fail' | 'Ignore';

export interface WebhookDeployOptions {
  namespace: string;
  certManager: boolean;
  image: string;
  replicas: number;
  mode: WebhookMode;
  denyOn: DenyOn;
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  /** Name of a ConfigMap in `namespace` holding the tenant policy (key `tenants.yaml`), or null. */
  tenantsConfigMap: string | null;
  /** The Istio root namespace, left out of the webhook's namespaceSelector. */
  rootNamespace: string;
}

export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/meshward/meshward';

export function defaultDeployOptions(version: string): WebhookDeployOptions {
  return {
    namespace: 'meshward',
    certManager: false,
    image: `${DEFAULT_IMAGE_REPOSITORY}:${version}`,
    replicas: 2,
    mode: 'enforce',
    denyOn: 'high',
    failurePolicy: 'Fail',
    timeoutSeconds: 5,
    tenantsConfigMap: null,
    rootNamespace: 'istio-system',
  };
}

/** Fixed object names: the chart uses the same ones, so both install paths produce the same cluster. */
export const NAMES = {
  app: 'meshward-webhook',
  serviceAccount: 'meshward-webhook',
  clusterRole: 'meshward-webhook-cache',
  service: 'meshward-webhook',
  deployment: 'meshward-webhook',
  pdb: 'meshward-webhook',
  networkPolicy: 'meshward-webhook',
  tlsSecret: 'meshward-webhook-tls',
  webhookConfiguration: 'meshward-webhook',
  /** A webhook's name in a configuration must be fully qualified (three segments at least). */
  webhook: 'validate.admission.meshward.io',
  selfSignedIssuer: 'meshward-selfsigned',
  caCertificate: 'meshward-webhook-ca',
  caSecret: 'meshward-webhook-ca',
  caIssuer: 'meshward-webhook-ca',
  servingCertificate: 'meshward-webhook',
} as const;

export const TLS_MOUNT = '/etc/meshward/tls';
/** Unprivileged UID/GID the container runs as: not 0, and not the proxy's 1337 (BYP rules). */
export const RUN_AS = 65532;
export const SERVICE_PORT = 443;
export const CERT_DAYS = 365;
/**
 * The server's decision budget is 2 s (after which it allows the object unchecked, with a warning); the
 * API server's timeout must leave room above it for TLS and the network, or it gives up first and the
 * failurePolicy decides instead.
 */
export const MIN_TIMEOUT_SECONDS = 3;

export class WebhookDeployError extends Error {}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/**
 * An OCI image reference (distribution/reference's grammar, simplified but never wider): an optional
 * registry host[:port], lower-case path components, an optional tag and/or sha256 digest.
 */
const IMAGE_REF =
  /^(?=.{1,512}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const MODES: readonly WebhookMode[] = ['enforce', 'warn', 'audit'];
const DENY_ON: readonly DenyOn[] = ['critical', 'high', 'medium'];
const FAILURE_POLICIES: readonly FailurePolicy[] = ['Fail', 'Ignore'];

/** Shows an untrusted value in an error, bounded and as a JSON string (its line breaks escaped). */
function shown(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 80));
}

/** Refuses anything that is not a value the generator can write safely; messages say what and how to fix. */
export function validateDeployOptions(o: WebhookDeployOptions): void {
  const label = (flag: string, v: unknown, what: string) => {
    if (typeof v !== 'string' || !DNS_LABEL.test(v)) throw new WebhookDeployError(`${flag}: ${shown(v)} is not a valid ${what} (DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`);
  };
  label('--namespace', o.namespace, 'namespace name');
  label('--root-namespace', o.rootNamespace, 'namespace name');
  if (o.tenantsConfigMap !== null && (typeof o.tenantsConfigMap !== 'string' || !DNS_SUBDOMAIN.test(o.tenantsConfigMap))) {
    throw new WebhookDeployError(`--tenants-configmap: ${shown(o.tenantsConfigMap)} is not a valid ConfigMap name (DNS-1123 subdomain: lower-case letters, digits, "-" and ".")`);
  }
  if (typeof o.image !== 'string' || !IMAGE_REF.test(o.image)) {
    throw new WebhookDeployError(`--image: ${shown(o.image)} is not an image reference (registry/repository[:tag][@sha256:digest], e.g. ${DEFAULT_IMAGE_REPOSITORY}:1.0.0)`);
  }
  if (!Number.isInteger(o.replicas) || o.replicas < 1 || o.replicas > 50) throw new WebhookDeployError(`--replicas: ${shown(o.replicas)} must be a whole number from 1 to 50 (2 or more keeps admission up during a rollout or a node drain)`);
  if (!Number.isInteger(o.timeoutSeconds) || o.timeoutSeconds < MIN_TIMEOUT_SECONDS || o.timeoutSeconds > 30) {
    throw new WebhookDeployError(`--timeout-seconds: ${shown(o.timeoutSeconds)} must be a whole number from ${MIN_TIMEOUT_SECONDS} to 30 (the API server allows at most 30; the server takes up to 2 s to decide before it allows unchecked)`);
  }
  if (!MODES.includes(o.mode)) throw new WebhookDeployError(`--mode: ${shown(o.mode)} must be one of ${MODES.join(', ')}`);
  if (!DENY_ON.includes(o.denyOn)) throw new WebhookDeployError(`--deny-on: ${shown(o.denyOn)} must be one of ${DENY_ON.join(', ')}`);
  if (!FAILURE_POLICIES.includes(o.failurePolicy)) throw new WebhookDeployError(`--failure-policy: ${shown(o.failurePolicy)} must be Fail or Ignore`);
}

/** The TLS material of the no-cert-manager path (see generate-certs.ts). */
export interface ServingTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** More CA certificates (PEM) the caBundle trusts beside caPem: the previous CA during a renewal. */
  trustedCas?: readonly string[];
}

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function labels(component = 'webhook'): Record<string, string> {
  return { 'app.kubernetes.io/name': 'meshward', 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'meshward' };
}

const SELECTOR = { 'app.kubernetes.io/name': 'meshward', 'app.kubernetes.io/component': 'webhook' };

/** The DNS names the API server may dial: it verifies `<service>.<namespace>.svc`. */
export function serviceDnsNames(namespace: string): string[] {
  return [`${NAMES.service}.${namespace}.svc`, `${NAMES.service}.${namespace}.svc.cluster.local`];
}

/** RBAC rules of the cache: get, list and watch on exactly `cacheKinds()`, grouped by API group, plus discovery. */
export function cacheRoleRules(kinds: readonly AdmissionKind[] = cacheKinds()): Record<string, unknown>[] {
  const byGroup = new Map<string, Set<string>>();
  for (const k of kinds) {
    if (k.kind === 'Secret') continue; // cacheKinds() already leaves them out; never grant them here either.
    let set = byGroup.get(k.group);
    if (!set) byGroup.set(k.group, (set = new Set()));
    set.add(k.resource);
  }
  const groups = [...byGroup.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const rules: Record<string, unknown>[] = groups.map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ['get', 'list', 'watch'] }));
  // Discovery (which kinds this cluster serves): system:discovery grants it to every authenticated user by
  // default; repeated for clusters that removed that binding, as `meshward rbac` does.
  rules.push({ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'], verbs: ['get'] });
  return rules;
}

/** The ValidatingWebhookConfiguration's rules: exactly `admissionKinds()`, one rule per API group. */
export function admissionRules(kinds: readonly AdmissionKind[] = admissionKinds()): Record<string, unknown>[] {
  const byGroup = new Map<string, Set<string>>();
  for (const k of kinds) {
    let set = byGroup.get(k.group);
    if (!set) byGroup.set(k.group, (set = new Set()));
    set.add(k.resource);
  }
  const groups = [...byGroup.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return groups.map((g) => ({
    apiGroups: [g],
    // Every served version: with matchPolicy Equivalent, a request in any version reaches the webhook.
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resources: [...byGroup.get(g)!].sort(),
    scope: '*',
  }));
}

/** The server's command line (src/webhook/types.ts WebhookOptions): only flags `meshward webhook` takes. */
export function serverArgs(o: WebhookDeployOptions): string[] {
  const args = [
    'webhook',
    '--in-cluster',
    '--tls-cert',
    `${TLS_MOUNT}/tls.crt`,
    '--tls-key',
    `${TLS_MOUNT}/tls.key`,
    '--port',
    String(WEBHOOK_DEFAULT_PORT),
    // The namespaces the server never judges, the same the namespaceSelector leaves out.
    '--namespace',
    o.namespace,
    '--root-namespace',
    o.rootNamespace,
    '--mode',
    o.mode,
    '--deny-on',
    o.denyOn,
  ];
  if (o.tenantsConfigMap !== null) args.push('--tenants-configmap', `${o.namespace}/${o.tenantsConfigMap}`);
  return args;
}

/**
 * meshward's namespace, one object for every generator (`generate webhook`, `generate agent`, `generate
 * server`) and the chart, so applying several of them never fights over its labels. The name is checked
 * here too (a DNS-1123 label, so it needs no quoting in YAML or a selector); `fail` makes the caller's error.
 */
export function meshwardNamespace(ns: string, fail: (message: string) => Error): Record<string, unknown> {
  if (typeof ns !== 'string' || !DNS_LABEL.test(ns)) throw fail(`--namespace: ${shown(ns)} is not a valid namespace name (DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      annotations: {
        // Outside the mesh on purpose (docs/webhook-deploy.md): in the mesh, a mesh-wide STRICT
        // PeerAuthentication would refuse the API server's plain-TLS calls to the webhook and, with
        // failurePolicy Fail, stop every intercepted write in the cluster; the relay carries its own mutual
        // TLS end to end. BYP008 says exactly that this namespace has no sidecar; the NetworkPolicies
        // isolate the pods instead, as BYP008's fix asks.
        [IGNORE_ANNOTATION]: 'BYP008',
      },
      labels: {
        ...labels('namespace'),
        // Called over TLS of its own (the API server, agents), not through the mesh: no sidecar.
        'istio-injection': 'disabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        // The webhook never judges its own namespace (also excluded by name in the namespaceSelector).
        [ADMISSION_MODE_LABEL]: 'off',
      },
    },
  };
}

/** Every object, in apply order (the Namespace first, the webhook configuration last), with a comment saying why it is there. */
export function webhookDocuments(o: WebhookDeployOptions, tls: ServingTls | null): GeneratedDoc[] {
  validateDeployOptions(o);
  if (!o.certManager && !tls) throw new WebhookDeployError('webhookDocuments: without cert-manager, the serving certificate must be given');
  const ns = o.namespace;
  const docs: GeneratedDoc[] = [];

  docs.push({
    object: meshwardNamespace(ns, (m) => new WebhookDeployError(m)),
    comment: [
      'The webhook\'s own namespace: Pod Security "restricted", outside the mesh (the API server calls the webhook over its own TLS;',
      'a mesh-wide STRICT mTLS would refuse those calls), so BYP008 is acknowledged here and the NetworkPolicy isolates the pods.',
    ],
  });

  docs.push({
    object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAMES.serviceAccount, namespace: ns, labels: labels() } },
    comment: ['The identity the webhook runs as: it reads the cluster through its informer cache and nothing else.'],
  });

  docs.push({
    object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: NAMES.clusterRole, labels: labels() }, rules: cacheRoleRules() },
    comment: [
      'Read-only: get, list and watch on exactly the kinds the admission rules read (the cache), get on discovery.',
      'No Secrets (their values would travel in every review), no write verb, no lease: every replica keeps its own cache and answers on its own, so none elects a leader.',
    ],
  });

  docs.push({
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAMES.clusterRole, labels: labels() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAMES.clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: NAMES.serviceAccount, namespace: ns }],
    },
    comment: ['Cluster-wide: a hijack is judged against every namespace\'s hosts.'],
  });

  if (o.certManager) docs.push(...certManagerDocuments(ns));
  else
    docs.push({
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: NAMES.tlsSecret, namespace: ns, labels: labels() },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': base64(tls!.certPem), 'tls.key': base64(tls!.keyPem), 'ca.crt': base64(tls!.caPem) },
      },
      comment: [
        'The serving certificate and its PRIVATE KEY: keep this output out of version control (or seal it).',
        `Valid ${CERT_DAYS} days; renew by generating again (docs/webhook-deploy.md). The CA that signed it has no key anywhere: it was discarded after signing.`,
      ],
    });

  docs.push({
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAMES.service, namespace: ns, labels: labels() },
      spec: {
        type: 'ClusterIP',
        selector: SELECTOR,
        ports: [{ name: 'https', port: SERVICE_PORT, targetPort: 'https', protocol: 'TCP' }],
      },
    },
    comment: [`What the API server calls: ${SERVICE_PORT} to the pods' ${WEBHOOK_DEFAULT_PORT}.`],
  });

  docs.push({ object: deployment(o), comment: ['The server: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, spread over nodes.'] });

  docs.push({
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: NAMES.networkPolicy, namespace: ns, labels: labels() },
      spec: {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ['Ingress'],
        // From anywhere: the API server's address differs per cluster (often the node network). Only the
        // HTTPS port is open; the server answers nothing but reviews, health and metrics there.
        ingress: [{ ports: [{ protocol: 'TCP', port: WEBHOOK_DEFAULT_PORT }] }],
      },
    },
    comment: [`Inbound only to ${WEBHOOK_DEFAULT_PORT}/TCP (the namespace is outside the mesh, so this is its isolation).`],
  });

  docs.push({
    object: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: NAMES.pdb, namespace: ns, labels: labels() },
      spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } },
    },
    comment: ['Drains take one replica at a time, so admission stays answered.'],
  });

  docs.push({ object: webhookConfiguration(o, tls), comment: failurePolicyComment(o.failurePolicy) });
  return docs;
}

function failurePolicyComment(policy: FailurePolicy): string[] {
  return policy === 'Fail'
    ? ['failurePolicy Fail: while no replica answers, the intercepted writes are refused (no hijack slips through, but deploys stop).', 'Ignore admits them unjudged instead; see docs/webhook-deploy.md.']
    : ['failurePolicy Ignore: while no replica answers, the intercepted writes are ADMITTED UNJUDGED (a hijack can land then; scan to catch it).', 'Fail refuses them instead; see docs/webhook-deploy.md.'];
}

function deployment(o: WebhookDeployOptions): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAMES.deployment, namespace: o.namespace, labels: labels() },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: { labels: labels() },
        spec: {
          serviceAccountName: NAMES.serviceAccount,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            // The TLS Secret's files (mode 0440) belong to this group, so the server can read its key.
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity: {
              // Preferred, not required: a one-node cluster still runs every replica.
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: SELECTOR } } },
              ],
            },
          },
          containers: [
            {
              name: 'webhook',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: serverArgs(o),
              ports: [{ name: 'https', containerPort: WEBHOOK_DEFAULT_PORT, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: WEBHOOK_PATHS.readyz, port: 'https', scheme: 'HTTPS' }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: WEBHOOK_PATHS.healthz, port: 'https', scheme: 'HTTPS' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'tls', mountPath: TLS_MOUNT, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            // A Secret volume follows the Secret's updates: the server reloads its certificate from disk.
            { name: 'tls', secret: { secretName: NAMES.tlsSecret, defaultMode: 0o440 } },
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

function webhookConfiguration(o: WebhookDeployOptions, tls: ServingTls | null): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: NAMES.webhookConfiguration, labels: labels() };
  const clientConfig: Record<string, unknown> = { service: { name: NAMES.service, namespace: o.namespace, path: WEBHOOK_PATHS.validate, port: SERVICE_PORT } };
  // cert-manager's CA injector fills caBundle from the serving Certificate's ca.crt.
  if (o.certManager) metadata.annotations = { 'cert-manager.io/inject-ca-from': `${o.namespace}/${NAMES.servingCertificate}` };
  else clientConfig.caBundle = base64([tls!.caPem, ...new Set(tls!.trustedCas ?? [])].join(''));
  const excluded = [...new Set(['kube-system', o.namespace, o.rootNamespace])];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        name: NAMES.webhook,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: o.failurePolicy,
        matchPolicy: 'Equivalent',
        timeoutSeconds: o.timeoutSeconds,
        clientConfig,
        rules: admissionRules(),
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded },
            { key: ADMISSION_MODE_LABEL, operator: 'NotIn', values: ['off'] },
          ],
        },
      },
    ],
  };
}

/** A self-signed Issuer bootstraps a CA Certificate; a CA Issuer then signs (and renews) the serving Certificate. */
function certManagerDocuments(ns: string): GeneratedDoc[] {
  const privateKey = { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' };
  return [
    {
      object: { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: NAMES.selfSignedIssuer, namespace: ns, labels: labels() }, spec: { selfSigned: {} } },
      comment: ['Signs the CA below, and nothing else.'],
    },
    {
      object: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: NAMES.caCertificate, namespace: ns, labels: labels() },
        spec: {
          isCA: true,
          commonName: 'meshward-webhook-ca',
          secretName: NAMES.caSecret,
          duration: '87600h',
          privateKey,
          issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: NAMES.selfSignedIssuer },
        },
      },
      comment: ['The webhook\'s own CA, trusted only through this webhook configuration\'s caBundle.'],
    },
    {
      object: { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: NAMES.caIssuer, namespace: ns, labels: labels() }, spec: { ca: { secretName: NAMES.caSecret } } },
      comment: ['Issues the serving certificate from that CA.'],
    },
    {
      object: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: NAMES.servingCertificate, namespace: ns, labels: labels() },
        spec: {
          secretName: NAMES.tlsSecret,
          dnsNames: serviceDnsNames(ns),
          duration: '2160h',
          renewBefore: '720h',
          privateKey,
          usages: ['server auth', 'digital signature'],
          issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: NAMES.caIssuer },
        },
      },
      comment: ['The serving certificate, renewed by cert-manager; the server reloads it from its Secret volume.'],
    },
  ];
}
