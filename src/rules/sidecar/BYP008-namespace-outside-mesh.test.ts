import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP008-namespace-outside-mesh.js';
import { findingsFor } from '../../testing/kit.js';

const ns = (name: string, labels?: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
${labels === undefined ? '' : `  labels:\n${labels}`}`;

test('a tenant namespace without a mesh label is reported at its labels', async () => {
  const f = await findingsFor(rule, ns('legacy', '    pod-security.kubernetes.io/enforce: restricted\n'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].resource.kind, 'Namespace');
  assert.equal(f[0].location?.path, 'metadata.labels');
  assert.equal(f[0].location?.line, 5);
  assert.equal(
    f[0].message,
    'Namespace legacy has no istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient label, so it is in no mesh data-plane mode: its pods run without sidecar or ztunnel, with plaintext traffic, no mesh identity and no egress control.',
  );
});

test('without labels the finding points at metadata; workloads in the input are counted', async () => {
  const yaml = `${ns('legacy')}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: billing, namespace: legacy}
spec:
  template:
    spec:
      containers: [{name: app, image: example/app:1}]
`;
  const f = await findingsFor(rule, yaml);
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'metadata');
  assert.equal(f[0].location?.line, 3);
  assert.match(f[0].message, /its pods \(1 workload in the input\) run without sidecar or ztunnel/);
});

test('injection explicitly disabled is reported at that label', async () => {
  const f = await findingsFor(rule, ns('batch', '    istio-injection: disabled\n'));
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'metadata.labels.istio-injection');
  assert.match(f[0].message, /^Namespace batch has istio-injection="disabled" and no other mesh label/);
});

test('sidecar, revision and ambient namespaces pass', async () => {
  for (const labels of ['    istio-injection: enabled\n', '    istio.io/rev: stable\n', '    istio.io/dataplane-mode: ambient\n', '    istio-injection: disabled\n    istio.io/dataplane-mode: ambient\n']) {
    assert.equal((await findingsFor(rule, ns('tenant', labels))).length, 0, labels);
  }
});

test('system namespaces and namespaces only implied by other objects are not judged', async () => {
  assert.equal((await findingsFor(rule, ns('kube-system'))).length, 0);
  assert.equal((await findingsFor(rule, ns('istio-system'))).length, 0);
  assert.equal((await findingsFor(rule, ns('platform-tools'), { settings: { systemNamespaces: ['platform-tools'] } })).length, 0);
  const implied = `apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: tenant}
data: {}
`;
  assert.equal((await findingsFor(rule, implied)).length, 0);
});

test('labels of the wrong type do not break the rule', async () => {
  const f = await findingsFor(rule, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: odd\n  labels: [istio-injection, enabled]\n`);
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'metadata');
});

const injector = (values: unknown, name = 'istio-sidecar-injector') => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: istio-system}
data:
  values: '${JSON.stringify(values)}'
`;

test('with enableNamespacesByDefault on the default injector, an unlabelled namespace is injected: no finding', async () => {
  const f = await findingsFor(rule, ns('legacy') + injector({ sidecarInjectorWebhook: { enableNamespacesByDefault: true } }));
  assert.deepEqual(f, []);
});

test('the same setting in IstioOperator values counts too', async () => {
  const iop = `---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  values:
    sidecarInjectorWebhook:
      enableNamespacesByDefault: true
`;
  assert.deepEqual(await findingsFor(rule, ns('legacy') + iop), []);
});

test('enableNamespacesByDefault off, on a revision only, or an explicit istio-injection=disabled: still reported', async () => {
  assert.equal((await findingsFor(rule, ns('legacy') + injector({ sidecarInjectorWebhook: { enableNamespacesByDefault: false } }))).length, 1);
  assert.equal((await findingsFor(rule, ns('legacy') + injector({ sidecarInjectorWebhook: { enableNamespacesByDefault: true }, revision: 'canary' }, 'istio-sidecar-injector-canary'))).length, 1);
  const disabled = await findingsFor(rule, ns('legacy', '    istio-injection: disabled\n') + injector({ sidecarInjectorWebhook: { enableNamespacesByDefault: true } }));
  assert.equal(disabled.length, 1);
  assert.equal(disabled[0].location?.path, 'metadata.labels.istio-injection');
});

test('istio-injection=disabled next to istio.io/rev says the revision label has no effect', async () => {
  const f = await findingsFor(rule, ns('payments', '    istio-injection: disabled\n    istio.io/rev: stable\n'));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /^Namespace payments has istio-injection="disabled", which overrides its istio\.io\/rev="stable" label/);
});

// Kiali's demos: no namespace label, each Deployment labels its pods sidecar.istio.io/inject: "true", and
// Istio's object.sidecar-injector.istio.io webhook injects them.
const workload = (name: string, namespace: string, meta: string) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  template:
    metadata: ${meta}
    spec:
      containers: [{name: app, image: example/app:1}]
`;

