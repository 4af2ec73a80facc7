/**
 * RBAC as the real authorizer evaluates it: ClusterRoleBindings grant their ClusterRole everywhere,
 * RoleBindings grant their Role or ClusterRole in their namespace; a rule allows when verbs,
 * apiGroups, resources (`res` or `res/sub`) and resourceNames match (`*` matches all). Plus the
 * bootstrap policy the stand-in does not store as objects: `system:masters` is allowed everything,
 * and every authenticated user may read discovery and create self access reviews.
 */
const DISCOVERY_PATHS = [/^\/api(\/.*)?$/, /^\/apis(\/.*)?$/, /^\/version\/?$/, /^\/healthz(\/.*)?$/, /^\/livez(\/.*)?$/, /^\/readyz(\/.*)?$/, /^\/openapi(\/.*)?$/];
function list(v) {
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
}
function subjectMatches(subjects, user, bindingNamespace) {
    if (!Array.isArray(subjects))
        return false;
    for (const s of subjects) {
        if (!s || typeof s !== 'object' || typeof s.name !== 'string')
            continue;
        if (s.kind === 'User' && s.name === user.name)
            return true;
        if (s.kind === 'Group' && user.groups.includes(s.name))
            return true;
        if (s.kind === 'ServiceAccount') {
            const ns = typeof s.namespace === 'string' && s.namespace !== '' ? s.namespace : bindingNamespace;
            if (user.name === `system:serviceaccount:${ns}:${s.name}`)
                return true;
        }
    }
    return false;
}
function ruleAllows(rule, a) {
    if (!rule || typeof rule !== 'object')
        return false;
    const verbs = list(rule.verbs);
    if (!verbs.includes('*') && !verbs.includes(a.verb))
        return false;
    if (!a.resource) {
        const urls = list(rule.nonResourceURLs);
        return urls.some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
    }
    const r = a.resource;
    const groups = list(rule.apiGroups);
    if (!groups.includes('*') && !groups.includes(r.group))
        return false;
    const resources = list(rule.resources);
    const combined = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
    const resourceOk = resources.some((x) => x === '*' || x === combined || (r.subresource !== '' && x === `*/${r.subresource}`) || (r.subresource === '' && x === r.resource));
    if (!resourceOk)
        return false;
    const names = list(rule.resourceNames);
    return names.length === 0 || (r.name !== '' && names.includes(r.name));
}
export function authorize(src, a) {
    if (a.user.groups.includes('system:masters'))
        return { allowed: true, reason: '' };
    const authenticated = a.user.groups.includes('system:authenticated');
    if (authenticated && !a.resource && a.verb === 'get' && DISCOVERY_PATHS.some((re) => re.test(a.path)))
        return { allowed: true, reason: '' };
    if (authenticated && a.resource && a.verb === 'create' && a.resource.group === 'authorization.k8s.io' && (a.resource.resource === 'selfsubjectaccessreviews' || a.resource.resource === 'selfsubjectrulesreviews'))
        return { allowed: true, reason: '' };
    const missing = [];
    const rulesOf = (roleRef, bindingNs) => {
        if (!roleRef || typeof roleRef !== 'object' || typeof roleRef.name !== 'string')
            return [];
        const role = roleRef.kind === 'ClusterRole' ? src.clusterRole(roleRef.name) : roleRef.kind === 'Role' && bindingNs ? src.role(bindingNs, roleRef.name) : undefined;
        if (!role) {
            missing.push(roleRef.kind === 'ClusterRole' ? `clusterrole.rbac.authorization.k8s.io "${roleRef.name}" not found` : `role.rbac.authorization.k8s.io "${roleRef.name}" not found`);
            return [];
        }
        return Array.isArray(role.rules) ? role.rules : [];
    };
    for (const b of src.clusterRoleBindings()) {
        if (!subjectMatches(b?.subjects, a.user, ''))
            continue;
        if (b?.roleRef?.kind !== 'ClusterRole')
            continue;
        if (rulesOf(b.roleRef, '').some((rule) => ruleAllows(rule, a)))
            return { allowed: true, reason: '' };
    }
    const ns = a.resource?.namespace ?? '';
    if (ns) {
        for (const b of src.roleBindings(ns)) {
            if (!subjectMatches(b?.subjects, a.user, ns))
                continue;
            if (rulesOf(b.roleRef, ns).some((rule) => ruleAllows(rule, a)))
                return { allowed: true, reason: '' };
        }
    }
    return { allowed: false, reason: missing.length > 0 ? `RBAC: [${missing.join(', ')}]` : '' };
}
/** The real server's 403 message (k8s.io/apiserver responsewriters.forbiddenMessage). */
export function forbiddenMessage(a, reason) {
    let msg;
    if (!a.resource)
        msg = `User ${JSON.stringify(a.user.name)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
    else {
        const r = a.resource;
        const res = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
        msg = r.namespace
            ? `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(res)} in API group ${JSON.stringify(r.group)} in the namespace ${JSON.stringify(r.namespace)}`
            : `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(res)} in API group ${JSON.stringify(r.group)} at the cluster scope`;
    }
    return reason ? `${msg}: ${reason}` : msg;
}
