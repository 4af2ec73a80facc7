// A simulated cluster's objects for the relay benches: per namespace (50 apps) a Namespace, then
// Deployments, Services and AuthorizationPolicies in turn, about 1 KB each (the shape bench/relay.js uses).
export function objectsOf(cluster, m) {
  const out = [];
  const perNs = 50;
  for (let i = 0; out.length < m; i++) {
    const ns = `ns-${Math.floor(i / perNs)}`;
    if (i % perNs === 0) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
    const app = `app-${i}`;
    const kind = i % 3;
    if (kind === 0) out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: ns, name: app, labels: { app }, resourceVersion: '1' }, spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app, version: 'v1' }, annotations: { 'sidecar.istio.io/inject': 'true' } }, spec: { serviceAccountName: app, containers: [{ name: app, image: `registry.example/${cluster}/${app}:1.0`, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }], resources: { limits: { cpu: '500m', memory: '256Mi' } } }] } } } });
    else if (kind === 1) out.push({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: app, resourceVersion: '1' }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    else out.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { namespace: ns, name: app, resourceVersion: '1' }, spec: { selector: { matchLabels: { app } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/caller`] } }], to: [{ operation: { methods: ['GET'] } }] }] } });
  }
  return out.slice(0, m);
}

/** The Service the steady deltas change: app-(1+3k) are Services. */
export function serviceDelta(objects, tick) {
  const k = tick % Math.max(1, Math.floor(objects / 4));
  const i = 1 + 3 * k;
  const n = `app-${i}`;
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: `ns-${Math.floor(i / 50)}`, name: n, labels: { tick: String(tick) }, resourceVersion: String(tick + 2) }, spec: { selector: { app: n }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}
