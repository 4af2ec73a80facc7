import { defineRule } from '../types.js';
import { selectorMatches } from '../../model/selectors.js';
import { isObject } from '../../model/workloads.js';
import { shown } from './proxy.js';
import { injectionWebhooks, webhookLabel, type InjectionWebhook } from './webhooks.js';

const REV = 'istio.io/rev';
const INJECTION = 'istio-injection';
const INJECT = 'sidecar.istio.io/inject';
/** Revisions beyond this many (named in selectors) are not enumerated: a real mesh runs two or three. */
const MAX_REVISIONS = 12;

type Labels = Record<string, string>;

export default defineRule({
  meta: {
    id: 'BYP014',
    title: 'Two sidecar injection webhooks select the same pods',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: ['admissionregistration.k8s.io/MutatingWebhookConfiguration'],
    docs: {
      summary:
        "Two sidecar injection webhooks (MutatingWebhookConfiguration entries named *sidecar-injector.istio.io or calling /inject) would both fire for the same pod. meshward tries every combination of the labels Istio's webhooks select on (namespace istio-injection absent/enabled/disabled and istio.io/rev absent or any revision named in the selectors; pod sidecar.istio.io/inject absent/true/false and istio.io/rev likewise) against both the namespaceSelector and the objectSelector of each webhook, and reports each pair that matches a common combination, with that combination as the example. A webhook deactivated with a selector that never matches (as istioctl tag does) is not counted. Equivalent to istioctl analyze IST0139.",
      why:
        "With overlapping webhooks a pod goes through two injectors: the second one sees an already injected pod and either fails pod creation or leaves which revision's proxy the pod runs to webhook ordering. Leftovers of an old revision or a stale revision tag are the usual cause, so pods can silently keep an old, vulnerable proxy or the configuration of a control plane being retired, and the revision labels no longer say which control plane a pod trusts.",
      fix:
        'Remove the MutatingWebhookConfiguration of revisions that are no longer in use (istioctl uninstall --revision REV, or delete istio-sidecar-injector-REV), keep one revision tag per label value (istioctl tag list / istioctl tag remove), and do not hand-edit the selectors of Istio webhooks.',
      bad: "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: istio-sidecar-injector\nwebhooks:\n- name: namespace.sidecar-injector.istio.io\n  namespaceSelector:\n    matchLabels: {istio-injection: enabled}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: istio-sidecar-injector-1-20\nwebhooks:\n- name: namespace.sidecar-injector.istio.io\n  namespaceSelector:\n    matchLabels: {istio-injection: enabled}",
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0139/',
        'https://istio.io/latest/docs/setup/upgrade/canary/',
        'https://istio.io/latest/docs/reference/commands/istioctl/#istioctl-tag',
        'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#matching-requests-namespaceselector',
      ],
    },
  },
  check({ model, report }) {
    const hooks = injectionWebhooks(model);
    if (hooks.length < 2) return;
    const combos = labelCombinations(hooks);
    const matches = hooks.map((h) => combos.map((c) => selects(h.spec.namespaceSelector, c.ns) && selects(h.spec.objectSelector, c.pod)));
    for (let j = 1; j < hooks.length; j++) {
      for (let i = 0; i < j; i++) {
        const k = combos.findIndex((_, n) => matches[i][n] && matches[j][n]);
        if (k < 0) continue;
        const a = hooks[i];
        const b = hooks[j];
        const selectorPath = isObject(b.spec.namespaceSelector) ? [...b.path, 'namespaceSelector'] : b.path;
        report({
          resource: b.config,
          path: selectorPath,
          key: `${b.index}/${a.config.name}/${a.index}`,
          message: `${webhookLabel(b)} and ${webhookLabel(a)} both inject sidecars into the same pods, for example ${podText(combos[k].pod)} in a namespace ${nsText(combos[k].ns)}: such a pod is injected twice (its creation fails) or gets whichever revision's proxy runs last.`,
          evidence: [{ role: 'other-webhook', description: `${webhookLabel(a)} selects the same pods`, resource: a.config, path: a.path }],
        });
      }
    }
  },
});

/** A webhook selector: an absent one selects everything; a LabelSelector's unknown fields are ignored. */
function selects(selector: unknown, labels: Labels): boolean {
  if (!isObject(selector)) return true;
  return selectorMatches({ matchLabels: selector.matchLabels, matchExpressions: selector.matchExpressions }, labels);
}

function labelCombinations(hooks: InjectionWebhook[]): Array<{ ns: Labels; pod: Labels }> {
  const revisions = new Set<string>(['default']);
  for (const h of hooks) {
    for (const sel of [h.spec.namespaceSelector, h.spec.objectSelector]) {
      if (!isObject(sel)) continue;
      if (isObject(sel.matchLabels) && typeof sel.matchLabels[REV] === 'string') revisions.add(sel.matchLabels[REV]);
      if (Array.isArray(sel.matchExpressions)) {
        for (const e of sel.matchExpressions) {
          if (isObject(e) && e.key === REV && Array.isArray(e.values)) for (const v of e.values) if (typeof v === 'string') revisions.add(v);
        }
      }
    }
  }
  const revs: Array<string | undefined> = [undefined, ...[...revisions].slice(0, MAX_REVISIONS)];
  const out: Array<{ ns: Labels; pod: Labels }> = [];
  for (const injection of [undefined, 'enabled', 'disabled']) {
    for (const nsRev of revs) {
      for (const inject of [undefined, 'true', 'false']) {
        for (const podRev of revs) {
          const ns: Labels = {};
          if (injection !== undefined) ns[INJECTION] = injection;
          if (nsRev !== undefined) ns[REV] = nsRev;
          const pod: Labels = {};
          if (inject !== undefined) pod[INJECT] = inject;
          if (podRev !== undefined) pod[REV] = podRev;
          out.push({ ns, pod });
        }
      }
    }
  }
  return out;
}

function labelsText(l: Labels): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}=${/^[A-Za-z0-9_.-]{1,63}$/.test(v) ? v : shown(v, 40)}`)
    .join(', ');
}

function podText(l: Labels): string {
  return Object.keys(l).length ? `pods labelled ${labelsText(l)}` : 'pods without injection labels';
}

function nsText(l: Labels): string {
  return Object.keys(l).length ? `labelled ${labelsText(l)}` : 'without injection labels';
}