test('a namespace whose workloads all opt in with the pod label (object webhooks) is in the mesh', async () => {
  const yaml = ns('travel') + workload('travels', 'travel', '{labels: {sidecar.istio.io/inject: "true"}}') + workload('hotels', 'travel', '{labels: {istio.io/rev: canary}}');
  assert.deepEqual(await findingsFor(rule, yaml), []);
  const ambient = ns('travel') + workload('travels', 'travel', '{labels: {istio.io/dataplane-mode: ambient}}');
  assert.deepEqual(await findingsFor(rule, ambient), [], 'pod-level ambient enrolment');
});

test('when only some workloads opt in, the rest are named and the finding is low', async () => {
  const yaml =
    ns('travel', '    team: travel\n') +
    workload('travels', 'travel', '{labels: {sidecar.istio.io/inject: "true"}}') +
    workload('cars', 'travel', '{labels: {sidecar.istio.io/inject: "true"}}') +
    workload('legacy', 'travel', '{labels: {app: legacy}}');
  const f = await findingsFor(rule, yaml);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.equal(f[0].location?.path, 'metadata.labels');
  assert.equal(
    f[0].message,
    'Namespace travel has no istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient label, but 2 of its 3 workloads in the input join the mesh on their own (pod label sidecar.istio.io/inject: "true"); only Deployment travel/legacy runs without sidecar or ztunnel, with plaintext traffic, no mesh identity and no egress control.',
  );
  assert.deepEqual(f[0].evidence.map((e) => e.resource?.name), ['legacy']);
  assert.doesNotMatch(f[0].message, /travels|cars/);
});

test('opt-ins the webhooks do not hear keep the namespace outside, and the message says why', async () => {
  const annotation = await findingsFor(rule, ns('travel') + workload('travels', 'travel', '{annotations: {sidecar.istio.io/inject: "true"}}'));
  assert.equal(annotation.length, 1);
  assert.equal(annotation[0].severity, 'medium');
  assert.match(annotation[0].message, /run without sidecar or ztunnel.*Deployment travel\/travels asks for a sidecar with sidecar\.istio\.io\/inject as an annotation or with a value other than "true"/);
  const yes = await findingsFor(rule, ns('travel') + workload('travels', 'travel', '{labels: {sidecar.istio.io/inject: "yes"}}'));
  assert.equal(yes.length, 1, 'the objectSelector wants exactly "true"');
  assert.equal(yes[0].severity, 'medium');
  const disabled = await findingsFor(rule, ns('travel', '    istio-injection: disabled\n') + workload('travels', 'travel', '{labels: {sidecar.istio.io/inject: "true"}}'));
  assert.equal(disabled.length, 1);
  assert.equal(disabled[0].severity, 'medium');
  assert.match(disabled[0].message, /no injection webhook selects a namespace labelled istio-injection="disabled"/);
});

// stefanprodan/gitops-istio checks in `istioctl kube-inject` output (as kustomize patches) and labels its
// namespace istio-injection=disabled: the pods carry their sidecar, and run it whatever the label says.
test('workloads that carry an injected sidecar (kube-inject) are in the mesh: none reported when all do, low when some do', async () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {istio-injection: disabled}}\n';
  const injected = (name: string, status = true, proxy = true) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: prod}
spec:
  template:
    metadata:
      annotations: {${status ? `sidecar.istio.io/status: '{"initContainers":["istio-init"],"containers":["istio-proxy"]}'` : 'team: shop'}}
    spec:
      initContainers:
      - {name: istio-init, image: docker.io/istio/proxyv2:1.30.1}
      containers:
      - {name: ${name}, image: example/${name}:1}
