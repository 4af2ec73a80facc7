/**
 * Secrets as derived facts: what every Secret-reading rule needs, and nothing that is a secret.
 *
 * A Secret's values are read in exactly one place, here. Live scans (and later the webhook cache and
 * the relay agent) compute the facts on arrival in the sanitizer and drop the bytes; file scans compute
 * them lazily from the parsed object through `secretFactsOf`. Either way the rules, the credential
 * extraction and the trust checks read the same facts, so both paths give the same findings.
 *
 * What the facts hold:
 * - every Secret: the data keys (which field they came from, their decoded size) and the values that
 *   could not be read (and why);
 * - kubeconfig-carrying Secrets (Istio remote secrets, Kiali, Argo CD cluster secrets, Linkerd links):
 *   per kubeconfig, the judge's verdict (KCF findings and parse problems, already free of secret
 *   values), the identity each user authenticates as (decoded JWT claims, client certificate subject),
 *   the servers, and a redacted view of the kubeconfig in which every credential is a fingerprint;
 * - PEM values (TLS Secrets, `cacerts`, `istio-ca-secret`, any value that starts like PEM): certificate
 *   metadata (subject, issuer, SANs, validity, CA flag, key usage, SHA-256 fingerprints of the
 *   certificate and of its public key) and, for private keys, their presence and the fingerprint of
 *   their public half. Never a private key.
 *
 * Fingerprints: `sha256:` + 12 hex digits of a plain SHA-256 (engine/redact.ts, `secretFingerprint`),
 * not an HMAC keyed per run. Reasons: (1) the judge already prints these fingerprints in KCF messages
 * for file scans, and live scans must give the same messages; (2) the relay agents of different
 * clusters run in different processes, and blast radius and shared-credential checks must match one
 * credential across them, which a per-process key would break; (3) a user can check a fingerprint
 * against a credential they hold (`printf %s "$TOKEN" | sha256sum`). The cost: a fingerprint of a
 * low-entropy value (a kubeconfig password, an exec env value) can be confirmed by guessing. Tokens,
 * keys and certificates are high-entropy; the only low-entropy values fingerprinted are those the
 * judge already shows that way, and values of ordinary Secrets get no fingerprint at all (key names
 * and sizes only).
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { PathSegment, Resource } from '../model/resource.js';
import { isPlainObject } from '../kubeconfig/redact.js';
import { parseKubeconfig, field, type ParsedKubeconfig, type KubeconfigProblem } from '../kubeconfig/parse.js';
import { credentialsOf, judgeKubeconfig, type CredentialInfo, type KubeconfigFinding } from '../kubeconfig/judge.js';
import { jsonErrorPosition } from '../engine/redact.js';
import { OwnMemo } from '../model/own-memo.js';

export const SECRET_FACTS_VERSION = 1;

/** Which product stored the credential; each keeps other clusters' kubeconfigs in Secrets its own way. */
export type CredentialFlavour = 'istio' | 'kiali' | 'argocd' | 'linkerd';

/** Who reads each flavour's kubeconfigs, for messages. */
export const CREDENTIAL_CONSUMERS: Record<CredentialFlavour, string> = { istio: 'istiod', kiali: 'Kiali', argocd: 'Argo CD', linkerd: 'the Linkerd service mirror' };

/** What a Secret is, from its metadata: enough to decide which facts it gets. */
export interface SecretIdentity {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** The Secret's `type` as written (untrusted, any JSON type). */
  type: unknown;
}

/** A data key that holds a readable value. */
export interface SecretKeyFacts {
  /** `stringData` when the key is written there (it wins over `data`, as the API server merges them). */
  field: 'data' | 'stringData';
  key: string;
  /** Size of the decoded value in bytes. */
  bytes: number;
}

/** A value of a Secret that could not be used: not a string, or over the size a Secret can hold. */
export interface UnreadableValue {
  field: 'data' | 'stringData';
  key: string;
  reason: string;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** `subjectAltName` entries as Node prints them (`DNS:a.example`, `URI:spiffe://...`). */
  sans: string[];
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  /** Extended key usage OIDs, when the certificate lists them. */
  keyUsage: string[] | null;
  /** The certificate's issuer and signature match its own subject and key (a root, or self-signed). */
  issuedBySelf: boolean;
  /** `AB:CD:...`, as `X509Certificate.fingerprint256` gives it. */
  fingerprint256: string;
  /** SHA-256 (hex) of the certificate's SubjectPublicKeyInfo: pairs it with its private key. */
  publicKeyFingerprint: string | null;
}

