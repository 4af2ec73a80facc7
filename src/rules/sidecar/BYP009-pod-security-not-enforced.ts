import { defineRule } from '../types.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { shown } from './proxy.js';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const LEVELS = new Set(['privileged', 'baseline', 'restricted']);

export default defineRule({
  meta: {
    id: 'BYP009',
    title: 'Tenant namespace does not enforce Pod Security',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: ['Namespace'],
    docs: {
      summary:
        "A Namespace that is not a system namespace has no pod-security.kubernetes.io/enforce label (medium) or enforces the 'privileged' level (high). 'baseline' and 'restricted' pass. A value that is not one of the three levels (they are case-sensitive) is reported at low: Kubernetes then evaluates pods as 'restricted', but the label does not say what was meant. Only Namespace objects in the input are judged.",
      why:
        "Without an enforced Pod Security level nothing at admission stops a tenant from creating the pods the other BYP rules describe: containers with NET_ADMIN or privileged: true that rewrite the pod's redirection rules, host-network pods that never see a proxy, pods that impersonate the sidecar. 'baseline' rejects privileged containers, host networking and adding capabilities beyond a short default list (NET_ADMIN and NET_RAW are not on it); 'restricted' also requires dropping ALL capabilities (which removes NET_RAW, part of the runtime's default set) and running as non-root. A missing label falls back to the cluster's default, which is 'privileged' unless the API server's AdmissionConfiguration says otherwise (meshward cannot see that from manifests). Note that even 'restricted' does not forbid UID or GID 1337, the proxy's identity, which bypasses redirection (BYP001).",
      fix:
        "Label every tenant namespace pod-security.kubernetes.io/enforce=restricted (or at least baseline), with enforce-version pinned or latest, and use the Istio CNI plugin so that injected pods need no NET_ADMIN/NET_RAW (istio-init does not pass baseline). Because Pod Security does not forbid UID/GID 1337, add an admission rule that rejects runAsUser or runAsGroup 1337 in any container but the injected proxy (a ValidatingAdmissionPolicy, Kyverno or Gatekeeper policy, or meshward's admission webhook).",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    istio.io/rev: stable\n    pod-security.kubernetes.io/enforce: privileged',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    istio.io/rev: stable\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: latest',
      references: [
        'https://kubernetes.io/docs/concepts/security/pod-security-admission/',
        'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
        'https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/',
        'https://istio.io/latest/docs/setup/additional-setup/pod-security-admission/',
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
      ],
    },
  },
  check({ model, report }) {
    for (const ns of model.namespaces()) {
      if (!ns.resource || ns.system) continue;
      const level = ns.labels[ENFORCE];
      if (level === 'baseline' || level === 'restricted') continue;
      const meta = ns.resource.obj?.metadata;
      const hasLabels = isObject(meta) && isObject(meta.labels);
      if (level === undefined) {
        const path: PathSegment[] = hasLabels ? ['metadata', 'labels'] : ['metadata'];
        report({
          resource: ns.resource,
          path,
          message: `Namespace ${ns.name} has no ${ENFORCE} label, so Pod Security enforces only the cluster default (privileged unless configured otherwise): nothing stops its pods from adding NET_ADMIN, running privileged or using the host network to bypass the proxy.`,
        });
      } else if (level === 'privileged') {
        report({
          resource: ns.resource,
          path: ['metadata', 'labels', ENFORCE],
          severity: 'high',
          message: `Namespace ${ns.name} enforces Pod Security level "privileged", which allows everything: its pods may add NET_ADMIN, run privileged or use the host network to bypass the proxy.`,
        });
      } else if (!LEVELS.has(level)) {
        report({
          resource: ns.resource,
          path: ['metadata', 'labels', ENFORCE],
          severity: 'low',
          message: `Namespace ${ns.name} sets ${ENFORCE}=${shown(level, 40)}, which is not a Pod Security level (privileged, baseline or restricted, lower case): Kubernetes falls back to "restricted", but the label should say what is meant.`,
        });
      }
    }
  },
});
