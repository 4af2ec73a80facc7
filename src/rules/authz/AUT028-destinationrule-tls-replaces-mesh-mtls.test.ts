import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT028-destinationrule-tls-replaces-mesh-mtls.js';
import { findingsFor } from '../../testing/kit.js';
import { STRICT_MESH, deployment, destinationRule, docs, namespace, service } from './fixtures.js';

// kyverno/policies' good-dr01/02 shape: SIMPLE/MUTUAL to ratings.prod.svc.cluster.local.
const PROD = [namespace('prod'), namespace('tools', 'none'), deployment('prod', 'ratings'), service('prod', 'ratings', { app: 'ratings' }), deployment('tools', 'grafana'), service('tools', 'grafana', { app: 'grafana' })];

test('SIMPLE to a mesh service whose pods accept plaintext: medium, on the tls mode, naming the workload', async () => {
  const f = await findingsFor(rule, docs(...PROD, destinationRule('prod', 'ratings', { host: 'ratings.prod.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
  assert.equal(
    f[0].message,
    "DestinationRule prod/ratings sets tls.mode SIMPLE (trafficPolicy) for \"ratings.prod.svc.cluster.local\", a service in the mesh: client sidecars originate this TLS instead of Istio mutual TLS and present no mesh identity, so AuthorizationPolicies on principals or namespaces cannot match them, and Deployment prod/ratings takes it as unauthenticated TLS (PERMISSIVE by Istio's default).",
  );
  assert.deepEqual(f[0].evidence.map((e) => e.role), ['destination', 'workload']);
});

test('MUTUAL in a subset and a port-level SIMPLE are each reported', async () => {
  const f = await findingsFor(
    rule,
    docs(...PROD, destinationRule('prod', 'ratings', { host: 'ratings', trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE' } }] }, subsets: [{ name: 'v2', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'client' } } }] })),
  );
  assert.deepEqual(f.map((x) => x.location?.path).sort(), ['spec.subsets[0].trafficPolicy.tls.mode', 'spec.trafficPolicy.portLevelSettings[0].tls.mode']);
  assert.ok(f.every((x) => x.severity === 'medium'));
});

test('destinations STRICT everywhere: low, the calls fail; a Service not in the input but in a mesh namespace: medium', async () => {
  const strict = await findingsFor(rule, docs(...PROD, STRICT_MESH, destinationRule('prod', 'ratings', { host: 'ratings.prod.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  assert.equal(strict[0].severity, 'low');
  assert.match(strict[0].message, /its workloads are STRICT, so these calls fail instead/);
  const absent = await findingsFor(rule, docs(namespace('prod'), destinationRule('prod', 'reviews', { host: 'reviews.prod.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  assert.equal(absent[0].severity, 'medium');
  assert.match(absent[0].message, /not in the input/);
});

test('negatives: external hosts, services outside the mesh, ISTIO_MUTUAL, DISABLE (AUT003), hostile fields', async () => {
  const none = async (spec: Record<string, unknown>) => assert.deepEqual(await findingsFor(rule, docs(...PROD, destinationRule('prod', 'x', spec))), [], JSON.stringify(spec));
  await none({ host: 'api.partner.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } });
  await none({ host: 'grafana.tools.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } });
  await none({ host: 'ratings', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
  await none({ host: 'ratings', trafficPolicy: { tls: { mode: 'DISABLE' } } });
  await none({ host: 'ratings', trafficPolicy: { tls: 'SIMPLE' } });
  await none({ host: ['ratings'], trafficPolicy: { tls: { mode: 'SIMPLE' } } });
  // A short name is a Service of the rule's namespace (prod, in the mesh) even when odd: reported, quoted.
  const odd = await findingsFor(rule, docs(...PROD, destinationRule('prod', 'x', { host: '__proto__', trafficPolicy: { tls: { mode: 'SIMPLE' } } })));
  assert.match(odd[0].message, /for "__proto__", a service of the mesh namespace prod/);
});

test('a destination whose namespace the input does not show: low, saying so; an ExternalName Service: nothing (istio.io egress TLS origination)', async () => {
  // istio.io's egress TLS origination tasks run nginx in mesh-external, a namespace without injection;
  // their manifests hold the Deployment and Service but not the Namespace.
  const nginx = [deployment('mesh-external', 'my-nginx', { ports: [443] }), service('mesh-external', 'my-nginx', { app: 'my-nginx' }, [{ port: 443, name: 'https' }])];
  const dr = destinationRule('istio-system', 'originate-mtls-for-nginx', { host: 'my-nginx.mesh-external.svc.cluster.local', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'client-credential', sni: 'my-nginx.mesh-external.svc.cluster.local' } } });
  const f = await findingsFor(rule, docs(...nginx, dr));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /for "my-nginx\.mesh-external\.svc\.cluster\.local", a service of namespace mesh-external, which the input does not show in or out of the mesh: /);
  assert.deepEqual(await findingsFor(rule, docs(namespace('mesh-external', 'none'), ...nginx, dr)), [], 'the namespace shown outside the mesh');
  assert.equal((await findingsFor(rule, docs(namespace('mesh-external'), ...nginx, dr)))[0]?.severity, 'medium', 'the namespace shown in the mesh');
  const alias = service('prod', 'payments', null, [{ port: 443 }], { type: 'ExternalName', externalName: 'payments.example.com' });
  assert.deepEqual(await findingsFor(rule, docs(namespace('prod'), alias, destinationRule('prod', 'payments', { host: 'payments', trafficPolicy: { tls: { mode: 'SIMPLE' } } }))), []);
});