/** What a PEM value of a Secret says about itself. */
export interface PemFacts {
  key: string;
  /** The value is empty or whitespace. */
  blank: boolean;
  /** The first certificate of the value, when it parses as one. */
  certificate: CertificateFacts | null;
  /** How many `BEGIN CERTIFICATE` blocks the value holds (a chain). */
  certificateCount: number;
  /**
   * For a certificate-named key whose value does not parse: SHA-256 (hex) of the value with white space
   * removed, so two clusters holding the same unreadable CA still compare equal. Never set for a value
   * that looks like a private key.
   */
  unparsedSha256: string | null;
  /** The value holds a private key: its presence and the fingerprint of its public half, never the key. */
  privateKey: { type: string | null; publicKeyFingerprint: string | null } | null;
}

/** The identity a stored kubeconfig user authenticates as, when the credential itself says. */
export type CredentialUser = CredentialInfo & { principal: string | null; groups: string[]; servers: string[] };

/** A kubeconfig entry as the redacted view keeps it: its name and fields, credentials fingerprinted. */
export interface RedactedEntry {
  name: string;
  fields: Record<string, unknown>;
}

export interface RedactedKubeconfig {
  currentContext: string | null;
  clusters: RedactedEntry[];
  users: RedactedEntry[];
  contexts: RedactedEntry[];
  /** The view was larger than the bound and was dropped (the verdict and users are still complete). */
  truncated: boolean;
}

/** What the judge says about one embedded kubeconfig. Holds no secret value. */
export interface JudgedKubeconfig {
  findings: KubeconfigFinding[];
  errors: KubeconfigProblem[];
}

/** One kubeconfig carried by a credential Secret. */
export interface KubeconfigFacts {
  /** The data key it is stored under (Argo CD's rebuilt kubeconfig: `config`). */
  dataKey: string;
  /** The Secret field findings point at, e.g. `['data', 'east']`. */
  path: PathSegment[];
  /** The cluster the Secret says it is for. */
  target: string | null;
  /** Who reads it (`istiod`, `Kiali`...). */
  consumer: string;
  users: CredentialUser[];
  judged: JudgedKubeconfig;
  view: RedactedKubeconfig;
}

export interface SecretFacts {
  version: typeof SECRET_FACTS_VERSION;
  flavour: CredentialFlavour | null;
  /** Readable keys, in the order the API server would list them (`data`, then keys only in `stringData`). */
  keys: SecretKeyFacts[];
  unreadable: UnreadableValue[];
  /** Keys beyond the bound that were not looked at (a Secret holds at most 1 MiB, so only hostile input has them). */
  skippedKeys: number;
  pem: PemFacts[];
  kubeconfigs: KubeconfigFacts[];
  /** Problems with the credential itself, outside any kubeconfig (Argo CD's `config` not JSON...). */
  credentialProblems: Array<{ path: PathSegment[]; reason: string }>;
}

/** A Secret value holds at most 1 MiB (etcd's limit on the whole object). */
export const MAX_VALUE_BYTES = 1024 * 1024;
/** More keys than a 1 MiB Secret can sensibly hold: the rest are counted, not read. */
const MAX_KEYS = 4096;
const MAX_CERT_TEXT = 4096;
const MAX_VIEW_CHARS = 256 * 1024;
const MAX_CERTS_COUNTED = 1000;

// ---------------------------------------------------------------------------------------------------
// Identity and flavour

