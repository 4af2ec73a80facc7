import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP007-injection-disabled.js';
import { findingsFor } from '../../testing/kit.js';

const namespace = (name: string, labels: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${labels}
---
`;
const SHOP = namespace('shop', '{istio-injection: enabled}');

const deployment = (meta: string, ns = 'shop') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: ${ns}}
spec:
  template:
    metadata: ${meta}
    spec:
      containers:
      - {name: app, image: example/app:1.0}
`;

test('the inject label set to "false" in an injected namespace is reported at the label', async () => {
  const f = await findingsFor(rule, SHOP + deployment('{labels: {sidecar.istio.io/inject: "false"}}'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.template.metadata.labels["sidecar.istio.io/inject"]');
  assert.equal(f[0].location?.line, 12);
  assert.match(
    f[0].message,
    /^Deployment shop\/worker turns sidecar injection off with pod label sidecar\.istio\.io\/inject="false" in namespace shop \(istio-injection="enabled"\), which injects sidecars/,
  );
  assert.equal(f[0].evidence[0].role, 'namespace');
  assert.equal(f[0].evidence[0].location?.path, 'metadata.labels.istio-injection');
});

test('the legacy annotation counts, but the label wins when both are set', async () => {
  const ann = await findingsFor(rule, SHOP + deployment('{annotations: {sidecar.istio.io/inject: "false"}}'));
  assert.equal(ann.length, 1);
  assert.equal(ann[0].location?.path, 'spec.template.metadata.annotations["sidecar.istio.io/inject"]');
  assert.match(ann[0].message, /pod annotation sidecar\.istio\.io\/inject="false"/);
  assert.equal((await findingsFor(rule, SHOP + deployment('{labels: {sidecar.istio.io/inject: "true"}, annotations: {sidecar.istio.io/inject: "false"}}'))).length, 0);
  assert.equal((await findingsFor(rule, SHOP + deployment('{labels: {sidecar.istio.io/inject: ""}, annotations: {sidecar.istio.io/inject: "false"}}'))).length, 0);
});

test('values are read as Istio reads them: anything but y/yes/true/on (any case) turns injection off', async () => {
  for (const v of ['no', 'Off', 'FALSE', 'disabled', '0']) {
    const f = await findingsFor(rule, SHOP + deployment(`{labels: {sidecar.istio.io/inject: "${v}"}}`));
    assert.equal(f.length, 1, v);
  }
  for (const v of ['true', 'TRUE', 'yes', 'Y', 'on']) {
    assert.equal((await findingsFor(rule, SHOP + deployment(`{labels: {sidecar.istio.io/inject: "${v}"}}`))).length, 0, v);
  }
});

test('revision-injected namespaces count; the evidence names the revision label', async () => {
  const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: settlement, namespace: payments}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {sidecar.istio.io/inject: "false"}
        spec:
          containers: [{name: job, image: example/job:1}]
`;
  const f = await findingsFor(rule, namespace('payments', '{istio.io/rev: stable}') + cron);
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'spec.jobTemplate.spec.template.metadata.labels["sidecar.istio.io/inject"]');
  assert.match(f[0].message, /CronJob payments\/settlement .* in namespace payments \(istio\.io\/rev="stable"\)/);
});

test('in an ambient namespace the dataplane-mode "none" label is the opt-out', async () => {
  const AMB = namespace('analytics', '{istio.io/dataplane-mode: ambient}');
  const f = await findingsFor(rule, AMB + deployment('{labels: {istio.io/dataplane-mode: none}}', 'analytics'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.template.metadata.labels["istio.io/dataplane-mode"]');
  assert.match(f[0].message, /^Deployment analytics\/worker opts out of ambient mode with pod label istio\.io\/dataplane-mode=none in namespace analytics \(istio\.io\/dataplane-mode="ambient"\): ztunnel does not capture its pods/);
  // The sidecar label means nothing to ambient, and a pod that asks for a sidecar stays in the mesh.
  assert.equal((await findingsFor(rule, AMB + deployment('{labels: {sidecar.istio.io/inject: "false"}}', 'analytics'))).length, 0);
  assert.equal((await findingsFor(rule, AMB + deployment('{labels: {istio.io/dataplane-mode: none, sidecar.istio.io/inject: "true"}}', 'analytics'))).length, 0);
});

test('namespaces outside the mesh and system namespaces are not judged', async () => {
  const meta = '{labels: {sidecar.istio.io/inject: "false"}}';
  assert.equal((await findingsFor(rule, namespace('legacy', '{}') + deployment(meta, 'legacy'))).length, 0);
  assert.equal((await findingsFor(rule, namespace('istio-system', '{istio-injection: enabled}') + deployment(meta, 'istio-system'))).length, 0);
  assert.equal((await findingsFor(rule, deployment(meta, 'kube-system'))).length, 0);
  assert.equal((await findingsFor(rule, SHOP + deployment('{labels: {app: worker}}'))).length, 0);
});

test('a namespace the input does not show (no Namespace object): low, saying what is unknown', async () => {
  const f = await findingsFor(rule, deployment('{labels: {sidecar.istio.io/inject: "false"}}', 'nowhere'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.equal(f[0].location?.path, 'spec.template.metadata.labels["sidecar.istio.io/inject"]');
  assert.equal(
    f[0].message,
    'Deployment nowhere/worker turns sidecar injection off with pod label sidecar.istio.io/inject="false"; the input does not show whether namespace nowhere is in the mesh (no Namespace object). Where it is, these pods run without a proxy: their traffic has no mTLS, no authorization and no egress policy. Include the Namespace to judge it.',
  );
  const ambient = await findingsFor(rule, deployment('{labels: {istio.io/dataplane-mode: none}}', 'nowhere'));
  assert.equal(ambient.length, 1);
  assert.equal(ambient[0].severity, 'low');
  assert.match(ambient[0].message, /opts out of ambient mode with pod label istio\.io\/dataplane-mode=none; the input does not show/);
  assert.equal((await findingsFor(rule, deployment('{labels: {app: worker, sidecar.istio.io/inject: "true"}}', 'nowhere'))).length, 0);
});

test("Istio's own pods are not opt-outs: the proxies istiod deploys for a Gateway API Gateway, istiod, the CNI agent and ztunnel wherever they run", async () => {
  const gatewayApi = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
`;
  // In an injected namespace (the usual place for an application's own Gateway) and in one the input does not show.
  assert.deepEqual(await findingsFor(rule, SHOP + gatewayApi), []);
  assert.deepEqual(await findingsFor(rule, gatewayApi), []);
  const component = (image: string, ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: component, namespace: ${ns}}
spec:
  template:
    metadata: {labels: {sidecar.istio.io/inject: "false"}}
    spec:
      containers:
      - {name: main, image: ${image}}
`;
  for (const image of ['docker.io/istio/pilot:1.30.4', 'docker.io/istio/install-cni:1.30.4', 'docker.io/istio/ztunnel:1.30.4']) {
    assert.deepEqual(await findingsFor(rule, component(image, 'istio-control')), [], image);
    assert.deepEqual(await findingsFor(rule, namespace('mesh-platform', '{istio-injection: enabled}') + component(image, 'mesh-platform')), [], image);
  }
  // A pilot image of a hub the settings do not trust is not Istio's component.
  assert.equal((await findingsFor(rule, component('registry.example.com/pilot:1.30.4', 'istio-control'))).length, 1);
});

test('in a namespace injected by default (enableNamespacesByDefault), an opt-out is reported with the injector as evidence', async () => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"sidecarInjectorWebhook":{"enableNamespacesByDefault":true}}'
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: legacy}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "false"}
    spec:
      containers: [{name: w, image: example/w:1}]
`;
  const f = await findingsFor(rule, yaml);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /in namespace legacy \(no injection label, injected because the default injector has enableNamespacesByDefault on\)/);
  assert.ok(f[0].evidence.some((e) => e.resource?.kind === 'ConfigMap'));
  // Without the setting the namespace is outside the mesh, and opting out changes nothing.
  assert.deepEqual(await findingsFor(rule, yaml.replace('true}}', 'false}}')), []);
});

// istiod's gateway controller renders the kube-gateway template: a Deployment owned by the Gateway
// whose pods carry the gateway labels, sidecar.istio.io/inject "false" (and istio.io/dataplane-mode
// none), and one container, istio-proxy, running Istio's proxy image.
const gatewayDeployment = (opts: { ns?: string; labels?: string; image?: string; extra?: string; owner?: boolean } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: edge-istio
  namespace: ${opts.ns ?? 'shop'}
${opts.owner ? '  ownerReferences:\n  - {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, name: edge, uid: 1}\n' : ''}spec:
  template:
    metadata:
      labels:
${opts.labels ?? '        gateway.networking.k8s.io/gateway-name: edge\n        gateway.istio.io/managed: istio.io-gateway-controller\n'}        sidecar.istio.io/inject: "false"
        istio.io/dataplane-mode: none
    spec:
      containers:
      - name: istio-proxy
        image: ${opts.image ?? 'registry.istio.io/release/proxyv2:1.30.4'}
        args: [proxy, router]
${opts.extra ?? ''}`;

test("istiod's Gateway API gateway proxies (gateway labels, trusted istio-proxy only) do not opt out", async () => {
  assert.deepEqual(await findingsFor(rule, SHOP + gatewayDeployment()), []);
  assert.deepEqual(await findingsFor(rule, SHOP + gatewayDeployment({ labels: '        gateway.istio.io/managed: istio.io-gateway-controller\n' })), []);
  assert.deepEqual(await findingsFor(rule, SHOP + gatewayDeployment({ labels: '        app: edge\n', owner: true })), [], 'owned by a Gateway');
  assert.deepEqual(await findingsFor(rule, SHOP + gatewayDeployment({ image: 'docker.io/istio/proxyv2:1.24.2' })), []);
  const ambient = namespace('mall', '{istio.io/dataplane-mode: ambient}');
  assert.deepEqual(await findingsFor(rule, ambient + gatewayDeployment({ ns: 'mall' })), [], 'waypoints and gateways in ambient namespaces');
});

test('a pod that only claims the gateway label still opts out: untrusted image, another container, no label', async () => {
  const untrusted = await findingsFor(rule, SHOP + gatewayDeployment({ image: 'docker.io/mymalicious/proxyv2:1.30.4' }));
  assert.equal(untrusted.length, 1);
  assert.match(untrusted[0].message, /^Deployment shop\/edge-istio turns sidecar injection off/);
  const sideApp = await findingsFor(rule, SHOP + gatewayDeployment({ extra: '      - {name: app, image: example/app:1.0}\n' }));
  assert.equal(sideApp.length, 1, 'an application beside the gateway proxy has no sidecar capturing its traffic');
  const unmarked = await findingsFor(rule, SHOP + gatewayDeployment({ labels: '        app: edge\n' }));
  assert.equal(unmarked.length, 1, 'a trusted proxy image alone is not a gateway');
  const ambient = namespace('mall', '{istio.io/dataplane-mode: ambient}');
  const ambientFake = await findingsFor(rule, ambient + gatewayDeployment({ ns: 'mall', image: 'example/proxy:1' }));
  assert.equal(ambientFake.length, 1);
  assert.match(ambientFake[0].message, /opts out of ambient mode/);
});

// Istio 1.29 added the agentgateway class: the same Deployment shape with one `agentgateway` container
// running `<hub>/agentgateway:<tag>` of the install's hub (pkg/kube/inject AgentgatewayImage).
test("the agentgateway class's proxies do not opt out; an agentgateway image of another hub, or another container name, does", async () => {
  const agw = (image: string, name = 'agentgateway') =>
    gatewayDeployment({ labels: '        gateway.istio.io/managed: istio.io-agentgateway-controller\n' }).replace('- name: istio-proxy', `- name: ${name}`).replace('registry.istio.io/release/proxyv2:1.30.4', image);
  assert.deepEqual(await findingsFor(rule, SHOP + agw('registry.istio.io/release/agentgateway:1.30.4')), []);
  assert.deepEqual(await findingsFor(rule, SHOP + agw('docker.io/istio/agentgateway:1.29.0')), []);
  assert.equal((await findingsFor(rule, SHOP + agw('docker.io/someone/agentgateway:1.29.0'))).length, 1);
  assert.equal((await findingsFor(rule, SHOP + agw('registry.istio.io/release/agentgateway:1.30.4', 'app'))).length, 1);
  // A digest-pinned trusted proxy trusts that one image, not its hub's agentgateway.
  const pinned = { settings: { trustedProxyImages: ['docker.io/istio/proxyv2@sha256:' + 'a'.repeat(64)], systemNamespaces: [] } };
  assert.equal((await findingsFor(rule, SHOP + agw('docker.io/istio/agentgateway:1.29.0'), pinned)).length, 1);
});

test('the classic istio/gateway chart pods opt in (inject "true", template gateway, image auto): nothing to report', async () => {
  const chart = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: shop}
spec:
  template:
    metadata:
      annotations: {inject.istio.io/templates: gateway}
      labels: {istio: ingressgateway, sidecar.istio.io/inject: "true"}
    spec:
      containers:
      - {name: istio-proxy, image: auto}
`;
  assert.deepEqual(await findingsFor(rule, SHOP + chart), []);
});

