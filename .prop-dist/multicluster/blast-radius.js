import { refOf } from '../model/resource.js';
import { Locator } from '../loader/locate.js';
import { CAPABILITIES, capabilitiesOf, secretAccess, subjectsFor } from '../model/capabilities.js';
import { describeCredential, storedCredentials } from './credentials.js';
import { trustFindings } from './trust.js';
/**
 * Which clusters fall when one falls. Compromising a cluster gives every credential stored in it;
 * each credential acts as a principal on its target cluster, and reach continues only through
 * principals whose capabilities there let them read the next stored credential.
 */
export function blastRadius(inputs) {
    const states = new Map();
    for (const input of inputs) {
        states.set(input.name, { input, caps: capabilitiesOf(input.model), credentials: storedCredentials(input.model), locator: new Locator(input.files) });
    }
    const serverToCluster = learnServers(states);
    const resolve = (c, servers) => {
        if (c.target && states.has(c.target))
            return c.target;
        for (const s of servers) {
            const hit = serverToCluster.get(normalizeServer(s));
            if (hit)
                return hit;
        }
        return null;
    };
    const unresolved = [];
    for (const st of states.values()) {
        for (const c of st.credentials) {
            const servers = c.users.flatMap((u) => u.servers);
            if (!resolve(c, servers))
                unresolved.push({ cluster: st.input.name, credential: describeCredential(c), target: c.target, servers: [...new Set(servers)] });
        }
    }
    const clusters = [];
    for (const origin of states.keys()) {
        const reach = new Map();
        const visited = new Set([`${origin}|*`]);
        const queue = [{ cluster: origin, principal: '*', groups: [], path: [] }];
        while (queue.length) {
            const item = queue.shift();
            const st = states.get(item.cluster);
            for (const cred of st.credentials) {
                let access = null;
                if (item.principal !== '*') {
                    if (!item.principal)
                        continue;
                    const grant = secretAccess(st.caps, subjectsFor(item.principal, item.groups), cred.secret.namespace);
                    if (!grant)
                        continue;
                    access = evidenceOf(grant, st.locator, st.input.model);
                }
                for (const user of cred.users) {
                    const to = resolve(cred, user.servers);
                    if (!to || to === origin)
                        continue;
                    const key = `${to}|${user.principal ?? `unknown:${cred.secret.namespace}/${cred.secret.name}/${cred.dataKey}/${user.user}`}`;
                    if (visited.has(key))
                        continue;
                    visited.add(key);
                    const target = states.get(to);
                    const grants = user.principal ? principalGrants(target, user.principal, user.groups) : [];
                    const hop = {
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
                    if (user.principal)
                        queue.push({ cluster: to, principal: user.principal, groups: user.groups, path });
                }
            }
        }
        clusters.push({ cluster: origin, reach: [...reach.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : 1)) });
    }
    return { clusters, trust: trustFindings(inputs), unresolved };
}
function principalGrants(st, principal, groups) {
    const out = [];
    for (const s of subjectsFor(principal, groups))
        out.push(...(st.caps.get(s) ?? []));
    return out;
}
function evidenceOf(g, locator, _model) {
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
function mergeReach(reach, cluster, hop, path) {
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
        path: better ? path : existing.path,
        otherPaths: (existing?.otherPaths ?? 0) + (existing ? 1 : 0),
    });
}
function strength(summary) {
    return summary === 'cluster-admin' ? 4 : summary === 'reads all Secrets' ? 3 : summary === 'discovery only' ? 1 : summary.startsWith('unknown') ? 0 : 2;
}
/** The strongest thing the capabilities allow, in a few words. */
export function summarize(caps, principalKnown) {
    const has = (c, scope) => caps.some((x) => x.startsWith(`${c} (`) && (!scope || x.endsWith(`(${scope})`)));
    if (has('cluster-admin'))
        return 'cluster-admin';
    if (has('read-secrets', 'all namespaces'))
        return 'reads all Secrets';
    const strong = ['create-pods', 'impersonate', 'bind-escalate', 'patch-webhooks', 'create-tokens', 'exec-pods', 'write-mesh-config', 'read-secrets'].filter((c) => has(c));
    if (strong.length)
        return strong.map((c) => CAPABILITIES[c].label.split(' (')[0]).join(', ');
    return principalKnown ? 'discovery only' : 'unknown identity (exec plugin or auth provider)';
}
function normalizeServer(s) {
    try {
        const u = new URL(s);
        return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
    }
    catch {
        return s.trim().toLowerCase();
    }
}
/** Server URLs per cluster: given with --server, or learnt from credentials that name their target. */
function learnServers(states) {
    const out = new Map();
    for (const st of states.values())
        for (const s of st.input.servers ?? [])
            out.set(normalizeServer(s), st.input.name);
    for (const st of states.values()) {
        for (const c of st.credentials) {
            if (!c.target || !states.has(c.target))
                continue;
            for (const u of c.users)
                for (const s of u.servers)
                    if (!out.has(normalizeServer(s)))
                        out.set(normalizeServer(s), c.target);
        }
    }
    return out;
}
