import { defineRule } from '../types.js';
import { getAdvisoryDatabase, advisoryNow } from '../../advisories/database.js';
import { detectIstioVersions } from '../../advisories/detect.js';
import { supportStatus, type SupportStatus } from '../../advisories/match.js';
import { ADVISORY_READS, runsPhrase } from './common.js';

export default defineRule({
  meta: {
    id: 'ADV002',
    title: 'Istio minor release is past end of support',
    severity: 'medium',
    category: 'advisories',
    scope: 'namespace',
    reads: ADVISORY_READS,
    docs: {
      summary:
        "An Istio component (istiod, proxy, ztunnel, CNI; from images, the sidecar.istio.io/proxyImage annotation, IstioOperator or the injector's Helm values) runs a minor release whose support has ended. Istio supports each minor until six weeks after the second minor that follows it; the end dates come from Istio's support announcements and ship in meshward's advisory database.",
      why:
        'Once a minor is out of support, Istio stops back-porting fixes for security issues and critical bugs to it. Every later bulletin may affect it without a fixed release ever appearing, and Istio says it does not guarantee that unsupported minors have all known CVEs patched.',
      fix:
        'Upgrade to a supported minor (the finding lists them), one minor at a time or with a revision-based canary upgrade, control plane first. Keep the advisory database current (--advisories FILE) so new end dates are known.',
      bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.22.8',
      good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.31.1',
      references: [
        'https://istio.io/latest/docs/releases/supported-releases/',
        'https://istio.io/latest/news/support/',
      ],
    },
  },
  check({ model, report }) {
    const db = getAdvisoryDatabase();
    const now = advisoryNow();
    const byMinor = new Map<string, SupportStatus>();
    for (const d of detectIstioVersions(model)) {
      if (!d.version) continue;
      const minor = `${d.version.major}.${d.version.minor}`;
      let s = byMinor.get(minor);
      if (!s) byMinor.set(minor, (s = supportStatus(d.version, db, now)));
      if (s.status !== 'end-of-life') continue;
      const ended = s.eol ? `reached end of support on ${s.eol}` : 'is older than every minor the advisory database lists and long out of support';
      const supported = s.supportedMinors.length ? `Supported minors (advisory database of ${db.generated}): ${s.supportedMinors.join(', ')}.` : '';
      report({
        resource: d.resource,
        path: d.path,
        key: d.key,
        message: `${runsPhrase(d)}; minor ${s.minor} ${ended} and gets no more security fixes. ${supported}`.trimEnd(),
        remediation: s.supportedMinors.length
          ? `Upgrade to a supported minor (${s.supportedMinors.join(', ')}), control plane first.`
          : 'Upgrade to a supported Istio minor, control plane first.',
      });
    }
  },
});
