/**
 * `meshward generate agent` and `meshward generate server` (and, object for object, the `agent` and
 * `server` parts of charts/meshward): what the relay needs in a cluster (docs/relay-deploy.md).
 *
 * As in src/webhook/generate-webhook.ts, every object is plain data serialized only by the YAML emitter
 * (src/tenancy/yaml-out.ts), and every value from the user is validated first (DNS-1123 names, the
 * cluster-name pattern of the wire protocol, an https URL reduced to host and port, an image reference
 * grammar, bounded numbers, a Kubernetes quantity), so no value can start a key, a comment or a document.
 *
 * No secret value is ever part of the output: the bootstrap token, the server's CA key, its API tokens
 * and the database URL are referenced by Secret name; the user creates those Secrets (the commands are
 * printed and documented). Only the server's CA certificate (public) may be embedded, in a ConfigMap.
 */
import { allRules } from '../rules/index.js';
import { rbacDocuments, readRole } from '../cluster/rbac.js';
import type { GeneratedDoc } from '../tenancy/yaml-out.js';
import { meshwardNamespace } from '../webhook/generate-webhook.js';
import { isIP } from 'node:net';
import { CLUSTER_NAME_PATTERN, DEFAULT_AGENT_PORT, DEFAULT_API_PORT } from './protocol.js';
import { AGENT_NODE_OPTIONS, SERVER_NODE_OPTIONS } from './node-options.js';
import { DNS_LABEL } from '../model/names.js';

export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/meshward/meshward';

/** Fixed object names: the chart uses the same ones, so both install paths produce the same cluster. */
export const RELAY_NAMES = {
  agent: 'meshward-agent',
  agentClusterRole: 'meshward-agent-reader',
  agentCredentialsRole: 'meshward-agent-credentials',
  /** The Secret the agent keeps its key and certificate in (SecretCredentialStore's default name). */
  agentCredentialsSecret: 'meshward-agent-credentials',
  /** The user creates it from `meshward server register-cluster` output; key `token`. */
  agentBootstrapSecret: 'meshward-agent-bootstrap',
  /** The server's CA certificate (public), key `ca.crt`. */
  agentServerCaConfigMap: 'meshward-agent-server-ca',
  server: 'meshward-server',
  serverData: 'meshward-server-data',
  /** ca.crt, ca.key (the agent CA) and tls.crt, tls.key (the agent port's serving certificate). */
  serverCaSecret: 'meshward-server-ca',
  /** Key `tokens.yaml`: the API's hashed bearer tokens (docs/relay.md). */
  serverTokensSecret: 'meshward-server-tokens',
} as const;

export const RUN_AS = 65532;
export const AGENT_MOUNTS = { bootstrap: '/etc/meshward/bootstrap', serverCa: '/etc/meshward/server-ca' } as const;
/** The agent's probe port (`meshward agent --health-port`, plain HTTP on the pod IP, for the kubelet only). */
export const AGENT_HEALTH_PORT = 8081;
export const SERVER_MOUNTS = { ca: '/etc/meshward/ca', tokens: '/etc/meshward/tokens', data: '/var/lib/meshward' } as const;
/** PostgreSQL's port, the one the server's egress is opened to. */
export const POSTGRES_PORT = 5432;

export interface AgentDeployOptions {
  namespace: string;
  image: string;
  cluster: string;
  /** `--server`: an https URL; only its host and port are kept. */
  server: string;
  /** PEM of the server's CA certificate(s), written into a ConfigMap; null: the user creates the ConfigMap. */
  serverCaPem: string | null;
  /** Address blocks of the API server's endpoints (`kubectl get endpoints kubernetes`); empty: any address, on its ports. */
  apiServerCidrs: string[];
  /** Address blocks of the relay server as this cluster reaches it; empty: any address, on its port. */
  serverCidrs: string[];
}

export interface ServerDeployOptions {
  namespace: string;
  image: string;
  replicas: number;
  /** A Secret in `namespace` with `url` (postgres://..., no password) and optionally `password`; null: SQLite on a volume. */
  databaseSecret: string | null;
  /** Size of the SQLite volume (a Kubernetes quantity). */
  storage: string;
  /** Address blocks of the PostgreSQL server; empty: any address, on port 5432. */
  databaseCidrs: string[];
}

