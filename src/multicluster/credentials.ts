import { X509Certificate } from 'node:crypto';
import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import type { KubeconfigSource } from '../kubeconfig/rules.js';
import { isObject } from '../model/workloads.js';
import { parseKubeconfig, field, type ParsedKubeconfig } from '../kubeconfig/parse.js';
import { credentialsOf, type CredentialInfo } from '../kubeconfig/judge.js';
import { judgeKubeconfigSource } from '../kubeconfig/rules.js';
import { jsonErrorPosition } from '../engine/redact.js';
import { terminalSafe } from '../engine/text.js';
import { pathToString } from '../model/resource.js';

/** Which product stored the credential; each keeps other clusters' kubeconfigs in Secrets its own way. */
export type CredentialFlavour = 'istio' | 'kiali' | 'argocd' | 'linkerd';

export interface StoredCredential {
  flavour: CredentialFlavour;
  secret: Resource;
  /** The data key holding it (Istio and Kiali: one key per target cluster). */
  dataKey: string;
  /** The cluster the Secret says it is for: data key, `networking.istio.io/cluster`, Argo CD `name`, Linkerd link name. */
  target: string | null;
  kubeconfig: ParsedKubeconfig;
  /** Every user of the kubeconfig, with the principal it authenticates as when that can be read off it. */
  users: Array<CredentialInfo & { principal: string | null; groups: string[]; servers: string[] }>;
}

const MAX_VALUE_BYTES = 1024 * 1024;

/** Does this Secret carry another cluster's credentials? */
export function credentialFlavour(r: Resource): CredentialFlavour | null {
  if (r.kind !== 'Secret' || r.group !== '') return null;
  // `istio-kubeconfig` is the Secret an external control plane reads its config cluster from.
  if (r.labels['istio/multiCluster'] === 'true' || r.name.startsWith('istio-remote-secret-') || r.name === 'istio-kubeconfig') return 'istio';
  if (r.labels['kiali.io/multiCluster'] === 'true') return 'kiali';
  if (r.labels['argocd.argoproj.io/secret-type'] === 'cluster') return 'argocd';
  if (r.obj?.type === 'mirror.linkerd.io/remote-kubeconfig') return 'linkerd';
  return null;
}

/** A value of a Secret that could not be used: not a string, or over the size a Secret can hold. */
export interface UnreadableValue {
  field: 'data' | 'stringData';
  key: string;
  reason: string;
}

