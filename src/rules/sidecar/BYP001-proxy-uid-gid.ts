import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { isIstiodContainer, isIstioImageContainer } from './proxy.js';
import { declaresNoSidecar } from '../../model/namespaces.js';

const PROXY_ID = 1337;

export default defineRule({
  meta: {
    id: 'BYP001',
    title: 'Container runs as the proxy UID or GID 1337',
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    // Namespace for its data-plane mode alone (ambient pods are left out).
    reads: [...WORKLOAD_READS, 'Namespace'],
    namespaceContent: false,
    docs: {
      summary:
        'A container other than the Istio proxy (or istiod, which Istio ran as 1337 through 1.19) runs with UID or GID 1337, set on the container or inherited from the pod securityContext (runAsUser, runAsGroup). Init and ephemeral containers count too. Pods that turn sidecar injection off (`sidecar.istio.io/inject: "false"`, as Istio\'s own gateway and waypoint Deployments do) and pods in ambient mode are left out: there is no sidecar redirection for 1337 to skip (ztunnel\'s in-pod rules match a packet mark, not the owner).',
      why:
        "Istio's traffic redirection (iptables or the CNI plugin) exempts every packet owned by UID or GID 1337 so the proxy's own traffic is not looped back into itself. Any other process running as 1337 therefore leaves the pod without passing the sidecar: no mTLS, no egress policy, no telemetry. An attacker who controls such a container can reach anything the pod's network can.",
      fix:
        'Run the application as another UID and GID (for example 1338) in both the pod and container securityContext. Enforce it with an admission rule that rejects 1337 outside the injected proxy (meshward generate admission-policy, or Pod Security plus a custom rule).',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      securityContext:\n        runAsUser: 1337\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      securityContext:\n        runAsUser: 1338\n        runAsGroup: 1338\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      references: [
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
        'https://istio.io/latest/docs/reference/config/analysis/ist0144/',
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-traffic-capture-limitations',
      ],
    },
  },
  check({ model, settings, report }) {
    for (const w of model.workloads) {
      // Only a sidecar's redirection exempts UID and GID 1337: a pod that turns injection off has no
      // sidecar to skip (BYP007 reports the opt-out), and ambient mode's in-pod rules send traffic to
      // ztunnel by packet mark, not by owner. Istio's gateway and waypoint pods run their proxy as 1337.
      if (declaresNoSidecar(w.podLabels, w.podAnnotations) || model.dataplaneOf(w) === 'ambient') continue;
      const podSc = w.spec.securityContext;
      for (const c of w.containers) {
        if (isIstioImageContainer(c, settings, model, w) || isIstiodContainer(c, settings)) continue;
        // An image-less `istio-proxy` entry customises the injected proxy (the injector merges it in), which runs as 1337 by design.
        if (c.name === 'istio-proxy' && !c.image) continue;
        const sc = c.spec.securityContext;
        for (const field of ['runAsUser', 'runAsGroup'] as const) {
          const own = sc && typeof sc === 'object' ? sc[field] : undefined;
          const inherited = podSc && typeof podSc === 'object' ? podSc[field] : undefined;
          const effective = own ?? inherited;
          if (effective === undefined || Number(effective) !== PROXY_ID) continue;
          const fromPod = own === undefined;
          const what = field === 'runAsUser' ? 'UID' : 'GID';
          report({
            resource: w.resource,
            path: fromPod ? [...w.specPath, 'securityContext', field] : [...c.path, 'securityContext', field],
            key: `${c.kind}:${c.name}:${field}`,
            message: `${kindLabel(c.kind)} "${c.name}" of ${w.resource.kind} ${w.resource.namespace}/${w.resource.name} runs as ${what} 1337${
              fromPod ? ' (inherited from the pod securityContext)' : ''
            }: its traffic skips the sidecar.`,
          });
        }
      }
    }
  },
});

function kindLabel(k: string): string {
  return k === 'initContainer' ? 'init container' : k === 'ephemeralContainer' ? 'ephemeral container' : 'container';
}