export function defaultAgentOptions(version: string): Omit<AgentDeployOptions, 'cluster' | 'server'> {
  return { namespace: 'meshward', image: `${DEFAULT_IMAGE_REPOSITORY}:${version}`, serverCaPem: null, apiServerCidrs: [], serverCidrs: [] };
}

export function defaultServerOptions(version: string): ServerDeployOptions {
  return { namespace: 'meshward', image: `${DEFAULT_IMAGE_REPOSITORY}:${version}`, replicas: 1, databaseSecret: null, storage: '10Gi', databaseCidrs: [] };
}

export class RelayDeployError extends Error {}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** The same image grammar as the webhook generator's (and the chart schema's). */
const IMAGE_REF =
  /^(?=.{1,512}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A host name (DNS subdomain) or a dotted IPv4 address; the chart schema holds the same. */
export const SERVER_HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** A Kubernetes storage quantity, bounded: 1 to 99999 of Mi, Gi or Ti. */
export const STORAGE_QUANTITY = /^[1-9][0-9]{0,4}(Mi|Gi|Ti)$/;
/** PEM CERTIFICATE blocks only, as parseTrustedCas writes them (the chart schema holds the same pattern). */
const PEM_CERTIFICATES = /^(?=[\s\S]{1,262144}$)(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n)+$/;

function shown(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 80));
}

