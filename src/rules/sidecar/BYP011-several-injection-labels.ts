import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { shown } from './proxy.js';

const INJECTION = 'istio-injection';
const REV = 'istio.io/rev';
const AMBIENT = 'istio.io/dataplane-mode';

export default defineRule({
  meta: {
    id: 'BYP011',
    title: 'Namespace carries several injection labels that disagree',
    severity: 'low',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: ['Namespace'],
    docs: {
      summary:
        "A Namespace carries istio-injection together with istio.io/rev, or a sidecar injection label together with istio.io/dataplane-mode=ambient. Istio resolves this silently: istio-injection wins over istio.io/rev (the revision webhooks only select namespaces where istio-injection does not exist), and a sidecar-injected pod is skipped by ztunnel (the sidecar takes precedence; having both is a transient step of a sidecar-to-ambient migration, not a resting state). Graded: medium when istio-injection has any value other than enabled next to istio.io/rev (the namespace looks opted in to a revision but gets no sidecar at all), low otherwise (the pods are in the mesh, under another revision or mode than the labels suggest). System namespaces are exempt. Equivalent to istioctl analyze IST0123.",
      why:
        "The labels say one thing and the webhooks do another. With istio-injection=disabled (or a typo such as istio-injection=true) next to istio.io/rev=stable the namespace reads as meshed, but no pod in it gets a proxy: its traffic is plaintext, without mesh identity, outside every AuthorizationPolicy and egress control, and reviewers miss it because the revision label is there. With istio-injection=enabled next to istio.io/rev, pods keep the default revision's proxy: a canary upgrade or a revision carrying a security fix never reaches them, and removing the default revision later leaves the namespace without injection.",
      fix:
        'Keep one injection label: istio.io/rev=REVISION for revision-based installs (remove istio-injection), or istio-injection=enabled for the default revision (remove istio.io/rev). For ambient, remove the sidecar labels and keep istio.io/dataplane-mode=ambient. Then restart the workloads so the pods are injected as intended.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    istio-injection: disabled\n    istio.io/rev: stable',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    istio.io/rev: stable',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0123/',
        'https://istio.io/latest/docs/setup/upgrade/canary/',
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy',
        'https://istio.io/latest/docs/ambient/usage/add-workloads/',
      ],
    },
  },
  check({ model, report }) {
    for (const ns of model.namespaces()) {
      if (!ns.resource || ns.system) continue;
      const l = ns.labels;
      const has = (k: string) => Object.prototype.hasOwnProperty.call(l, k);
      const injection = has(INJECTION) ? l[INJECTION] : undefined;
      const rev = has(REV) ? l[REV] : undefined;
      const ambient = l[AMBIENT] === 'ambient';
      const labelsText = (keys: string[]) => keys.map((k) => `${k}=${shown(l[k], 40)}`).join(' and ');

      if (injection !== undefined && rev !== undefined) {
        const enabled = injection === 'enabled';
        const severity: Severity = enabled ? 'low' : 'medium';
        const effect = enabled
          ? `its pods get the default revision's sidecar, not revision ${shown(rev, 40)}: a canary upgrade or a fixed revision never reaches them`
          : `no sidecar is injected at all (istio-injection=${shown(injection, 40)} turns injection off, and the revision webhooks ignore namespaces that carry istio-injection), although the revision label suggests the namespace is in the mesh: its pods run without proxy, mTLS, authorization or egress policy`;
        report({
          resource: ns.resource,
          path: ['metadata', 'labels', REV],
          severity,
          key: 'injection+rev',
          message: `Namespace ${ns.name} has both ${labelsText([INJECTION, REV])}: istio-injection wins, so ${effect}.`,
          evidence: [{ role: 'namespace', description: `label ${INJECTION}=${shown(injection, 40)} decides injection for Namespace ${ns.name}`, resource: ns.resource, path: ['metadata', 'labels', INJECTION] }],
        });
      }
      if (ambient && (injection === 'enabled' || (rev !== undefined && rev !== '' && injection === undefined))) {
        const sidecarLabel = injection === 'enabled' ? INJECTION : REV;
        report({
          resource: ns.resource,
          path: ['metadata', 'labels', AMBIENT],
          severity: 'low',
          key: 'sidecar+ambient',
          message: `Namespace ${ns.name} has both ${labelsText([sidecarLabel, AMBIENT])}: its pods get sidecars and ztunnel skips them, so the namespace runs in sidecar mode, not ambient; policies written for ambient (waypoints, ztunnel-enforced L4 rules) do not apply as intended.`,
        });
      }
    }
  },
});
