/**
 * Builders for AUT rule tests: each returns one YAML document (JSON is YAML), so a fixture is a
 * readable list of objects. Not a test file itself.
 */
export function doc(o) {
    return JSON.stringify(o);
}
export function docs(...parts) {
    return parts.join('\n---\n') + '\n';
}
export function namespace(name, mode = 'sidecar', labels = {}) {
    const l = { ...labels };
    if (mode === 'sidecar')
        l['istio-injection'] = 'enabled';
    if (mode === 'rev')
        l['istio.io/rev'] = 'stable';
    if (mode === 'ambient')
        l['istio.io/dataplane-mode'] = 'ambient';
    return doc({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: l } });
}
export function deployment(ns, name, opts = {}) {
    const labels = opts.labels ?? { app: name };
    const ports = (opts.ports ?? [8080]).map((p) => (Array.isArray(p) ? { name: p[0], containerPort: p[1] } : { containerPort: p }));
    return doc({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns },
        spec: {
            selector: { matchLabels: labels },
            template: {
                metadata: { labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
                spec: { containers: [{ name: 'app', image: `example/${name}:1`, ports }] },
            },
        },
    });
}
export function service(ns, name, selector, ports = [{ port: 80, targetPort: 8080 }], extra = {}, labels = {}) {
    return doc({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { ...(selector ? { selector } : {}), ports, ...extra } });
}
export function peerAuth(ns, name, spec, metadata = {}) {
    return doc({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns, ...metadata }, spec });
}
export function authz(ns, name, spec, metadata = {}) {
    return doc({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns, ...metadata }, spec });
}
export function requestAuthn(ns, name, spec) {
    return doc({ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace: ns }, spec });
}
export function destinationRule(ns, name, spec) {
    return doc({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec });
}
export function gateway(ns, name, selector, servers) {
    return doc({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name, namespace: ns }, spec: { selector, servers } });
}
export function meshConfig(mesh) {
    return doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh } });
}
/** A mesh-wide STRICT policy, for fixtures that are not about mTLS. */
export const STRICT_MESH = peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } });
/** A mesh-wide allow-nothing, for fixtures that are not about default-deny. */
export const DENY_ALL = authz('istio-system', 'allow-nothing', {});