/** Secret values from `data` (base64) and `stringData`, bounded; never logged. */
export function secretValues(r: Resource, unreadable?: UnreadableValue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of ['data', 'stringData'] as const) {
    const values = r.obj?.[field];
    if (!isObject(values)) continue;
    for (const [k, v] of Object.entries(values)) {
      const limit = field === 'data' ? Math.ceil(MAX_VALUE_BYTES / 3) * 4 + 4 : MAX_VALUE_BYTES;
      if (typeof v !== 'string') unreadable?.push({ field, key: k, reason: `is ${v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`}, not a string` });
      else if (v.length > limit) unreadable?.push({ field, key: k, reason: `is ${v.length} characters, over the ${MAX_VALUE_BYTES}-byte limit of a Secret value` });
      else out.set(k, field === 'data' ? Buffer.from(v, 'base64').toString('utf8') : v);
    }
  }
  return out;
}

/** Every stored credential in a model, parsed as data (nothing executed, opened or fetched). */
export function storedCredentials(model: MeshModel): StoredCredential[] {
  const out: StoredCredential[] = [];
  for (const secret of model.ofKind('', 'Secret')) {
    const flavour = credentialFlavour(secret);
    if (!flavour) continue;
    const values = secretValues(secret);
    const annotated = secret.annotations['networking.istio.io/cluster'] ?? null;
    const add = (dataKey: string, text: string, target: string | null) => {
      const kubeconfig = parseKubeconfig(text, { file: `Secret ${secret.namespace}/${secret.name}[${dataKey}]` });
      out.push({ flavour, secret, dataKey, target, kubeconfig, users: principals(kubeconfig) });
    };
    if (flavour === 'argocd') {
      const text = argoKubeconfig(values);
      if (text) add('config', text, values.get('name') ?? null);
    } else if (flavour === 'linkerd') {
      const text = values.get('kubeconfig');
      if (text) add('kubeconfig', text, secret.labels['multicluster.linkerd.io/cluster-name'] ?? secret.name.replace(/^cluster-credentials-/, ''));
    } else {
      for (const [k, text] of values) add(k, text, flavour === 'istio' ? (annotated ?? k) : k);
    }
  }
  return out;
}

/**
 * Argo CD keeps `server` and a JSON `config` (bearerToken, tlsClientConfig, execProviderConfig...)
 * rather than a kubeconfig; rebuild the equivalent kubeconfig so the same judge reads it.
 */
function argoKubeconfig(values: Map<string, string>, problems?: string[]): string | null {
  const server = values.get('server');
  let config: any = {};
  try {
    config = JSON.parse(values.get('config') ?? '{}');
  } catch (err) {
    // Argo CD cannot use the cluster either; but its exec provider or token must not go unchecked unnoticed.
    problems?.push(`is not valid JSON${jsonErrorPosition(values.get('config') ?? '', err)}`);
    config = {};
  }
  if (!isObject(config)) {
    if (values.has('config') && config !== null && typeof config !== 'object') problems?.push('is not a JSON object');
    config = {};
  }
  const tls = isObject(config.tlsClientConfig) ? config.tlsClientConfig : {};
  const user: Record<string, unknown> = {};
  if (typeof config.bearerToken === 'string') user.token = config.bearerToken;
  if (typeof tls.certData === 'string') user['client-certificate-data'] = tls.certData;
  if (typeof tls.keyData === 'string') user['client-key-data'] = tls.keyData;
  if (isObject(config.execProviderConfig)) user.exec = config.execProviderConfig;
  const cluster: Record<string, unknown> = { server: server ?? '' };
  if (tls.insecure === true) cluster['insecure-skip-tls-verify'] = true;
  if (typeof tls.caData === 'string') cluster['certificate-authority-data'] = tls.caData;
  if (typeof tls.serverName === 'string') cluster['tls-server-name'] = tls.serverName;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: values.get('name') ?? 'argocd', cluster }],
    users: [{ name: 'argocd', user }],
    contexts: [{ name: 'argocd', context: { cluster: values.get('name') ?? 'argocd', user: 'argocd' } }],
    'current-context': 'argocd',
  });
}

/**
 * The identity each kubeconfig user authenticates as, when the credential itself says: a service
 * account token's subject, or a client certificate's CN (user) and O (groups). Exec plugins and
 * auth providers yield whatever the command returns: unknown.
 */
function principals(k: ParsedKubeconfig): StoredCredential['users'] {
  const infos = credentialsOf(k);
  return infos.map((info) => {
    let principal: string | null = null;
    let groups: string[] = [];
    if (info.jwt?.namespace && info.jwt.serviceAccount) principal = `serviceaccount:${info.jwt.namespace}:${info.jwt.serviceAccount}`;
    else if (info.jwt?.subject) principal = `user:${info.jwt.subject}`;
    const entry = k.users.find((u) => u.name === info.user);
    const certData = entry ? field(entry.raw, 'client-certificate-data')?.value : undefined;
    if (!principal && typeof certData === 'string' && certData.length < MAX_VALUE_BYTES) {
      try {
        const cert = new X509Certificate(Buffer.from(certData, 'base64'));
        const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
        groups = [...cert.subject.matchAll(/(?:^|\n)O=([^\n]+)/g)].map((m) => m[1]);
        if (cn) principal = `user:${cn}`;
      } catch {
        /* not a certificate: principal stays unknown */
      }
    }
    return { ...info, principal, groups, servers: info.servers };
  });
}

/** Identity of a stored credential for messages: `Secret ns/name[key]` (never its value). */
export function describeCredential(c: StoredCredential): string {
  return `Secret ${c.secret.namespace}/${c.secret.name}[${c.dataKey}]`;
}

const CONSUMERS: Record<CredentialFlavour, string> = { istio: 'istiod', kiali: 'Kiali', argocd: 'Argo CD', linkerd: 'the Linkerd service mirror' };

/** A credential Secret field that holds (or should hold) a kubeconfig and could not be read. */
export interface CredentialProblem {
  secret: Resource;
  /** The Secret field at fault, e.g. `['data', 'east']`. */
  path: PathSegment[];
  /** Line inside the decoded kubeconfig, when the problem is there (1-based; 0 when unknown). */
  kubeconfigLine: number;
  /** What is wrong; holds no secret value. */
  reason: string;
}

/**
 * The kubeconfigs carried by credential Secrets, for the KCF rules inside `meshward scan`: each
 * points at the Secret field holding it (Argo CD's rebuilt kubeconfig points at its `config`).
 */
export function kubeconfigSources(model: MeshModel): KubeconfigSource[] {
  return extract(model).sources;
}

const EXTRACTED = new WeakMap<MeshModel, { sources: KubeconfigSource[]; problems: CredentialProblem[] }>();

function extract(model: MeshModel): { sources: KubeconfigSource[]; problems: CredentialProblem[] } {
  const cached = EXTRACTED.get(model);
  if (cached) return cached;
  const sources: KubeconfigSource[] = [];
  const problems: CredentialProblem[] = [];
  for (const secret of model.ofKind('', 'Secret')) {
    const flavour = credentialFlavour(secret);
    if (!flavour) continue;
    const unreadable: UnreadableValue[] = [];
    const values = secretValues(secret, unreadable);
    for (const u of unreadable) problems.push({ secret, path: [u.field, u.key], kubeconfigLine: 0, reason: `the value ${u.reason}` });
    const fieldOf = (k: string): PathSegment[] => [isObject(secret.obj?.stringData) && Object.hasOwn(secret.obj.stringData, k) ? 'stringData' : 'data', k];
    if (flavour === 'argocd') {
      const configProblems: string[] = [];
      const text = argoKubeconfig(values, configProblems);
      for (const reason of configProblems) problems.push({ secret, path: fieldOf('config'), kubeconfigLine: 0, reason: `Argo CD's cluster config ${reason}` });
      if (text) sources.push({ resource: secret, path: fieldOf(values.has('config') ? 'config' : 'server'), text, consumer: CONSUMERS.argocd });
    } else if (flavour === 'linkerd') {
      const text = values.get('kubeconfig');
      if (text) sources.push({ resource: secret, path: fieldOf('kubeconfig'), text, consumer: CONSUMERS.linkerd });
    } else {
      for (const [k, text] of values) sources.push({ resource: secret, path: fieldOf(k), text, consumer: CONSUMERS[flavour] });
    }
  }
  // A kubeconfig that does not parse (one custom tag is enough) would otherwise hide every hazard in it.
  for (const source of sources) {
    for (const e of judgeKubeconfigSource(source).errors) problems.push({ secret: source.resource, path: source.path, kubeconfigLine: e.line, reason: e.message });
  }
  const out = { sources, problems };
  EXTRACTED.set(model, out);
  return out;
}

/**
 * Credential Secrets whose kubeconfig could not be read (or only in part), each naming the Secret, its
 * field and the line inside the kubeconfig. Callers report them as errors and fail the run: what was
 * not read was not checked.
 */
export function credentialProblems(model: MeshModel): CredentialProblem[] {
  return extract(model).problems;
}

/** One line for an error report; names the Secret and field, never a value. */
export function describeCredentialProblem(p: CredentialProblem): string {
  const who = `Secret ${terminalSafe(p.secret.namespace ? `${p.secret.namespace}/${p.secret.name}` : p.secret.name)}`;
  const consumer = CONSUMERS[credentialFlavour(p.secret) ?? 'istio'];
  const where = p.kubeconfigLine ? ` (line ${p.kubeconfigLine} of the kubeconfig)` : '';
  return `${who} ${terminalSafe(pathToString(p.path))}: the credential ${consumer} reads could not be read${where}: ${terminalSafe(p.reason)}. Its exec plugins, token files and servers were not checked; fix or remove it.`;
}