/** `https://host[:port]` with nothing else: the host and port the agent dials (and its egress is opened to). */
export function parseServerUrl(text: unknown): { host: string; port: number } {
  const fail = (why: string) => new RelayDeployError(`--server: ${shown(text)} ${why} (expected https://HOST[:PORT], e.g. https://relay.example.com:${DEFAULT_AGENT_PORT})`);
  if (typeof text !== 'string' || text.length > 300) throw fail('is not a URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol !== 'https:') throw fail('must use https (agents speak mutual TLS to the server)');
  if (url.username || url.password) throw fail('must not hold credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw fail('must have no path, query or fragment');
  if (!SERVER_HOST.test(url.hostname)) throw fail('must name a DNS host or an IPv4 address');
  const port = url.port ? Number(url.port) : 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('has no valid port');
  return { host: url.hostname, port };
}

export function serverUrl(host: string, port: number): string {
  return `https://${host}:${port}`;
}

/** An IPv4 or IPv6 CIDR block, not the whole address family (that would be no limit at all). */
export function isNarrowCidr(text: unknown): boolean {
  if (typeof text !== 'string' || text.length > 50) return false;
  const m = /^([0-9a-fA-F.:]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return false;
  const family = isIP(m[1]!);
  const prefix = Number(m[2]);
  if (family === 0 || prefix < 1 || prefix > (family === 4 ? 32 : 128)) return false;
  return true;
}

function validateCidrs(flag: string, list: unknown): void {
  if (!Array.isArray(list) || list.length > 32) throw new RelayDeployError(`${flag}: give at most 32 address blocks`);
  for (const c of list) {
    if (!isNarrowCidr(c)) throw new RelayDeployError(`${flag}: ${shown(c)} is not an address block such as 10.0.0.1/32 or fd00::/64 (0.0.0.0/0 and ::/0 are no limit: leave the flag out instead)`);
  }
}

function validateCommon(o: { namespace: unknown; image: unknown }): void {
  if (typeof o.namespace !== 'string' || !DNS_LABEL.test(o.namespace)) {
    throw new RelayDeployError(`--namespace: ${shown(o.namespace)} is not a valid namespace name (DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`);
  }
  if (typeof o.image !== 'string' || !IMAGE_REF.test(o.image)) {
    throw new RelayDeployError(`--image: ${shown(o.image)} is not an image reference (registry/repository[:tag][@sha256:digest], e.g. ${DEFAULT_IMAGE_REPOSITORY}:1.0.0)`);
  }
}

export function validateAgentOptions(o: AgentDeployOptions): void {
  validateCommon(o);
  if (typeof o.cluster !== 'string' || !CLUSTER_NAME_PATTERN.test(o.cluster)) {
    throw new RelayDeployError(`--cluster: ${shown(o.cluster)} is not a valid cluster name (a DNS-1123 label, as given to \`meshward server register-cluster\`)`);
  }
  parseServerUrl(o.server);
  if (o.serverCaPem !== null && (typeof o.serverCaPem !== 'string' || !PEM_CERTIFICATES.test(o.serverCaPem))) {
    throw new RelayDeployError('--server-ca-file: not PEM text (give the server\'s CA certificate, ca.crt)');
  }
  validateCidrs('--api-server-cidr', o.apiServerCidrs);
  validateCidrs('--server-cidr', o.serverCidrs);
}

export function validateServerOptions(o: ServerDeployOptions): void {
  validateCommon(o);
  if (!Number.isInteger(o.replicas) || o.replicas < 1 || o.replicas > 20) throw new RelayDeployError(`--replicas: ${shown(o.replicas)} must be a whole number from 1 to 20`);
  if (o.databaseSecret === null) {
    // SQLite is one file on one volume: a second writer would corrupt nothing (SQLite locks) but could not start.
    if (o.replicas !== 1) throw new RelayDeployError('--replicas: more than one replica needs PostgreSQL (--database-secret NAME); SQLite (the default) runs one replica on one volume');
    if (typeof o.storage !== 'string' || !STORAGE_QUANTITY.test(o.storage)) throw new RelayDeployError(`--storage: ${shown(o.storage)} is not a size such as 10Gi (1 to 99999 Mi, Gi or Ti)`);
  } else if (typeof o.databaseSecret !== 'string' || !DNS_SUBDOMAIN.test(o.databaseSecret)) {
    throw new RelayDeployError(`--database-secret: ${shown(o.databaseSecret)} is not a valid Secret name (DNS-1123 subdomain: lower-case letters, digits, "-" and ".")`);
  }
  validateCidrs('--database-cidr', o.databaseCidrs);
  if (o.databaseSecret === null && o.databaseCidrs.length) throw new RelayDeployError('--database-cidr is for PostgreSQL (--database-secret NAME): with SQLite the server has no egress at all');
}

function labels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'meshward', 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'meshward' };
}
const selector = (component: string) => ({ 'app.kubernetes.io/name': 'meshward', 'app.kubernetes.io/component': component });

/**
 * The namespace, the same object `generate webhook` writes (so the three can share it, and the chart
 * renders one): Pod Security "restricted", outside the mesh. The relay carries its own mutual TLS end to
 * end (agents in other clusters cannot hold this mesh's identities), so a sidecar would only be in the way;
 * BYP008 is acknowledged and the NetworkPolicies isolate the pods instead.
 */
export function namespaceDocument(ns: string): GeneratedDoc {
  return {
    object: meshwardNamespace(ns, (m) => new RelayDeployError(m)),
    comment: [
      'meshward\'s namespace (shared with the webhook): Pod Security "restricted", outside the mesh (the relay speaks its own mutual TLS',
      'end to end), so BYP008 is acknowledged here and the NetworkPolicies isolate the pods.',
    ],
  };
}

const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};
const POD_SECURITY = { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: 'RuntimeDefault' } };

/** DNS to the cluster's kube-dns only (the label CoreDNS keeps in kubeadm, EKS, GKE and AKS): name lookups of the relay server and the database. */
const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

/** An egress rule to these ports, to the given blocks (or, with none, to any address on them). */
function egressTo(cidrs: readonly string[], ports: readonly number[]): Record<string, unknown> {
  const rule: Record<string, unknown> = {};
  if (cidrs.length) rule.to = cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  rule.ports = ports.map((port) => ({ protocol: 'TCP', port }));
  return rule;
}

/** The agent's command line: only flags `meshward agent` takes. */
export function agentArgs(o: AgentDeployOptions): string[] {
  const { host, port } = parseServerUrl(o.server);
  return [
    'agent',
    '--in-cluster',
    '--server',
    serverUrl(host, port),
    '--cluster',
    o.cluster,
    '--bootstrap-token-file',
    `${AGENT_MOUNTS.bootstrap}/token`,
    '--server-ca',
    `${AGENT_MOUNTS.serverCa}/ca.crt`,
    '--health-port',
    String(AGENT_HEALTH_PORT),
  ];
}

