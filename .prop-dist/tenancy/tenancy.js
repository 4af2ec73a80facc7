import { anyGlob } from '../engine/glob.js';
import { hostCovers } from '../model/hosts.js';
import { selectorMatches } from '../model/selectors.js';
/**
 * Who owns what. With a policy: its tenants and platform. Without: every namespace is its own
 * tenant and the platform is the mesh root namespace plus the system namespaces.
 */
export class Tenancy {
    policy;
    env;
    cache = new Map();
    tenantMatchers;
    platformNs;
    platformSubjects;
    gatewayMatchers = new Map();
    constructor(policy, env) {
        this.policy = policy;
        this.env = env;
        this.tenantMatchers = (policy?.tenants ?? []).map((t) => ({ t, ns: anyGlob(t.namespaces, `tenant ${JSON.stringify(t.name)} namespace`) }));
        const matchPlatform = anyGlob(policy?.platform.namespaces ?? [], 'platform namespace');
        this.platformNs = (ns) => env.isSystemNamespace(ns) || matchPlatform(ns);
        this.platformSubjects = anyGlob(policy?.platform.subjects ?? [], 'platform subject');
        for (const t of policy?.tenants ?? [])
            this.gatewayMatchers.set(t.name, anyGlob(t.gateways, `tenant ${JSON.stringify(t.name)} gateway`));
    }
    get hasPolicy() {
        return this.policy !== null;
    }
    tenantOf(ns) {
        let t = this.cache.get(ns);
        if (t)
            return t;
        if (this.platformNs(ns))
            t = { name: 'platform', platform: true, explicit: this.policy !== null };
        else {
            const labels = this.env.namespaceLabels(ns);
            const hit = this.tenantMatchers.find((m) => m.ns(ns) || (m.t.namespaceSelector !== undefined && selectorMatches(m.t.namespaceSelector, labels)));
            t = hit ? { name: hit.t.name, platform: false, explicit: true } : { name: ns, platform: false, explicit: false };
        }
        this.cache.set(ns, t);
        return t;
    }
    isPlatform(ns) {
        return this.tenantOf(ns).platform;
    }
    /**
     * Same tenant: the same namespace, both platform, or both placed in one tenant by the policy. A
     * namespace no tenant claims is its own tenant even when its name equals a policy tenant's name.
     */
    sameTenant(a, b) {
        if (a === b)
            return true;
        const ta = this.tenantOf(a);
        const tb = this.tenantOf(b);
        if (ta.platform || tb.platform)
            return ta.platform && tb.platform;
        return ta.explicit && tb.explicit && ta.name === tb.name;
    }
    /** `user:alice`, `group:devs`, `serviceaccount:ns:name`. System identities and platform namespaces' service accounts count as platform. */
    isPlatformSubject(subject) {
        if (this.platformSubjects(subject))
            return true;
        if (subject === 'group:system:masters' || subject.startsWith('user:system:') || subject.startsWith('group:system:')) {
            // Built-in controllers and administrators; `system:authenticated`, `system:serviceaccounts`
            // and `system:unauthenticated` are everyone, not the platform.
            return !/^group:system:(authenticated|unauthenticated|serviceaccounts)(:|$)/.test(subject);
        }
        const sa = /^serviceaccount:([^:]+):/.exec(subject);
        return sa ? this.isPlatform(sa[1]) : false;
    }
    entry(name) {
        return this.policy?.tenants.find((t) => t.name === name);
    }
    /** External hosts (patterns) the namespace's tenant may claim by policy. */
    allowedHosts(ns) {
        return this.entry(this.tenantOf(ns).name)?.hosts ?? [];
    }
    /** May the namespace's tenant claim this host or wildcard? Platform may claim anything. */
    mayClaimHost(ns, host) {
        if (this.isPlatform(ns))
            return true;
        return this.allowedHosts(ns).some((p) => hostCovers(p, host));
    }
    /**
     * The tenants whose policy allowance covers this host (other than `except`). With `ignoreAnyHost`, a
     * bare "*" allowance does not count (it covers every host, so it would make every tenant its victim).
     */
    allowanceOwners(host, except, opts = {}) {
        const out = [];
        for (const t of this.policy?.tenants ?? []) {
            if (t.name === except)
                continue;
            const owns = (p) => hostCovers(p, host) || (host.startsWith('*') && hostCovers(host, p.replace(/^\*\./, 'x.')));
            if (t.hosts.some((p) => !(opts.ignoreAnyHost && p === '*') && owns(p)))
                out.push(t.name);
        }
        return out;
    }
    /** May the namespace's tenant bind to this gateway (`ns/name`)? Its own namespace's gateways are always fine. */
    mayBindGateway(ns, gateway) {
        if (this.isPlatform(ns))
            return true;
        const [gwNs] = gateway.split('/');
        if (this.sameTenant(ns, gwNs))
            return true;
        return this.gatewayMatchers.get(this.tenantOf(ns).name)?.(gateway) ?? false;
    }
    /** Namespace names and tenant names this namespace's tenant trusts. */
    trusts(ns) {
        return this.entry(this.tenantOf(ns).name)?.trusts ?? [];
    }
    /** All tenant names in the policy. */
    tenantNames() {
        return (this.policy?.tenants ?? []).map((t) => t.name);
    }
}
