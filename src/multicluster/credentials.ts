import { X509Certificate } from 'node:crypto';
import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import type { KubeconfigSource } from '../kubeconfig/rules.js';
import { isObject } from '../model/workloads.js';
import { parseKubeconfig, field, type ParsedKubeconfig } from '../kubeconfig/parse.js';
import { credentialsOf, type CredentialInfo } from '../kubeconfig/judge.js';

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

/** Secret values from `data` (base64) and `stringData`, bounded; never logged. */
export function secretValues(r: Resource): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(isObject(r.obj?.data) ? r.obj.data : {})) {
    if (typeof v !== 'string' || v.length > (MAX_VALUE_BYTES * 4) / 3 + 4) continue;
    out.set(k, Buffer.from(v, 'base64').toString('utf8'));
  }
  for (const [k, v] of Object.entries(isObject(r.obj?.stringData) ? r.obj.stringData : {})) {
    if (typeof v === 'string' && v.length <= MAX_VALUE_BYTES) out.set(k, v);
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
function argoKubeconfig(values: Map<string, string>): string | null {
  const server = values.get('server');
  let config: any = {};
  try {
    config = JSON.parse(values.get('config') ?? '{}');
  } catch {
    config = {};
  }
  if (!isObject(config)) config = {};
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

/**
 * The kubeconfigs carried by credential Secrets, for the KCF rules inside `meshward scan`: each
 * points at the Secret field holding it (Argo CD's rebuilt kubeconfig points at its `config`).
 */
export function kubeconfigSources(model: MeshModel): KubeconfigSource[] {
  const out: KubeconfigSource[] = [];
  const consumers: Record<CredentialFlavour, string> = { istio: 'istiod', kiali: 'Kiali', argocd: 'Argo CD', linkerd: 'the Linkerd service mirror' };
  for (const secret of model.ofKind('', 'Secret')) {
    const flavour = credentialFlavour(secret);
    if (!flavour) continue;
    const values = secretValues(secret);
    const fieldOf = (k: string): PathSegment[] => [isObject(secret.obj?.stringData) && Object.hasOwn(secret.obj.stringData, k) ? 'stringData' : 'data', k];
    if (flavour === 'argocd') {
      const text = argoKubeconfig(values);
      if (text) out.push({ resource: secret, path: fieldOf(values.has('config') ? 'config' : 'server'), text, consumer: consumers.argocd });
    } else if (flavour === 'linkerd') {
      const text = values.get('kubeconfig');
      if (text) out.push({ resource: secret, path: fieldOf('kubeconfig'), text, consumer: consumers.linkerd });
    } else {
      for (const [k, text] of values) out.push({ resource: secret, path: fieldOf(k), text, consumer: consumers[flavour] });
    }
  }
  return out;
}
