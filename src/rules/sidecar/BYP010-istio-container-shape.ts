import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { containerKey, containerLabel, isIstioImageContainer, proxyShapeProblems, workloadLabel } from './proxy.js';

/**
 * A new ID rather than an extension of BYP003 or BYP002: BYP003 deliberately leaves containers
 * running Istio's own image to the injector (istio-init legitimately holds NET_ADMIN and NET_RAW),
 * and BYP002 is about who supplied the image. This rule covers the gap between them: Istio's
 * image, Istio's container name, but not the shape Istio's injector gives it.
 */
export default defineRule({
  meta: {
    id: 'BYP010',
    title: "Container named like Istio's injected ones is not shaped like them",
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS],
    docs: {
      summary:
        "A container named istio-init, istio-validation or istio-proxy that runs a trusted Istio proxy image (so BYP002 leaves it alone; BYP003 reports what its capabilities can do to the redirection, as for any container that is not the genuine one) does not have the shape Istio's injector (1.20 to 1.30) gives it. istio-init is only ever an init container adding NET_ADMIN and NET_RAW (after dropping ALL); istio-validation is an init container adding nothing; istio-proxy is a main container or a native sidecar (an init container with restartPolicy: Always). Reported: any other added capability (SYS_ADMIN and ALL critical, others high), privileged: true (high; the injector writes it only when an installer sets values.global.proxy.privileged=true), and istio-init or istio-validation as a main, native-sidecar or ephemeral container, or istio-proxy as a plain init or ephemeral container (high). A main container named istio-init or istio-validation is reported whatever its image.",
      why:
        "Everything that trusts Istio's containers trusts them by name and image: meshward's own BYP003, admission policies that exempt istio-init from a ban on NET_ADMIN, reviewers. A container that borrows the name and the image but asks for more (SYS_ADMIN, ALL, privileged) is a way to smuggle near-root rights into a pod under Istio's cover; the proxyv2 image holds a shell and iptables tooling, and its command is whatever the manifest says. A long-running istio-init (a main container) keeps NET_ADMIN for the life of the pod, so the pod's redirection can be rewritten at any time rather than once before the application starts.",
      fix:
        "Remove the user-declared istio-init / istio-validation / istio-proxy container and let the injector add its own. If the extra rights came from the installation (values.global.proxy.privileged=true), turn that off. Prefer the Istio CNI plugin, which removes istio-init and its capabilities from application pods altogether.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      initContainers:\n      - name: istio-init\n        image: docker.io/istio/proxyv2:1.24.2\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN, NET_RAW, SYS_ADMIN]\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      initContainers:\n      - name: istio-init\n        image: docker.io/istio/proxyv2:1.24.2\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN, NET_RAW]\n            drop: [ALL]\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#customizing-injection',
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
        'https://istio.io/latest/docs/setup/additional-setup/cni/',
        'https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/',
      ],
    },
  },
  check({ model, settings, report }) {
    for (const w of model.workloads) {
      for (const c of w.containers) {
        const istioImage = isIstioImageContainer(c, settings, model, w);
        // A main container named like an init container is never Istio's, whatever its image; other
        // look-alikes with foreign images are BYP002's (image) and BYP003's (capabilities).
        const mainLookAlike = c.kind === 'container' && (c.name === 'istio-init' || c.name === 'istio-validation');
        if (!istioImage && !mainLookAlike) continue;
        for (const p of proxyShapeProblems(c)) {
          if (!istioImage && p.key !== 'kind') continue;
          report({
            resource: w.resource,
            path: p.path,
            severity: p.severity,
            key: `${containerKey(c)}/${p.key}`,
            message: `${containerLabel(c)} of ${workloadLabel(w)} ${istioImage ? "runs Istio's proxy image but " : ''}${p.what}. It is not the container Istio injects, so nothing should trust it as Istio's.`,
          });
        }
      }
    }
  },
});