// Waypoint opt-out: istio.io/use-waypoint=none on pods or on a Service of an ambient namespace whose
// waypoint enforces AuthorizationPolicies: that traffic goes ztunnel to pod and never meets them.
const BANK = `apiVersion: v1
kind: Namespace
metadata: {name: bank, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: bank}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
---
`;
const WAYPOINT_POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: bank}
spec:
  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
  action: DENY
  rules: [{to: [{operation: {paths: ["/admin/*"]}}]}]
---
`;
const vault = (podLabels: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: vault, namespace: bank}
spec:
  selector: {matchLabels: {app: vault}}
  template:
    metadata: {labels: {app: vault${podLabels}}}
    spec:
      containers: [{name: vault, image: registry.example.com/bank/vault:1.0}]
---
`;
const vaultService = (labels: string) => `apiVersion: v1
kind: Service
metadata: {name: vault, namespace: bank, labels: {${labels}}}
spec:
  selector: {app: vault}
  ports: [{name: http, port: 80}]
---
`;

test('waypoint opt-out on the pods, with a policy attached to the waypoint: medium at the label, the policy named', async () => {
  const f = await findingsFor(rule, BANK + WAYPOINT_POLICY + vault(', istio.io/use-waypoint: none'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.template.metadata.labels["istio.io/use-waypoint"]');
  assert.equal(
    f[0].message,
    'Deployment bank/vault takes its pods off the waypoint bank/waypoint of namespace bank (istio.io/dataplane-mode="ambient") with label istio.io/use-waypoint=none: that traffic goes from ztunnel straight to the pods and never meets the AuthorizationPolicies attached to the waypoint (bank/deny-admin), so what they deny is let through and what they allow is not checked.',
  );
  assert.deepEqual(f[0].evidence.map((e) => `${e.role} ${e.resource?.name}`), ['waypoint-policy deny-admin']);
});

test('waypoint opt-out on a Service in front of ambient pods: reported on the Service, its workloads named', async () => {
  const f = await findingsFor(rule, BANK + WAYPOINT_POLICY + vault('') + vaultService('istio.io/use-waypoint: none'));
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.kind, 'Service');
  assert.equal(f[0].location?.path, 'metadata.labels["istio.io/use-waypoint"]');
  assert.match(f[0].message, /^Service bank\/vault \(in front of Deployment bank\/vault\) takes the traffic sent to it off the waypoint bank\/waypoint/);
  assert.ok(f[0].evidence.some((e) => e.role === 'workload' && e.resource?.name === 'vault'));
});

test('the root namespace\'s policies on the waypoint GatewayClass count; a policy elsewhere, none at all, or no waypoint do not', async () => {
  const classPolicy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: waypoints-allow-nothing, namespace: istio-system}
spec:
  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]
---
`;
  const f = await findingsFor(rule, BANK + classPolicy + vault(', istio.io/use-waypoint: none'));
  assert.match(f[0]?.message ?? '', /AuthorizationPolicies attached to the waypoint \(istio-system\/waypoints-allow-nothing\)/);
  const serviceTargeted = WAYPOINT_POLICY.replace('{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}', '{kind: Service, group: "", name: vault}');
  const clean = [
    BANK + vault(', istio.io/use-waypoint: none'),
    BANK + serviceTargeted + vault(', istio.io/use-waypoint: none'),
    BANK.replace(', istio.io/use-waypoint: waypoint', '') + WAYPOINT_POLICY + vault(', istio.io/use-waypoint: none'),
    BANK + WAYPOINT_POLICY + vault(', istio.io/use-waypoint: other'),
    BANK + WAYPOINT_POLICY + vault('') + vaultService('team: vault'),
    // A Service labelled off the waypoint with no ambient pods behind it.
    BANK + WAYPOINT_POLICY + vaultService('istio.io/use-waypoint: none'),
    // A policy Istio rejects (DENY without rules) enforces nothing to skip.
    BANK + WAYPOINT_POLICY.replace('  rules: [{to: [{operation: {paths: ["/admin/*"]}}]}]\n', '') + vault(', istio.io/use-waypoint: none'),
    // A targetRef without its group: Istio's CRD validation reads self.group, so the API server refuses it.
    BANK + WAYPOINT_POLICY.replace(', group: gateway.networking.k8s.io', '') + vault(', istio.io/use-waypoint: none'),
  ];
  for (const text of clean) assert.deepEqual(await findingsFor(rule, text), [], text.slice(-600));
});

test('a waypoint of another namespace counts when it is a system namespace, not when it is another tenant\'s (the rule reads one namespace)', async () => {
  const elsewhere = (wpNs: string) =>
    BANK.replace('istio.io/use-waypoint: waypoint}', `istio.io/use-waypoint: waypoint, istio.io/use-waypoint-namespace: ${wpNs}}`).replace('namespace: bank}\nspec:\n  gatewayClassName', `namespace: ${wpNs}}\nspec:\n  gatewayClassName`) +
    WAYPOINT_POLICY.replace('namespace: bank}', `namespace: ${wpNs}}`) +
    vault(', istio.io/use-waypoint: none');
  const system = await findingsFor(rule, elsewhere('istio-system'));
  assert.match(system[0]?.message ?? '', /off the waypoint istio-system\/waypoint .*\(istio-system\/deny-admin\)/);
  assert.deepEqual(await findingsFor(rule, elsewhere('shared-waypoints')), []);
});