/** Every object of `generate agent`, in apply order, each with a comment saying why it is there. */
export function agentDocuments(o: AgentDeployOptions): GeneratedDoc[] {
  validateAgentOptions(o);
  const ns = o.namespace;
  const { port: serverPort } = parseServerUrl(o.server);
  const docs: GeneratedDoc[] = [namespaceDocument(ns)];

  // Exactly `meshward rbac` for every rule, under the agent's names: the agent sends what the rules read.
  const [serviceAccount, clusterRole, binding] = rbacDocuments(readRole(allRules), {
    role: RELAY_NAMES.agentClusterRole,
    binding: RELAY_NAMES.agentClusterRole,
    serviceAccount: RELAY_NAMES.agent,
    namespace: ns,
  });
  docs.push(
    { object: serviceAccount!.object, comment: ['The identity the agent runs as.'] },
    { object: clusterRole!.object, comment: ['The agent\'s read-only access: exactly what `meshward rbac` prints (list and watch on the kinds the rules read, get on discovery).', ...clusterRole!.comment.slice(1)] },
    { object: binding!.object, comment: binding!.comment },
  );

  const credLabels = labels('agent');
  docs.push({
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: RELAY_NAMES.agentCredentialsRole, namespace: ns, labels: credLabels },
      rules: [
        // Its own credentials Secret only: read at start, replaced at each renewal.
        { apiGroups: [''], resources: ['secrets'], resourceNames: [RELAY_NAMES.agentCredentialsSecret], verbs: ['get', 'update'] },
        // RBAC cannot limit create by name (the name is not known before the object exists): create in
        // this namespace only, used once, at the first enrollment.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    },
    comment: [
      `The only write the agent may do: its own key and certificate, in Secret ${RELAY_NAMES.agentCredentialsSecret} of this namespace (get and update on that name;`,
      'create, which RBAC cannot narrow to a name, in this namespace only). It writes nothing in the cluster it watches.',
    ],
  });
  docs.push({
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: RELAY_NAMES.agentCredentialsRole, namespace: ns, labels: credLabels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RELAY_NAMES.agentCredentialsRole },
      subjects: [{ kind: 'ServiceAccount', name: RELAY_NAMES.agent, namespace: ns }],
    },
    comment: ['In the agent\'s namespace only.'],
  });

  if (o.serverCaPem !== null) {
    docs.push({
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: RELAY_NAMES.agentServerCaConfigMap, namespace: ns, labels: credLabels },
        data: { 'ca.crt': o.serverCaPem },
      },
      comment: ['The relay server\'s CA certificate (public): the agent trusts the server through it, and nothing else.'],
    });
  }

  docs.push({
    object: agentDeployment(o),
    comment: [
      'One replica (two agents of one cluster would fight over its cursor): non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp.',
      `Probes on ${AGENT_HEALTH_PORT}/TCP (plain HTTP, pod IP): /healthz while the process runs, /readyz while it is enrolled, synced and acknowledged by the server.`,
      `The bootstrap token comes from Secret ${RELAY_NAMES.agentBootstrapSecret} (created by you, never part of this file); the server accepts it once, then refuses it.`,
    ],
  });

  docs.push({
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: RELAY_NAMES.agent, namespace: ns, labels: credLabels },
      spec: {
        podSelector: { matchLabels: selector('agent') },
        policyTypes: ['Ingress', 'Egress'],
        // Nothing calls the agent. (The kubelet's probes come from the pod's node, which NetworkPolicy always allows.)
        ingress: [],
        egress: [
          DNS_EGRESS,
          // The API server: not a pod, so by address (its endpoints, as NetworkPolicy sees traffic after the
          // Service's translation) or, without --api-server-cidr, by port alone (docs/relay-deploy.md).
          egressTo(o.apiServerCidrs, [443, 6443]),
          // The relay server.
          egressTo(o.serverCidrs, [serverPort]),
        ],
      },
    },
    comment: [
      `Nothing in; out only to kube-dns, the API server (443 and 6443/TCP) and the relay server (${serverPort}/TCP).`,
      o.apiServerCidrs.length && o.serverCidrs.length
        ? 'Both by address block (--api-server-cidr, --server-cidr).'
        : 'NetworkPolicy selects pods and address blocks, not a host name: without --api-server-cidr / --server-cidr those ports are open to any address (docs/relay-deploy.md).',
    ],
  });
  return docs;
}