/** Does a Secret carry another cluster's credentials? */
export function flavourOf(s: Pick<SecretIdentity, 'kind' | 'group' | 'name' | 'labels' | 'type'>): CredentialFlavour | null {
  if (s.kind !== 'Secret' || s.group !== '') return null;
  const label = (k: string) => (Object.hasOwn(s.labels, k) ? s.labels[k] : undefined);
  // `istio-kubeconfig` is the Secret an external control plane reads its config cluster from.
  if (label('istio/multiCluster') === 'true' || s.name.startsWith('istio-remote-secret-') || s.name === 'istio-kubeconfig') return 'istio';
  if (label('kiali.io/multiCluster') === 'true') return 'kiali';
  if (label('argocd.argoproj.io/secret-type') === 'cluster') return 'argocd';
  if (s.type === 'mirror.linkerd.io/remote-kubeconfig') return 'linkerd';
  return null;
}

function identityOfResource(r: Resource): SecretIdentity {
  return { kind: r.kind, group: r.group, namespace: r.namespace, name: r.name, labels: r.labels, annotations: r.annotations, type: r.obj?.type };
}

// ---------------------------------------------------------------------------------------------------
// The accessor

const CACHE = new OwnMemo<Resource, SecretFacts>('secret-facts');

/**
 * The facts of a Secret: those the sanitizer attached (live scans: the values never left it), else
 * computed once from the parsed object (file scans). Nothing in the object is ever trusted as facts.
 */
