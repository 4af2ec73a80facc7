import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { injectionEvidence, shown, sidecarInjectSetting, workloadLabel } from './proxy.js';

export default defineRule({
  meta: {
    id: 'BYP005',
    title: 'Mesh workload uses the host network and bypasses its proxy',
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace'],
    docs: {
      summary:
        "A workload whose pods belong to the mesh (their namespace runs sidecars or ambient, or the pod asks for a sidecar with sidecar.istio.io/inject: \"true\") sets hostNetwork: true. Workloads in system namespaces are exempt, and a workload whose namespace is not in the input (so its mesh membership is unknown) is not reported.",
      why:
        "A host-network pod shares the node's network stack. Istio's injector deliberately skips such pods (redirection rules would change the node's routing, not the pod's), and ztunnel does not capture them in ambient mode, so the workload runs with no proxy at all: its outbound traffic is plaintext and free of egress policy, it has no mesh identity, and it listens on the node's addresses where callers reach it without mTLS or AuthorizationPolicy. It can also see and reach everything on the node's network, including other pods' traffic paths and node-local services.",
      fix:
        'Remove hostNetwork: true and expose the workload through a Service (use hostPort or a NodePort/LoadBalancer Service when it must be reachable on the node). If the workload really needs the host network (a node agent), move it to a platform namespace outside the mesh and restrict it with NetworkPolicy; Pod Security baseline and restricted forbid host networking in tenant namespaces.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/web:2.4.0\n        ports:\n        - containerPort: 8080',
      references: [
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
        'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
        'https://kubernetes.io/docs/concepts/services-networking/',
      ],
    },
  },
  check({ model, report }) {
    for (const w of model.workloads) {
      if (w.spec.hostNetwork !== true) continue;
      if (model.isSystemNamespace(w.namespace)) continue;
      const dataplane = model.dataplaneOf(w);
      const optIn = sidecarInjectSetting(w);
      const asksForSidecar = optIn?.inject === true;
      // Istio reads any value but y/yes/true/on as an opt-out; the model only knows "false".
      const optedOut = optIn?.inject === false && dataplane === 'sidecar';
      if ((dataplane !== 'sidecar' && dataplane !== 'ambient' && !asksForSidecar) || optedOut) continue;
      const ns = model.namespace(w.namespace);
      const why = asksForSidecar
        ? `its pods ask for a sidecar (${optIn!.source} sidecar.istio.io/inject=${shown(optIn!.value, 40)})`
        : dataplane === 'ambient'
          ? `namespace ${ns.name} runs ambient mode`
          : ns.mode === 'sidecar'
            ? `namespace ${ns.name} injects sidecars`
            : 'its pods are meant to get a sidecar';
      const effect =
        dataplane === 'ambient' && !asksForSidecar
          ? 'ztunnel does not capture host-network pods'
          : 'Istio does not inject a sidecar into host-network pods';
      report({
        resource: w.resource,
        path: [...w.specPath, 'hostNetwork'],
        message: `${workloadLabel(w)} sets hostNetwork: true although ${why}: ${effect}, so its traffic never passes a proxy (no mTLS, no authorization, no egress policy) and it listens on the node's addresses.`,
        evidence: [
          ...injectionEvidence(model, ns),
          ...(asksForSidecar ? [{ role: 'inject-setting', description: `pod ${optIn!.source} sidecar.istio.io/inject=${shown(optIn!.value, 40)}`, resource: w.resource, path: optIn!.path }] : []),
        ],
      });
    }
  },
});
