import { readSideText, SideFileError } from '../engine/side-file.js';
import { z } from 'zod';
import { parseValidated, ValidationError } from '../config/validated-yaml.js';
import { anyGlob, Glob, GlobError, isGlob } from '../engine/glob.js';
import { hostCovers } from '../model/hosts.js';
import { selectorMatches } from '../model/selectors.js';

const MAX_POLICY_BYTES = 4 * 1024 * 1024;

const labelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }).strict())
      .optional(),
  })
  .strict();

const hostPattern = z
  .string()
  .min(1)
  .regex(/^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/, 'a host such as shop.example.com, *.shop.example.com or *');
const gatewayRef = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/[a-z0-9*]([a-z0-9.*-]*)?$/i, 'a gateway as namespace/name');

export const tenantPolicySchema = z
  .object({
    apiVersion: z.literal('meshward.io/v1').optional(),
    kind: z.literal('TenantPolicy').optional(),
    platform: z
      .object({
        /** Namespaces (names or globs) run by the platform team: may configure anything. */
        namespaces: z.array(z.string().min(1)).default([]),
        /** RBAC subjects that may configure anything: `user:NAME`, `group:NAME`, `serviceaccount:NS:NAME` (globs allowed). */
        subjects: z.array(z.string().regex(/^(user|group|serviceaccount):.+$/, 'user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME')).default([]),
      })
      .strict()
      .default({ namespaces: [], subjects: [] }),
    tenants: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** Namespace names or globs. */
            namespaces: z.array(z.string().min(1)).default([]),
            /** Namespaces whose labels match also belong to the tenant. */
            namespaceSelector: labelSelector.optional(),
            /** External hosts the tenant may claim (its own Services' hosts are always its own). */
            hosts: z.array(hostPattern).default([]),
            /** Shared gateways the tenant may bind routes to, as namespace/name. */
            gateways: z.array(gatewayRef).default([]),
            /** Other tenants (by name) or namespaces whose services this tenant's workloads may call. */
            trusts: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type TenantPolicyFile = z.infer<typeof tenantPolicySchema>;

export class TenantPolicyError extends Error {}

export async function loadTenantPolicy(file: string, shown = file): Promise<TenantPolicyFile> {
  let text: string;
  try {
    text = await readSideText(file, MAX_POLICY_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new TenantPolicyError(`${shown}: cannot read tenant policy: ${err.reason}; check --tenants`);
    throw err;
  }
  return parseTenantPolicy(text, shown);
}

export function parseTenantPolicy(text: string, file: string): TenantPolicyFile {
  try {
    const { value } = parseValidated(text, file, tenantPolicySchema, 'See docs/tenancy.md for the tenant policy format.');
    const names = new Set<string>();
    for (const t of value.tenants) {
      if (names.has(t.name)) throw new TenantPolicyError(`${file}: tenant "${t.name}" is defined twice; merge the two entries`);
      names.add(t.name);
      if (!t.namespaces.length && !t.namespaceSelector) throw new TenantPolicyError(`${file}: tenant "${t.name}" has no namespaces and no namespaceSelector, so it owns nothing`);
    }
    checkGlobs(value);
    return value;
  } catch (err) {
    if (err instanceof ValidationError) throw new TenantPolicyError(err.message);
    if (err instanceof GlobError) throw new TenantPolicyError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Compiles every glob of the policy once, so a pattern meshward cannot match is an error at load time. */
function checkGlobs(value: TenantPolicyFile): void {
  for (const p of value.platform.namespaces) new Glob(p, 'platform namespace');
  for (const p of value.platform.subjects) new Glob(p, 'platform subject');
  for (const t of value.tenants) {
    for (const p of t.namespaces) new Glob(p, `tenant ${JSON.stringify(t.name)} namespace`);
    for (const p of t.gateways) new Glob(p, `tenant ${JSON.stringify(t.name)} gateway`);
    for (const p of t.trusts) if (isGlob(p)) new Glob(p, `tenant ${JSON.stringify(t.name)} trusts`);
  }
}

export interface TenantOf {
  /** The tenant's name; for namespaces no tenant claims, the namespace itself. */
  name: string;
  platform: boolean;
  /** True when a tenant policy entry (not the one-namespace-per-tenant default) placed it. */
  explicit: boolean;
}

/**
 * Who owns what. With a policy: its tenants and platform. Without: every namespace is its own
 * tenant and the platform is the mesh root namespace plus the system namespaces.
 */
export class Tenancy {
  private readonly cache = new Map<string, TenantOf>();
  private readonly tenantMatchers: Array<{ t: TenantPolicyFile['tenants'][number]; ns: (s: string) => boolean }>;
  private readonly platformNs: (s: string) => boolean;
  private readonly platformSubjects: (s: string) => boolean;
  private readonly gatewayMatchers = new Map<string, (ref: string) => boolean>();

  constructor(
    readonly policy: TenantPolicyFile | null,
    private readonly env: { isSystemNamespace: (ns: string) => boolean; namespaceLabels: (ns: string) => Record<string, string> },
  ) {
    this.tenantMatchers = (policy?.tenants ?? []).map((t) => ({ t, ns: anyGlob(t.namespaces, `tenant ${JSON.stringify(t.name)} namespace`) }));
    const matchPlatform = anyGlob(policy?.platform.namespaces ?? [], 'platform namespace');
    this.platformNs = (ns) => env.isSystemNamespace(ns) || matchPlatform(ns);
    this.platformSubjects = anyGlob(policy?.platform.subjects ?? [], 'platform subject');
    for (const t of policy?.tenants ?? []) this.gatewayMatchers.set(t.name, anyGlob(t.gateways, `tenant ${JSON.stringify(t.name)} gateway`));
  }

  get hasPolicy(): boolean {
    return this.policy !== null;
  }

  tenantOf(ns: string): TenantOf {
    let t = this.cache.get(ns);
    if (t) return t;
    if (this.platformNs(ns)) t = { name: 'platform', platform: true, explicit: this.policy !== null };
    else {
      const labels = this.env.namespaceLabels(ns);
      const hit = this.tenantMatchers.find((m) => m.ns(ns) || (m.t.namespaceSelector !== undefined && selectorMatches(m.t.namespaceSelector, labels)));
      t = hit ? { name: hit.t.name, platform: false, explicit: true } : { name: ns, platform: false, explicit: false };
    }
    this.cache.set(ns, t);
    return t;
  }

  isPlatform(ns: string): boolean {
    return this.tenantOf(ns).platform;
  }

  /**
   * Same tenant: the same namespace, both platform, or both placed in one tenant by the policy. A
   * namespace no tenant claims is its own tenant even when its name equals a policy tenant's name.
   */
  sameTenant(a: string, b: string): boolean {
    if (a === b) return true;
    const ta = this.tenantOf(a);
    const tb = this.tenantOf(b);
    if (ta.platform || tb.platform) return ta.platform && tb.platform;
    return ta.explicit && tb.explicit && ta.name === tb.name;
  }

  /** `user:alice`, `group:devs`, `serviceaccount:ns:name`. System identities and platform namespaces' service accounts count as platform. */
  isPlatformSubject(subject: string): boolean {
    if (this.platformSubjects(subject)) return true;
    if (subject === 'group:system:masters' || subject.startsWith('user:system:') || subject.startsWith('group:system:')) {
      // Built-in controllers and administrators; `system:authenticated`, `system:serviceaccounts`
      // and `system:unauthenticated` are everyone, not the platform.
      return !/^group:system:(authenticated|unauthenticated|serviceaccounts)(:|$)/.test(subject);
    }
    const sa = /^serviceaccount:([^:]+):/.exec(subject);
    return sa ? this.isPlatform(sa[1]) : false;
  }

  private entry(name: string) {
    return this.policy?.tenants.find((t) => t.name === name);
  }

  /** External hosts (patterns) the namespace's tenant may claim by policy. */
  allowedHosts(ns: string): string[] {
    return this.entry(this.tenantOf(ns).name)?.hosts ?? [];
  }

  /** May the namespace's tenant claim this host or wildcard? Platform may claim anything. */
  mayClaimHost(ns: string, host: string): boolean {
    if (this.isPlatform(ns)) return true;
    return this.allowedHosts(ns).some((p) => hostCovers(p, host));
  }

  /**
   * The tenants whose policy allowance covers this host (other than `except`). With `ignoreAnyHost`, a
   * bare "*" allowance does not count (it covers every host, so it would make every tenant its victim).
   */
  allowanceOwners(host: string, except?: string, opts: { ignoreAnyHost?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const t of this.policy?.tenants ?? []) {
      if (t.name === except) continue;
      const owns = (p: string) => hostCovers(p, host) || (host.startsWith('*') && hostCovers(host, p.replace(/^\*\./, 'x.')));
      if (t.hosts.some((p) => !(opts.ignoreAnyHost && p === '*') && owns(p))) out.push(t.name);
    }
    return out;
  }

  /** May the namespace's tenant bind to this gateway (`ns/name`)? Its own namespace's gateways are always fine. */
  mayBindGateway(ns: string, gateway: string): boolean {
    if (this.isPlatform(ns)) return true;
    const [gwNs] = gateway.split('/');
    if (this.sameTenant(ns, gwNs)) return true;
    return this.gatewayMatchers.get(this.tenantOf(ns).name)?.(gateway) ?? false;
  }

  /** Namespace names and tenant names this namespace's tenant trusts. */
  trusts(ns: string): string[] {
    return this.entry(this.tenantOf(ns).name)?.trusts ?? [];
  }

  /** All tenant names in the policy. */
  tenantNames(): string[] {
    return (this.policy?.tenants ?? []).map((t) => t.name);
  }
}