export function secretFactsOf(r: Resource): SecretFacts {
  if (r.secretFacts) return r.secretFacts;
  let facts = CACHE.get(r);
  if (!facts) {
    facts = computeSecretFacts(r.obj, identityOfResource(r));
    CACHE.set(r, facts);
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------------
// Computing facts from the values

/**
 * Reads a Secret's `data` (base64) and `stringData` once and derives its facts. Never throws; the
 * returned object holds no value of the Secret (only sizes, fingerprints and certificate metadata).
 */
export function computeSecretFacts(obj: unknown, id: SecretIdentity): SecretFacts {
  const o: Record<string, unknown> = isPlainObject(obj) ? obj : {};
  const unreadable: UnreadableValue[] = [];
  const { values, fields, skipped } = readValues(o, unreadable);
  const flavour = flavourOf(id);
  const keys: SecretKeyFacts[] = [];
  for (const [key, v] of values) keys.push({ field: fields.get(key)!, key, bytes: v.bytes });
  const facts: SecretFacts = { version: SECRET_FACTS_VERSION, flavour, keys, unreadable, skippedKeys: skipped, pem: [], kubeconfigs: [], credentialProblems: [] };
  const text = new Map<string, string>();
  for (const [k, v] of values) text.set(k, v.text);
  if (flavour) kubeconfigFacts(facts, flavour, text, fields, id);
  facts.pem = pemFacts(text, id);
  return facts;
}

interface DecodedValue {
  text: string;
  bytes: number;
}

/** Secret values from `data` (base64) and `stringData`, bounded; `stringData` wins for a key in both. */
function readValues(o: Record<string, unknown>, unreadable: UnreadableValue[]): { values: Map<string, DecodedValue>; fields: Map<string, 'data' | 'stringData'>; skipped: number } {
  const values = new Map<string, DecodedValue>();
  const fields = new Map<string, 'data' | 'stringData'>();
  const stringData = isPlainObject(o.stringData) ? o.stringData : null;
  let skipped = 0;
  let seen = 0;
  for (const f of ['data', 'stringData'] as const) {
    const map = o[f];
    if (!isPlainObject(map)) continue;
    for (const [k, v] of Object.entries(map)) {
      if (++seen > MAX_KEYS) {
        skipped++;
        continue;
      }
      const limit = f === 'data' ? Math.ceil(MAX_VALUE_BYTES / 3) * 4 + 4 : MAX_VALUE_BYTES;
      if (typeof v !== 'string') unreadable.push({ field: f, key: k, reason: `is ${v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`}, not a string` });
      else if (v.length > limit) unreadable.push({ field: f, key: k, reason: `is ${v.length} characters, over the ${MAX_VALUE_BYTES}-byte limit of a Secret value` });
      else {
        const buf = f === 'data' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8');
        values.set(k, { text: buf.toString('utf8'), bytes: buf.length });
        fields.set(k, stringData && Object.hasOwn(stringData, k) ? 'stringData' : 'data');
      }
    }
  }
  return { values, fields, skipped };
}

// ---------------------------------------------------------------------------------------------------
// Kubeconfigs

function kubeconfigFacts(facts: SecretFacts, flavour: CredentialFlavour, values: Map<string, string>, fields: Map<string, 'data' | 'stringData'>, id: SecretIdentity): void {
  const consumer = CREDENTIAL_CONSUMERS[flavour];
  const fieldOf = (k: string): PathSegment[] => [fields.get(k) ?? 'data', k];
  const add = (dataKey: string, path: PathSegment[], text: string, target: string | null) => {
    facts.kubeconfigs.push(judgeText(text, { dataKey, path, target, consumer }, id));
  };
  if (flavour === 'argocd') {
    const problems: string[] = [];
    const text = argoKubeconfig(values, problems);
    for (const reason of problems) facts.credentialProblems.push({ path: fieldOf('config'), reason: `Argo CD's cluster config ${reason}` });
    add('config', fieldOf(values.has('config') ? 'config' : 'server'), text, values.get('name') ?? null);
  } else if (flavour === 'linkerd') {
    const text = values.get('kubeconfig');
    if (text) add('kubeconfig', fieldOf('kubeconfig'), text, Object.hasOwn(id.labels, 'multicluster.linkerd.io/cluster-name') ? id.labels['multicluster.linkerd.io/cluster-name'] : id.name.replace(/^cluster-credentials-/, ''));
  } else {
    const annotated = Object.hasOwn(id.annotations, 'networking.istio.io/cluster') ? id.annotations['networking.istio.io/cluster'] : null;
    for (const [k, text] of values) add(k, fieldOf(k), text, flavour === 'istio' ? (annotated ?? k) : k);
  }
}

/** Judges an embedded kubeconfig as the KCF rules do, and keeps only the verdict and the identities. */
function judgeText(text: string, where: Pick<KubeconfigFacts, 'dataKey' | 'path' | 'target' | 'consumer'>, id: SecretIdentity): KubeconfigFacts {
  const label = `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name} ${pathLabel(where.path)}`;
  const parsed = parseKubeconfig(text, { file: label });
  const findings = parsed.ok ? judgeKubeconfig(parsed, { origin: { kind: 'secret', consumer: where.consumer } }) : [];
  return { ...where, users: principals(parsed), judged: { findings, errors: [...parsed.errors] }, view: viewOf(parsed) };
}

function pathLabel(path: PathSegment[]): string {
  // Same spelling as model/resource.ts pathToString, without importing the model into the facts.
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? (i ? `.${s}` : s) : `[${JSON.stringify(s)}]`)).join('');
}

/**
 * Argo CD keeps `server` and a JSON `config` (bearerToken, tlsClientConfig, execProviderConfig...)
 * rather than a kubeconfig; rebuild the equivalent kubeconfig so the same judge reads it.
 */
function argoKubeconfig(values: Map<string, string>, problems: string[]): string {
  const server = values.get('server');
  let config: any = {};
  try {
    config = JSON.parse(values.get('config') ?? '{}');
  } catch (err) {
    // Argo CD cannot use the cluster either; but its exec provider or token must not go unchecked unnoticed.
    problems.push(`is not valid JSON${jsonErrorPosition(values.get('config') ?? '', err)}`);
    config = {};
  }
  if (!isPlainObject(config)) {
    if (values.has('config') && config !== null && typeof config !== 'object') problems.push('is not a JSON object');
    config = {};
  }
  const tls = isPlainObject(config.tlsClientConfig) ? config.tlsClientConfig : {};
  const user: Record<string, unknown> = {};
  if (typeof config.bearerToken === 'string') user.token = config.bearerToken;
  if (typeof tls.certData === 'string') user['client-certificate-data'] = tls.certData;
  if (typeof tls.keyData === 'string') user['client-key-data'] = tls.keyData;
  if (isPlainObject(config.execProviderConfig)) user.exec = config.execProviderConfig;
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
function principals(k: ParsedKubeconfig): CredentialUser[] {
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

/** The parsed kubeconfig with every credential fingerprinted (the parser's redacted `fields`), bounded. */
function viewOf(k: ParsedKubeconfig): RedactedKubeconfig {
  const entries = (list: ParsedKubeconfig['clusters']) => list.map((e) => ({ name: e.name, fields: e.fields }));
  const view: RedactedKubeconfig = { currentContext: k.currentContext, clusters: entries(k.clusters), users: entries(k.users), contexts: entries(k.contexts), truncated: false };
  let size = 0;
  try {
    size = JSON.stringify(view).length;
  } catch {
    size = Infinity;
  }
  return size > MAX_VIEW_CHARS ? { currentContext: null, clusters: [], users: [], contexts: [], truncated: true } : view;
}

// ---------------------------------------------------------------------------------------------------
// Certificates and keys

const CERT_KEY = /(cert|crt)/i;

function pemFacts(values: Map<string, string>, id: SecretIdentity): PemFacts[] {
  const out: PemFacts[] = [];
  // Istio's CA Secrets and TLS Secrets are read whatever their values look like; others only where a value is PEM.
  const caSecret = id.kind === 'Secret' && id.group === '' && (id.name === 'cacerts' || id.name === 'istio-ca-secret' || id.type === 'kubernetes.io/tls');
  for (const [key, text] of values) {
    const pem = text.includes('-----BEGIN ');
    if (!pem && !caSecret) continue;
    out.push(pemOf(key, text));
  }
  return out;
}

function pemOf(key: string, text: string): PemFacts {
  const blank = !text.trim();
  const looksPrivate = /PRIVATE KEY-----/.test(text);
  let certificate: CertificateFacts | null = null;
  if (!blank) {
    try {
      certificate = certFacts(new X509Certificate(text));
    } catch {
      certificate = null;
    }
  }
  let certificateCount = 0;
  for (let i = text.indexOf('-----BEGIN CERTIFICATE-----'); i >= 0 && certificateCount < MAX_CERTS_COUNTED; i = text.indexOf('-----BEGIN CERTIFICATE-----', i + 1)) certificateCount++;
  const unparsedSha256 = !blank && !certificate && !looksPrivate && CERT_KEY.test(key) ? createHash('sha256').update(text.replace(/\s+/g, '')).digest('hex') : null;
  let privateKey: PemFacts['privateKey'] = null;
  if (looksPrivate) {
    privateKey = { type: null, publicKeyFingerprint: null };
    try {
      const k = createPrivateKey(text);
      privateKey = { type: k.asymmetricKeyType ?? null, publicKeyFingerprint: spkiFingerprint(createPublicKey(k)) };
    } catch {
      /* encrypted or not a key meshward can read: its presence is the fact */
    }
  }
  return { key, blank, certificate, certificateCount, unparsedSha256, privateKey };
}

function certFacts(c: X509Certificate): CertificateFacts {
  const cut = (s: string | undefined) => (s ?? '').slice(0, MAX_CERT_TEXT);
  let issuedBySelf = false;
  try {
    issuedBySelf = c.checkIssued(c);
  } catch {
    issuedBySelf = false;
  }
  let publicKeyFingerprint: string | null = null;
  try {
    publicKeyFingerprint = spkiFingerprint(c.publicKey);
  } catch {
    publicKeyFingerprint = null;
  }
  return {
    subject: cut(c.subject),
    issuer: cut(c.issuer),
    sans: c.subjectAltName ? c.subjectAltName.split(/,\s*/).slice(0, 100).map((s) => s.slice(0, 512)) : [],
    notBefore: c.validFrom,
    notAfter: c.validTo,
    isCA: c.ca,
    keyUsage: Array.isArray(c.keyUsage) ? c.keyUsage.slice(0, 50) : null,
    issuedBySelf,
    fingerprint256: c.fingerprint256,
    publicKeyFingerprint,
  };
}

function spkiFingerprint(k: import('node:crypto').KeyObject): string {
  return createHash('sha256').update(k.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** The PEM facts of one key, when the Secret has that key. */
export function pemOfKey(facts: SecretFacts, key: string): PemFacts | undefined {
  return facts.pem.find((p) => p.key === key);
}

/** The readable key of that name, when the Secret has it. */
export function keyOf(facts: SecretFacts, key: string): SecretKeyFacts | undefined {
  return facts.keys.find((k) => k.key === key);
}
