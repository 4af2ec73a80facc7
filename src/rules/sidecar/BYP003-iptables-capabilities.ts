import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { own } from '../../model/own.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { containerKey, containerLabel, isIstioImageContainer, normalizeCapability, proxyShapeProblems, shown, workloadLabel } from './proxy.js';

/** Capabilities that let a process change the pod's netfilter rules or step around them, and how bad each is. */
const DANGEROUS: Record<string, { severity: Severity; effect: string }> = {
  NET_ADMIN: { severity: 'high', effect: "lets it rewrite the pod's iptables rules and undo the redirection to the proxy" },
  NET_RAW: {
    severity: 'high',
    effect: 'lets it open raw and packet sockets and send hand-crafted packets; with NET_ADMIN it is all that iptables tooling needs (istio-init asks for exactly these two)',
  },
  SYS_ADMIN: { severity: 'critical', effect: 'is close to root: it opens well-known escapes to the node (and, on older kernels, eBPF), from where the pod\'s redirection rules are in reach' },
  ALL: { severity: 'critical', effect: "grants every capability, NET_ADMIN included, so it can rewrite the pod's iptables rules and undo the redirection to the proxy" },
};

export default defineRule({
  meta: {
    id: 'BYP003',
    title: "Application container can rewrite the pod's traffic redirection",
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS],
    docs: {
      summary:
        "An application container (any container, init container or ephemeral container other than the genuine Istio-injected ones: a trusted Istio proxy image with the shape the injector gives it, so an istio-init that adds SYS_ADMIN or ALL, runs privileged or runs as a main container is judged here too, and BYP010 also reports it is not Istio's) adds a capability that lets it change the pod's netfilter rules, or runs privileged: capabilities.add with NET_ADMIN or NET_RAW (high), SYS_ADMIN or ALL (critical), or privileged: true (critical). Capability names are matched in any case, with or without the CAP_ prefix. Workloads in system namespaces and workloads explicitly outside the mesh are not judged.",
      why:
        "In sidecar mode the iptables rules that send the pod's traffic through Envoy live in the pod's own network namespace, and in ambient mode the in-pod rules that send it to ztunnel do too. Every container of the pod shares that namespace. A container with NET_ADMIN (which privileged: true and ALL include) can flush or rewrite those rules: its traffic, and that of every other container in the pod, then leaves without mTLS, egress policy or telemetry, and inbound connections can reach the application without authorization. NET_RAW gives raw sockets for hand-crafted packets and, with NET_ADMIN, is what iptables tooling needs; SYS_ADMIN opens well-known escapes to the node, from where everything is in reach. Istio's own security guidance warns that there is little boundary between an application and its sidecar; these capabilities remove what little there is.",
      fix:
        "Drop the capabilities (securityContext.capabilities.drop: [ALL], add only what the application needs, such as NET_BIND_SERVICE) and remove privileged: true. If the capability was only there for Istio's redirection, install the Istio CNI plugin, which sets up redirection without giving any pod NET_ADMIN. Enforce Pod Security Admission 'restricted' (or at least 'baseline', which rejects these capabilities) on tenant namespaces.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/web:2.4.0\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN]',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/web:2.4.0\n        securityContext:\n          allowPrivilegeEscalation: false\n          capabilities:\n            drop: [ALL]',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-traffic-capture-limitations',
        'https://istio.io/latest/docs/ops/deployment/security-model/',
        'https://istio.io/latest/docs/setup/additional-setup/cni/',
        'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container',
        'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
      ],
    },
  },
  check({ model, settings, report }) {
    for (const w of model.workloads) {
      if (model.isSystemNamespace(w.namespace)) continue; // CNI node agents, ztunnel, kube-proxy: platform-owned
      if (model.dataplaneOf(w) === 'none') continue; // no redirection to undo
      for (const c of w.containers) {
        // Only the genuine container (Istio's image *and* the shape the injector gives it) is Istio's: its
        // NET_ADMIN/NET_RAW are istio-init's (BYP004). One that borrows the image but adds SYS_ADMIN or
        // ALL, runs privileged or as a main container is not Istio's (BYP010 says so), and what it can
        // do to the redirection is reported here like any application container's.
        if (isIstioImageContainer(c, settings, model, w) && proxyShapeProblems(c).length === 0) continue;
        const sc = c.spec.securityContext;
        if (!isObject(sc)) continue;
        if (sc.privileged === true) {
          report({
            resource: w.resource,
            path: [...c.path, 'securityContext', 'privileged'],
            severity: 'critical',
            key: `${containerKey(c)}/privileged`,
            message: `${containerLabel(c)} of ${workloadLabel(w)} runs privileged: it holds every capability, NET_ADMIN included, so it can rewrite the pod's iptables rules and send traffic around the proxy.`,
          });
        }
        const caps = sc.capabilities;
        if (!isObject(caps) || !Array.isArray(caps.add)) continue;
        const seen = new Set<string>();
        caps.add.forEach((raw: unknown, i: number) => {
          const cap = normalizeCapability(raw);
          if (!cap || seen.has(cap)) return;
          const d = own(DANGEROUS, cap);
          if (!d) return;
          seen.add(cap);
          report({
            resource: w.resource,
            path: [...c.path, 'securityContext', 'capabilities', 'add', i],
            severity: d.severity,
            key: `${containerKey(c)}/${cap}`,
            message: `${containerLabel(c)} of ${workloadLabel(w)} adds capability ${cap}${raw !== cap ? ` (written ${shown(raw, 40)})` : ''}, which ${d.effect}. Traffic of the whole pod can then leave or arrive without passing the proxy.`,
          });
        });
      }
    }
  },
});
