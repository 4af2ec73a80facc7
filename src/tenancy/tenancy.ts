/**
 * Who owns what (the tenant model the rules and `tenants` read), apart from the policy file's schema in
 * ./policy.ts: this module is loaded by every scan and every live analysis worker, the schema (zod, yaml)
 * only when a policy file is read.
 */
import type { TenantPolicyFile } from './policy.js';
import { anyGlob } from '../engine/glob.js';
import { hostCovers } from '../model/hosts.js';
import { selectorMatches } from '../model/selectors.js';

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
    t = this.platformNs(ns) ? this.placeWith(ns, {}) : this.placeWith(ns, this.env.namespaceLabels(ns));
    this.cache.set(ns, t);
    return t;
  }

  /** The tenant `ns` would belong to with these labels (not remembered): a Namespace update asks whether its new labels move it. */
  placeWith(ns: string, labels: Record<string, string>): TenantOf {
    if (this.platformNs(ns)) return { name: 'platform', platform: true, explicit: this.policy !== null };
    const hit = this.tenantMatchers.find((m) => m.ns(ns) || (m.t.namespaceSelector !== undefined && selectorMatches(m.t.namespaceSelector, labels)));
    return hit ? { name: hit.t.name, platform: false, explicit: true } : { name: ns, platform: false, explicit: false };
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