function agentDeployment(o: AgentDeployOptions): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: RELAY_NAMES.agent, namespace: o.namespace, labels: labels('agent') },
    spec: {
      replicas: 1,
      // Never two agents of one cluster at once (the old one stops before the new one starts).
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector('agent') },
      template: {
        metadata: { labels: labels('agent') },
        spec: {
          serviceAccountName: RELAY_NAMES.agent,
          // The agent reads the cluster with this token (--in-cluster).
          automountServiceAccountToken: true,
          securityContext: POD_SECURITY,
          containers: [
            {
              name: 'agent',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: agentArgs(o),
              // The probes listen on the pod IP only (not every interface of the pod).
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                // A young generation that holds a snapshot part's text (src/relay/node-options.ts).
                { name: 'NODE_OPTIONS', value: AGENT_NODE_OPTIONS },
              ],
              ports: [{ name: 'health', containerPort: AGENT_HEALTH_PORT, protocol: 'TCP' }],
              // Alive while the process answers; ready while enrolled, synced and acknowledged by the server within two minutes.
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [
                { name: 'bootstrap', mountPath: AGENT_MOUNTS.bootstrap, readOnly: true },
                { name: 'server-ca', mountPath: AGENT_MOUNTS.serverCa, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            // Not optional: the pod waits for the Secret (created from register-cluster's output), and
            // `meshward agent` reads --bootstrap-token-file at every start, enrolled or not.
            { name: 'bootstrap', secret: { secretName: RELAY_NAMES.agentBootstrapSecret, defaultMode: 0o440 } },
            { name: 'server-ca', configMap: { name: RELAY_NAMES.agentServerCaConfigMap } },
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

/** The server's command line: only flags `meshward server` takes. */
export function serverArgs(o: ServerDeployOptions): string[] {
  return [
    'server',
    ...(o.databaseSecret === null ? ['--data', SERVER_MOUNTS.data] : ['--database', '$(MESHWARD_DATABASE_URL)']),
    '--agent-port',
    String(DEFAULT_AGENT_PORT),
    '--api-port',
    String(DEFAULT_API_PORT),
    '--tokens-file',
    `${SERVER_MOUNTS.tokens}/tokens.yaml`,
    '--ca-cert',
    `${SERVER_MOUNTS.ca}/ca.crt`,
    '--ca-key',
    `${SERVER_MOUNTS.ca}/ca.key`,
    '--serving-cert',
    `${SERVER_MOUNTS.ca}/tls.crt`,
    '--serving-key',
    `${SERVER_MOUNTS.ca}/tls.key`,
  ];
}

/** Every object of `generate server`, in apply order, each with a comment saying why it is there. */
export function serverDocuments(o: ServerDeployOptions): GeneratedDoc[] {
  validateServerOptions(o);
  const ns = o.namespace;
  const sqlite = o.databaseSecret === null;
  const docs: GeneratedDoc[] = [namespaceDocument(ns)];

  if (sqlite) {
    docs.push({
      object: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: RELAY_NAMES.serverData, namespace: ns, labels: labels('server') },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage } } },
      },
      comment: ['The SQLite store (WAL): one volume, one replica. Resolved findings are kept --retention (default 90 days).'],
    });
  }

  docs.push({
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: RELAY_NAMES.server, namespace: ns, labels: labels('server') },
      spec: {
        type: 'ClusterIP',
        selector: selector('server'),
        ports: [
          { name: 'agents', port: DEFAULT_AGENT_PORT, targetPort: 'agents', protocol: 'TCP' },
          { name: 'http-api', port: DEFAULT_API_PORT, targetPort: 'http-api', protocol: 'TCP' },
        ],
      },
    },
    comment: [
      `Agents connect to ${DEFAULT_AGENT_PORT} (mutual TLS, terminated by the server itself: expose it with TLS passthrough, never a terminating proxy);`,
      `the API, /metrics and the health checks are on ${DEFAULT_API_PORT} (put an authenticating TLS proxy in front).`,
    ],
  });

  docs.push({
    object: serverDeployment(o),
    comment: sqlite
      ? ['The server, SQLite: one replica, Recreate (the volume is mounted by one pod at a time). No service account token: it never talks to a cluster.']
      : [`The server, PostgreSQL: ${o.replicas} replica${o.replicas === 1 ? '' : 's'} sharing the database and the agent CA. No service account token: it never talks to a cluster.`],
  });

  docs.push({
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: RELAY_NAMES.server, namespace: ns, labels: labels('server') },
      spec: {
        podSelector: { matchLabels: selector('server') },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: DEFAULT_AGENT_PORT }, { protocol: 'TCP', port: DEFAULT_API_PORT }] }],
        // The server never connects to anything an agent sent; with PostgreSQL it reaches its database only.
        egress: sqlite ? [] : [DNS_EGRESS, egressTo(o.databaseCidrs, [POSTGRES_PORT])],
      },
    },
    comment: sqlite
      ? [`In: ${DEFAULT_AGENT_PORT} (agents) and ${DEFAULT_API_PORT} (API) only. Out: nothing (the server never makes an outbound connection).`]
      : [`In: ${DEFAULT_AGENT_PORT} (agents) and ${DEFAULT_API_PORT} (API) only. Out: DNS and PostgreSQL (${POSTGRES_PORT}/TCP) only.`],
  });

  if (o.replicas > 1) {
    docs.push({
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: RELAY_NAMES.server, namespace: ns, labels: labels('server') },
        spec: { maxUnavailable: 1, selector: { matchLabels: selector('server') } },
      },
      comment: ['Drains take one replica at a time: agents and API clients keep a server.'],
    });
  }
  return docs;
}

