import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { isObject } from '../../model/workloads.js';
import { injectionEvidence, injectorFor, modeLabel, shown, sidecarInjectSetting, workloadLabel } from './proxy.js';
import { selectorMatches } from '../../model/selectors.js';
import { podOptIn } from '../../model/namespaces.js';

/** Phases of a pod whose containers have all stopped for good: nothing runs, nothing to capture. */
const FINISHED = new Set(['Succeeded', 'Failed']);
const MIRROR = 'kubernetes.io/config.mirror';

export default defineRule({
  meta: {
    id: 'BYP012',
    title: 'Running pod has no sidecar in a namespace that injects sidecars',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        "A Pod object (as in a live dump from kubectl get pods -o yaml) has no istio-proxy container, neither a main container nor a native sidecar, although its namespace injects sidecars (istio-injection=enabled, istio.io/rev, or no label while the default injector has enableNamespacesByDefault on), or although the pod itself asks for one in a namespace without injection labels (pod label sidecar.istio.io/inject: \"true\" or istio.io/rev, which the object injection webhooks honour). Not reported, because Istio does not inject them or they no longer run: pods that opt out (sidecar.istio.io/inject label or annotation with a false value; BYP007 reports that choice), host-network pods (the injector skips them; BYP005 reports them), pods that have finished (status.phase Succeeded or Failed, such as pods of completed Jobs), static pods (kubernetes.io/config.mirror annotation), pods the injector of their revision excludes when its configuration is in the input (policy: disabled, from values.global.proxy.autoInject, without an explicit sidecar.istio.io/inject=true; or a match of its neverInjectSelector), and pods in system namespaces or in namespaces not in the input. Only Pod objects are judged: pod templates never hold the injected container. Equivalent to istioctl analyze IST0103.",
      why:
        "Policies in a namespace that injects sidecars are written for pods with proxies. A pod without one sends plaintext without mesh identity and accepts any connection that reaches it directly: STRICT mTLS and every AuthorizationPolicy on it are not enforced, because no proxy enforces them. Such pods usually predate the namespace label (they were never restarted), or were created while the injection webhook was unreachable and its failurePolicy let them through; either way, an attacker in the cluster can reach them as if the mesh were not there.",
      fix:
        'Restart the owning workload (kubectl rollout restart deployment/NAME) so the pods are recreated through the injection webhook, and check that they come back with istio-proxy. If the pod must run without a sidecar, say so explicitly with the pod label sidecar.istio.io/inject: "false" and protect it with NetworkPolicy. Keep the injection webhook at failurePolicy: Fail.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: billing-7d9f8-abcde\n  namespace: shop\nspec:\n  containers:\n  - name: billing\n    image: example/billing:2.1\nstatus:\n  phase: Running',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: billing-7d9f8-fghij\n  namespace: shop\nspec:\n  containers:\n  - name: billing\n    image: example/billing:2.1\n  - name: istio-proxy\n    image: docker.io/istio/proxyv2:1.24.2\nstatus:\n  phase: Running',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0103/',
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
        'https://istio.io/latest/docs/ops/common-problems/injection/',
      ],
    },
  },
  check({ model, report }) {
    // One loop over workloads, not namespaces then their workloads: an admission review's focused run
    // (src/webhook/focus.ts) cuts `workloads` to the object under review.
    for (const w of model.workloads) {
      if (w.resource.kind !== 'Pod' || w.resource.group !== '') continue;
      const ns = model.namespace(w.namespace);
      // In a namespace that does not inject, a pod can still ask (object webhooks): dataplaneOf says so.
      if (!ns.resource || ns.system || ns.mode === null) continue;
      if (model.dataplaneOf(w) !== 'sidecar') continue; // opted out: BYP007
      if (w.spec.hostNetwork === true) continue; // never injected: BYP005
      if (Object.prototype.hasOwnProperty.call(w.podAnnotations, MIRROR)) continue;
      const status = w.resource.obj?.status;
      const phase = isObject(status) && typeof status.phase === 'string' ? status.phase : null;
      if (phase && FINISHED.has(phase)) continue;
      if (w.containers.some((c) => c.name === 'istio-proxy' && c.kind !== 'ephemeralContainer')) continue;
      // The injector's own exceptions, when its configuration is in the input.
      const { injector } = injectorFor(model, w);
      if (injector?.policy === 'disabled' && sidecarInjectSetting(w)?.inject !== true) continue;
      if (injector?.neverInjectSelector.some((sel) => isObject(sel) && selectorMatches({ matchLabels: sel.matchLabels, matchExpressions: sel.matchExpressions }, w.podLabels))) continue;
      const label = modeLabel(ns);
      const optIn = ns.mode === 'sidecar' ? null : podOptIn(ns.labels, w.podLabels);
      const why = optIn
        ? `it opts in with pod label ${optIn.label}=${shown(optIn.value, 40)}, which Istio's object injection webhook honours in namespace ${ns.name} (no injection label)`
        : label
          ? `namespace ${ns.name} injects sidecars (${label.key}=${shown(label.value, 40)})`
          : `namespace ${ns.name} is injected by default (the default injector has enableNamespacesByDefault on)`;
      const facts = [ownerText(w.resource.obj?.metadata?.ownerReferences), phase ? `phase ${shown(phase, 20)}` : ''].filter(Boolean);
      report({
        resource: w.resource,
        path: [...w.specPath, 'containers'],
        message: `${workloadLabel(w)}${facts.length ? ` (${facts.join(', ')})` : ''} has no istio-proxy container although ${why}: it runs without a proxy, so mTLS and AuthorizationPolicies are not enforced on it and its traffic is plaintext. It was probably created before injection was enabled, or while the injection webhook was unreachable; restart its workload.`,
        evidence: injectionEvidence(model, ns),
      });
    }
  },
});

/** `owned by ReplicaSet "web-5d8f"` from the controller owner reference, when there is one. */
function ownerText(refs: unknown): string {
  if (!Array.isArray(refs)) return '';
  const ref = refs.find((r) => isObject(r) && r.controller === true) ?? refs[0];
  if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return '';
  const kind = /^[A-Za-z][A-Za-z0-9]{0,62}$/.test(ref.kind) ? ref.kind : shown(ref.kind, 40);
  return `owned by ${kind} ${shown(ref.name, 80)}`;
}
