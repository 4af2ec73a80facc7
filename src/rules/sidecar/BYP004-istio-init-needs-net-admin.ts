import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { containerKey, containerLabel, isGenuineProxyContainer, namespaceEvidence, shown, workloadLabel } from './proxy.js';

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

export default defineRule({
  meta: {
    id: 'BYP004',
    title: 'Pods rely on the istio-init container, which needs NET_ADMIN and NET_RAW',
    severity: 'info',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace'],
    docs: {
      summary:
        "A pod spec holds the genuine istio-init init container (a trusted proxy image), which is what manifests taken from a live cluster look like when the mesh runs sidecars without the Istio CNI plugin. istio-init itself is expected and is not reported by BYP003; this note is about what it requires of the namespace.",
      why:
        "istio-init sets up the pod's iptables redirection and so needs NET_ADMIN and NET_RAW. Every namespace running such pods must therefore admit those capabilities: Pod Security 'baseline' and 'restricted' reject them, so these namespaces end up at 'privileged' (or without Pod Security at all), and nothing then stops a tenant's own container from asking for NET_ADMIN and rewriting the redirection (BYP003), running as UID 1337 (BYP001) or using the host network (BYP005). Whoever may create pods in the namespace also needs RBAC and admission rules that allow privileged capabilities.",
      fix:
        "Install Istio with the CNI plugin (istioctl install --set components.cni.enabled=true, or the istio-cni Helm chart). The plugin configures redirection from a node agent in istio-system, injected pods get a capability-free istio-validation init container instead of istio-init, and tenant namespaces can then enforce Pod Security 'restricted' (or 'baseline'). Ambient mode needs no capabilities in application pods either.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      initContainers:\n      - name: istio-init\n        image: docker.io/istio/proxyv2:1.24.2\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN, NET_RAW]\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      initContainers:\n      - name: istio-validation   # injected when the Istio CNI plugin is installed\n        image: docker.io/istio/proxyv2:1.24.2\n        securityContext:\n          capabilities:\n            drop: [ALL]\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/cni/',
        'https://istio.io/latest/docs/setup/additional-setup/pod-security-admission/',
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
        'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
      ],
    },
  },
  check({ model, settings, report }) {
    for (const w of model.workloads) {
      for (const c of w.containers) {
        if (c.name !== 'istio-init' || !isGenuineProxyContainer(c, settings)) continue;
        const ns = model.namespace(w.namespace);
        const psa = ns.labels[PSA_ENFORCE];
        const psaNote =
          ns.resource === null
            ? ''
            : psa === undefined
              ? ` Namespace ${ns.name} enforces no Pod Security level, so it admits these pods and any other pod that asks for those capabilities.`
              : psa === 'privileged'
                ? ` Namespace ${ns.name} enforces Pod Security "privileged", so it admits these pods and any other pod that asks for those capabilities.`
                : ` Namespace ${ns.name} enforces Pod Security ${shown(psa, 40)}, which rejects these capabilities, so new pods like these are refused there.`;
        report({
          resource: w.resource,
          path: c.path,
          key: containerKey(c),
          message: `${containerLabel(c)} of ${workloadLabel(w)} is Istio's redirection set-up and needs NET_ADMIN and NET_RAW, so the namespace must allow those capabilities to every pod.${psaNote} Install the Istio CNI plugin so that no application pod needs them.`,
          evidence: namespaceEvidence(ns),
        });
        break; // one note per workload
      }
    }
  },
});
