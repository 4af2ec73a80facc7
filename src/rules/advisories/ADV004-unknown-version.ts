import { defineRule } from '../types.js';
import { detectIstioVersions, COMPONENT_LABELS } from '../../advisories/detect.js';
import { ADVISORY_READS, capitalise } from './common.js';

export default defineRule({
  meta: {
    id: 'ADV004',
    title: 'Istio component version cannot be determined',
    severity: 'info',
    category: 'advisories',
    scope: 'namespace',
    reads: ADVISORY_READS,
    docs: {
      summary:
        'An Istio component image is pinned by digest alone, has no tag, or has a tag that is not a version (latest, a branch name), or an IstioOperator / Helm tag is not a string: meshward cannot tell which release runs, so the security-bulletin, end-of-support and skew checks are skipped for it. Revision labels such as istio.io/rev: 1-22-3 are names, not versions, and are never used instead.',
      why:
        'A version that cannot be read cannot be checked against Istio\'s security bulletins. "latest" also changes under you on every pull, and a numeric YAML tag such as 1.20 is read as 1.2.',
      fix:
        'Keep the release tag and add the digest for immutability (docker.io/istio/pilot:1.31.1@sha256:…), quote IstioOperator and Helm tags ("1.31.1"), and never deploy latest.',
      bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.31.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      references: ['https://istio.io/latest/docs/releases/supported-releases/#naming-scheme'],
    },
  },
  check({ model, report }) {
    for (const d of detectIstioVersions(model)) {
      if (d.version || !d.likelyIstio) continue;
      report({
        resource: d.resource,
        path: d.path,
        key: d.key,
        message: `${capitalise(d.where)} runs an Istio ${COMPONENT_LABELS[d.component]} of unknown version (${d.text}): ${d.unknownReason}. Security bulletins, end of support and version skew were not checked for it.`,
      });
    }
  },
});
