import { defineRule } from '../types.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { shown } from './proxy.js';

export default defineRule({
  meta: {
    id: 'BYP008',
    title: 'Tenant namespace is in no mesh data-plane mode',
    severity: 'medium',
    category: 'sidecar-bypass',
    reads: ['Namespace', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'A Namespace that is not a system namespace has neither sidecar injection (istio-injection=enabled or an istio.io/rev label) nor ambient mode (istio.io/dataplane-mode=ambient), or has injection explicitly disabled. A namespace with no injection label is in the mesh when the default injector has sidecarInjectorWebhook.enableNamespacesByDefault on (read from the values of the istio-sidecar-injector ConfigMap, as helm template renders it, or from the spec.values of an IstioOperator); it is not reported then. Only Namespace objects in the input are judged: a namespace that only appears as the namespace of other objects has unknown labels.',
      why:
        "Pods in such a namespace get no proxy. Their traffic to mesh services is plaintext and carries no identity, so it is either rejected by STRICT peers (and teams then relax PeerAuthentication to PERMISSIVE) or, where PERMISSIVE already applies, accepted without authentication: AuthorizationPolicies that name principals or namespaces cannot tell these pods apart. Their egress escapes every mesh egress control. An attacker who lands in such a namespace, or a tenant who creates one, sits beside the mesh with none of its guarantees.",
      fix:
        'Put the namespace in the mesh: label it istio-injection=enabled (or istio.io/rev=<revision>) for sidecars, or istio.io/dataplane-mode=ambient for ambient mode, then restart its workloads. If it must stay outside the mesh, record it as a system namespace in .meshward.yaml (systemNamespaces) and isolate it with NetworkPolicies.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n    istio-injection: enabled',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
        'https://istio.io/latest/docs/ambient/usage/add-workloads/',
        'https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/',
        'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
      ],
    },
  },
  check({ model, report }) {
    for (const ns of model.namespaces()) {
      if (!ns.resource || ns.system || ns.mode !== 'none') continue;
      const meta = ns.resource.obj?.metadata;
      const hasLabels = isObject(meta) && isObject(meta.labels);
      const disabled = ns.labels['istio-injection'];
      let path: PathSegment[] = hasLabels ? ['metadata', 'labels'] : ['metadata'];
      let how: string;
      if (disabled !== undefined && hasLabels) {
        path = ['metadata', 'labels', 'istio-injection'];
        const rev = ns.labels['istio.io/rev'];
        how =
          rev !== undefined
            ? `has istio-injection=${shown(disabled, 40)}, which overrides its istio.io/rev=${shown(rev, 40)} label (see BYP011)`
            : `has istio-injection=${shown(disabled, 40)} and no other mesh label`;
      } else {
        how = 'has no istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient label';
      }
      const count = model.workloadsIn(ns.name).length;
      report({
        resource: ns.resource,
        path,
        message: `Namespace ${ns.name} ${how}, so it is in no mesh data-plane mode: its pods${count ? ` (${count} workload${count === 1 ? '' : 's'} in the input)` : ''} run without sidecar or ztunnel, with plaintext traffic, no mesh identity and no egress control.`,
      });
    }
  },
});