${proxy ? '      - {name: istio-proxy, image: docker.io/istio/proxyv2:1.30.1}\n' : ''}`;
  assert.deepEqual(await findingsFor(rule, ns + injected('frontend') + injected('backend')), []);
  const some = await findingsFor(rule, ns + injected('frontend') + injected('plain', false, false));
  assert.equal(some.length, 1);
  assert.equal(some[0].severity, 'low');
  assert.match(some[0].message, /1 of its 2 workloads in the input join the mesh on their own \(a sidecar injected ahead, as istioctl kube-inject writes it\); only Deployment prod\/plain runs without/);
  // Either mark alone is no sidecar: the annotation runs no proxy, an istio-proxy entry alone only customises injection.
  assert.equal((await findingsFor(rule, ns + injected('a', true, false)))[0]?.severity, 'medium');
  assert.equal((await findingsFor(rule, ns + injected('b', false, true)))[0]?.severity, 'medium');
});

test('a namespace that runs only SPIRE (the identities the mesh uses) is info, with what to do instead; any other workload keeps the grade', async () => {
  const workload = (kind: string, name: string, image: string) => `---
apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}, namespace: spire}
spec:
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      initContainers: [{name: wait, image: busybox}]
      containers: [{name: ${name}, image: ${image}}]
`;
  const spire = ns('spire') + workload('StatefulSet', 'spire-server', 'ghcr.io/spiffe/spire-server:1.9.6') + workload('DaemonSet', 'spire-agent', 'ghcr.io/spiffe/spire-agent:1.9.6') + workload('DaemonSet', 'spiffe-csi-driver', 'ghcr.io/spiffe/spiffe-csi-driver:0.2.6');
  // The CSI driver's pod runs Kubernetes' node-driver registrar beside the driver.
  const csi = `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: spiffe-csi, namespace: spire}\nspec:\n  template:\n    metadata: {labels: {app: csi}}\n    spec:\n      containers: [{name: driver, image: ghcr.io/spiffe/spiffe-csi-driver:0.2.3}, {name: registrar, image: registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.8.0}]\n`;
  const f = await findingsFor(rule, spire + csi);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.match(f[0].message, /run SPIRE, which issues the mesh's identities and has to stay outside the mesh\. Isolate it with NetworkPolicies/);
  const g = await findingsFor(rule, spire + workload('Deployment', 'debug', 'nicolaka/netshoot'));
  assert.equal(g[0].severity, 'medium');
  // An image merely named like a SPIRE component elsewhere in its path is not one.
  const h = await findingsFor(rule, ns('spire') + workload('Deployment', 'x', 'example.com/spire-agent/tools:1'));
  assert.equal(h[0].severity, 'medium');
});

// The shape of a vendor's gateway install: an IstioOperator of gateways only (profile empty), kept in
// istio-system, that puts the ingress gateway in a namespace of its own, created with no mesh label.
const gatewayInstall = (iopNamespace: string, gateway: Record<string, unknown>) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: ingress-gateway, namespace: ${iopNamespace}}
spec:
  profile: empty
  components:
    ingressGateways:
    - ${JSON.stringify({ name: 'istio-ingressgateway', enabled: true, ...gateway })}
`;

test("a namespace the platform's IstioOperator deploys a gateway to is the installation's, not a tenant's outside the mesh", async () => {
  assert.deepEqual(await findingsFor(rule, `${ns('mesh-gateways')}---\n${gatewayInstall('istio-system', { namespace: 'mesh-gateways' })}`), []);
});

test('still reported: the gateway turned off, a placeholder namespace, or an IstioOperator in a tenant namespace', async () => {
  for (const [iopNs, gateway] of [
    ['istio-system', { namespace: 'mesh-gateways', enabled: false }],
    ['istio-system', { namespace: '$GATEWAY_NS' }],
    ['team-a', { namespace: 'mesh-gateways' }],
  ] as const) {
    const f = await findingsFor(rule, `${ns('mesh-gateways')}---\n${gatewayInstall(iopNs, gateway)}`);
    assert.equal(f.length, 1, JSON.stringify([iopNs, gateway]));
    assert.equal(f[0].resource.name, 'mesh-gateways');
  }
  // A gateway put in `default` leaves that namespace a tenant's.
  const d = await findingsFor(rule, `${ns('default')}---\n${gatewayInstall('istio-system', { namespace: 'default' })}`);
  assert.deepEqual(d.map((x) => x.resource.name), ['default']);
});
