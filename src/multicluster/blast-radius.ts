import type { MeshModel } from '../model/model.js';
import { refOf, type ResourceRef } from '../model/resource.js';
import type { Location } from '../engine/finding.js';
import { Locator } from '../loader/locate.js';
import type { InputFile } from '../loader/load.js';
import { CAPABILITIES, capabilitiesOf, secretAccess, subjectsFor, type Capability, type CapabilityGrant } from '../model/capabilities.js';
import { describeCredential, storedCredentials, type StoredCredential } from './credentials.js';
import { trustFindings, type TrustFinding } from './trust.js';
import { secretFactsProblem } from '../cluster/secret-facts-check.js';

export interface ClusterInput {
  name: string;
  model: MeshModel;
  files: readonly InputFile[];
  /** API server URLs known for this cluster (from --server, or learnt from other clusters' credentials). */
  servers?: string[];
}

export interface GrantEvidence {
  capability: Capability;
  /** Namespace the capability is limited to; null for every namespace. */
  namespace: string | null;
  binding: ResourceRef;
  role: string;
  rule: string;
  location: Location | null;
}

/** One step: the attacker holds `from`, reads a stored credential there, and acts on `to` as its principal. */
export interface Hop {
  from: string;
  to: string;
  credential: { secret: ResourceRef; dataKey: string; flavour: string; user: string; location: Location | null; description: string };
  /** How the attacker could read that credential in `from`: null when `from` is the compromised cluster itself (full control). */
  access: GrantEvidence | null;
  /** The identity the credential authenticates as on `to`; null when it cannot be known from the credential (exec, auth-provider). */
  principal: string | null;
  capabilities: GrantEvidence[];
}

export interface Reach {
  cluster: string;
  /** Capabilities gained on the cluster, e.g. `read-secrets (all namespaces)`. */
  capabilities: string[];
  /** One phrase for the text report: `reads all Secrets`, `discovery only`, ... */
  summary: string;
  /** The path that gives the strongest access. */
  path: Hop[];
  /** How many other credential paths also lead here. */
  otherPaths: number;
}

export interface BlastRadius {
  clusters: Array<{ cluster: string; reach: Reach[] }>;
  /** Trust problems that show only when the clusters' CA material is compared. */
  trust: TrustFinding[];
  /** Stored credentials whose target is not one of the clusters given. */
  unresolved: Array<{ cluster: string; credential: string; target: string | null; servers: string[] }>;
  /**
   * Clusters whose Secret facts or RBAC could not be read (facts an agent sent malformed before the
   * server checked them, say): their credentials and CA material were left out, the others' pass ran.
   */
  unusable?: Array<{ cluster: string; reason: string }>;
}

interface ClusterState {
  input: ClusterInput;
  caps: Map<string, CapabilityGrant[]>;
  credentials: StoredCredential[];
  locator: Locator;
}

/**
 * Which clusters fall when one falls. Compromising a cluster gives every credential stored in it;
 * each credential acts as a principal on its target cluster, and reach continues only through
 * principals whose capabilities there let them read the next stored credential.
 */
export function blastRadius(inputs: ClusterInput[]): BlastRadius {
  const states = new Map<string, ClusterState>();
  const unusable: NonNullable<BlastRadius['unusable']> = [];
  for (const input of inputs) {
    // One cluster's bad data must not stop the pass for the others: that cluster stays a target
    // (with what of it could be read) and holds no credential.
    let caps = new Map<string, CapabilityGrant[]>();
    let credentials: StoredCredential[] = [];
    try {
      caps = capabilitiesOf(input.model);
      const problem = attachedFactsProblem(input.model);
      if (problem) throw new Error(problem);
      credentials = storedCredentials(input.model);
    } catch (err) {
      unusable.push({ cluster: input.name, reason: String((err as Error)?.message ?? err).slice(0, 300) });
      credentials = [];
    }
    states.set(input.name, { input, caps, credentials, locator: new Locator(input.files) });
  }
  const serverToCluster = learnServers(states);
  const resolve = (c: StoredCredential, servers: string[]): string | null => {
    if (c.target && states.has(c.target)) return c.target;
    for (const s of servers) {
      const hit = serverToCluster.get(normalizeServer(s));
      if (hit) return hit;
    }
    return null;
  };

  const unresolved: BlastRadius['unresolved'] = [];
  for (const st of states.values()) {
    for (const c of st.credentials) {
      const servers = c.users.flatMap((u) => u.servers);
      if (!resolve(c, servers)) unresolved.push({ cluster: st.input.name, credential: describeCredential(c), target: c.target, servers: [...new Set(servers)] });
    }
  }

  const clusters: BlastRadius['clusters'] = [];
  for (const origin of states.keys()) {
    const reach = new Map<string, Reach>();
    const visited = new Set<string>([`${origin}|*`]);
    const queue: Array<{ cluster: string; principal: string | null; groups: string[]; path: Hop[] }> = [{ cluster: origin, principal: '*', groups: [], path: [] }];
    while (queue.length) {
      const item = queue.shift()!;
      const st = states.get(item.cluster)!;
      for (const cred of st.credentials) {
        let access: GrantEvidence | null = null;
        if (item.principal !== '*') {
          if (!item.principal) continue;
          const grant = secretAccess(st.caps, subjectsFor(item.principal, item.groups), cred.secret.namespace);
          if (!grant) continue;
          access = evidenceOf(grant, st.locator, st.input.model);
        }
        for (const user of cred.users) {
          const to = resolve(cred, user.servers);
          if (!to || to === origin) continue;
          const key = `${to}|${user.principal ?? `unknown:${cred.secret.namespace}/${cred.secret.name}/${cred.dataKey}/${user.user}`}`;
          if (visited.has(key)) continue;
          visited.add(key);
          const target = states.get(to)!;
          const grants = user.principal ? principalGrants(target, user.principal, user.groups) : [];
          const hop: Hop = {
            from: item.cluster,
            to,
            credential: {
              secret: refOf(cred.secret),
              dataKey: cred.dataKey,
              flavour: cred.flavour,
              user: user.user,
              location: st.locator.locate(cred.secret, ['data', cred.dataKey]),
              description: describeCredential(cred),
            },
            access,
            principal: user.principal,
            capabilities: grants.map((g) => evidenceOf(g, target.locator, target.input.model)),
          };
          const path = [...item.path, hop];
          mergeReach(reach, to, hop, path);
          if (user.principal) queue.push({ cluster: to, principal: user.principal, groups: user.groups, path });
        }
      }
    }
    clusters.push({ cluster: origin, reach: [...reach.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : 1)) });
  }
  const usable = unusable.length ? inputs.filter((i) => !unusable.some((u) => u.cluster === i.name)) : inputs;
  return { clusters, trust: trustFindings(usable), unresolved, ...(unusable.length ? { unusable } : {}) };
}