function serverDeployment(o: ServerDeployOptions): Record<string, unknown> {
  const sqlite = o.databaseSecret === null;
  const container: Record<string, unknown> = {
    name: 'server',
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: serverArgs(o),
  };
  container.env = [
    // A young generation that holds an ingested part while it is written (src/relay/node-options.ts).
    { name: 'NODE_OPTIONS', value: SERVER_NODE_OPTIONS },
    // The URL from the Secret, expanded by the kubelet into --database; the password apart, in PGPASSWORD
    // (read by pg), so it never sits in the pod's command line.
    ...(sqlite
      ? []
      : [
          { name: 'MESHWARD_DATABASE_URL', valueFrom: { secretKeyRef: { name: o.databaseSecret, key: 'url' } } },
          { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: o.databaseSecret, key: 'password', optional: true } } },
        ]),
  ];
  Object.assign(container, {
    ports: [
      { name: 'agents', containerPort: DEFAULT_AGENT_PORT, protocol: 'TCP' },
      { name: 'http-api', containerPort: DEFAULT_API_PORT, protocol: 'TCP' },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http-api' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http-api' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '4Gi' } },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      { name: 'ca', mountPath: SERVER_MOUNTS.ca, readOnly: true },
      { name: 'tokens', mountPath: SERVER_MOUNTS.tokens, readOnly: true },
      ...(sqlite ? [{ name: 'data', mountPath: SERVER_MOUNTS.data }] : []),
      { name: 'tmp', mountPath: '/tmp' },
    ],
  });
  const spec: Record<string, unknown> = {
    // The server never talks to a Kubernetes API: no token in the pod.
    automountServiceAccountToken: false,
    securityContext: POD_SECURITY,
  };
  if (!sqlite) {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector('server') } } }],
      },
    };
  }
  spec.containers = [container];
  spec.volumes = [
    { name: 'ca', secret: { secretName: RELAY_NAMES.serverCaSecret, defaultMode: 0o440 } },
    { name: 'tokens', secret: { secretName: RELAY_NAMES.serverTokensSecret, defaultMode: 0o440 } },
    ...(sqlite ? [{ name: 'data', persistentVolumeClaim: { claimName: RELAY_NAMES.serverData } }] : []),
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: RELAY_NAMES.server, namespace: o.namespace, labels: labels('server') },
    spec: {
      replicas: o.replicas,
      ...(sqlite ? { strategy: { type: 'Recreate' } } : {}),
      selector: { matchLabels: selector('server') },
      template: { metadata: { labels: labels('server') }, spec },
    },
  };
}
