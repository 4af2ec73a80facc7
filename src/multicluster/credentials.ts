import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import type { KubeconfigSource } from '../kubeconfig/rules.js';
import { terminalSafe } from '../engine/text.js';
import { pathToString } from '../model/resource.js';
import {
  CREDENTIAL_CONSUMERS,
  flavourOf,
  secretFactsOf,
  type CredentialFlavour,
  type CredentialUser,
  type RedactedKubeconfig,
  type UnreadableValue,
} from '../cluster/secret-facts.js';

export type { CredentialFlavour, UnreadableValue };

export interface StoredCredential {
  flavour: CredentialFlavour;
  secret: Resource;
  /** The data key holding it (Istio and Kiali: one key per target cluster). */
  dataKey: string;
  /** The cluster the Secret says it is for: data key, `networking.istio.io/cluster`, Argo CD `name`, Linkerd link name. */
  target: string | null;
  /** The kubeconfig with every credential fingerprinted (the values never leave the Secret's facts). */
  kubeconfig: RedactedKubeconfig;
  /** Every user of the kubeconfig, with the principal it authenticates as when that can be read off it. */
  users: CredentialUser[];
}

/** Does this Secret carry another cluster's credentials? */
export function credentialFlavour(r: Resource): CredentialFlavour | null {
  return flavourOf({ kind: r.kind, group: r.group, name: r.name, labels: r.labels, type: r.obj?.type });
}

/**
 * Every stored credential in a model, from each Secret's facts (src/cluster/secret-facts.ts): parsed
 * as data once, nothing executed, opened or fetched, no value kept.
 */
export function storedCredentials(model: MeshModel): StoredCredential[] {
  const out: StoredCredential[] = [];
  for (const secret of model.ofKind('', 'Secret')) {
    // The flavour from metadata first: other Secrets' values are never read.
    if (!credentialFlavour(secret)) continue;
    const facts = secretFactsOf(secret);
    if (!facts.flavour) continue;
    for (const k of facts.kubeconfigs) out.push({ flavour: facts.flavour, secret, dataKey: k.dataKey, target: k.target, kubeconfig: k.view, users: k.users });
  }
  return out;
}

/** Identity of a stored credential for messages: `Secret ns/name[key]` (never its value). */
export function describeCredential(c: StoredCredential): string {
  return `Secret ${c.secret.namespace}/${c.secret.name}[${c.dataKey}]`;
}

const CONSUMERS = CREDENTIAL_CONSUMERS;

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
    if (!credentialFlavour(secret)) continue;
    const facts = secretFactsOf(secret);
    if (!facts.flavour) continue;
    for (const u of facts.unreadable) problems.push({ secret, path: [u.field, u.key], kubeconfigLine: 0, reason: `the value ${u.reason}` });
    for (const p of facts.credentialProblems) problems.push({ secret, path: p.path, kubeconfigLine: 0, reason: p.reason });
    // Judged where the values were read: the text itself never leaves the facts.
    for (const k of facts.kubeconfigs) sources.push({ resource: secret, path: k.path, text: '', consumer: k.consumer, judged: k.judged });
  }
  // A kubeconfig that does not parse (one custom tag is enough) would otherwise hide every hazard in it.
  for (const source of sources) {
    for (const e of source.judged!.errors) problems.push({ secret: source.resource, path: source.path, kubeconfigLine: e.line, reason: e.message });
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