/**
 * The first Secret of the model whose attached facts (an agent's, read back from the store) are not a
 * SecretFacts. Facts computed here from a Secret's values (file scans) are not attached, not checked.
 */
function attachedFactsProblem(model: MeshModel): string | null {
  for (const s of model.ofKind('', 'Secret')) {
    if (s.secretFacts === undefined) continue;
    const problem = secretFactsProblem(s.secretFacts);
    if (problem) return `Secret ${s.namespace}/${s.name}: ${problem}`;
  }
  return null;
}

function principalGrants(st: ClusterState, principal: string, groups: string[]): CapabilityGrant[] {
  const out: CapabilityGrant[] = [];
  for (const s of subjectsFor(principal, groups)) out.push(...(st.caps.get(s) ?? []));
  return out;
}

function evidenceOf(g: CapabilityGrant, locator: Locator, _model: MeshModel): GrantEvidence {
  const r = g.grant.rule;
  return {
    capability: g.capability,
    namespace: g.namespace,
    binding: refOf(g.grant.binding),
    role: `${g.grant.roleKind} ${g.grant.roleName}`,
    rule: `${r.fromName} rules[${r.index}]`,
    location: r.from ? locator.locate(r.from, ['rules', r.index]) : locator.locate(g.grant.binding),
  };
}

function mergeReach(reach: Map<string, Reach>, cluster: string, hop: Hop, path: Hop[]): void {
  const hopCaps = hop.capabilities.map((c) => `${c.capability} (${c.namespace ?? 'all namespaces'})`);
  const hopSummary = summarize([...new Set(hopCaps)], hop.principal !== null);
  const existing = reach.get(cluster);
  const caps = [...new Set([...(existing?.capabilities ?? []), ...hopCaps])].sort();
  // Show the path that gives the strongest access; on a tie, the shorter (found first) one.
  const better = !existing || strength(hopSummary) > strength(summarize(existing.path[existing.path.length - 1].capabilities.map((c) => `${c.capability} (${c.namespace ?? 'all namespaces'})`), existing.path[existing.path.length - 1].principal !== null));
  reach.set(cluster, {
    cluster,
    capabilities: caps,
    summary: summarize(caps, hop.principal !== null || existing?.summary !== undefined && !existing.summary.startsWith('unknown')),
    path: better ? path : existing!.path,
    otherPaths: (existing?.otherPaths ?? 0) + (existing ? 1 : 0),
  });
}

function strength(summary: string): number {
  return summary === 'cluster-admin' ? 4 : summary === 'reads all Secrets' ? 3 : summary === 'discovery only' ? 1 : summary.startsWith('unknown') ? 0 : 2;
}

/** The strongest thing the capabilities allow, in a few words. */
export function summarize(caps: string[], principalKnown: boolean): string {
  const has = (c: Capability, scope?: string) => caps.some((x) => x.startsWith(`${c} (`) && (!scope || x.endsWith(`(${scope})`)));
  if (has('cluster-admin')) return 'cluster-admin';
  if (has('read-secrets', 'all namespaces')) return 'reads all Secrets';
  const strong = (['create-pods', 'impersonate', 'bind-escalate', 'patch-webhooks', 'create-tokens', 'exec-pods', 'write-mesh-config', 'read-secrets'] as Capability[]).filter((c) => has(c));
  if (strong.length) return strong.map((c) => CAPABILITIES[c].label.split(' (')[0]).join(', ');
  return principalKnown ? 'discovery only' : 'unknown identity (exec plugin or auth provider)';
}

function normalizeServer(s: string): string {
  try {
    const u = new URL(s);
    return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return s.trim().toLowerCase();
  }
}

/** Server URLs per cluster: given with --server, or learnt from credentials that name their target. */
function learnServers(states: Map<string, ClusterState>): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of states.values()) for (const s of st.input.servers ?? []) out.set(normalizeServer(s), st.input.name);
  for (const st of states.values()) {
    for (const c of st.credentials) {
      if (!c.target || !states.has(c.target)) continue;
      for (const u of c.users) for (const s of u.servers) if (!out.has(normalizeServer(s))) out.set(normalizeServer(s), c.target);
    }
  }
  return out;
}
