import { defineRule } from '../types.js';
import { getAdvisoryDatabase, advisoryNow } from '../../advisories/database.js';
import { detectIstioVersions } from '../../advisories/detect.js';
import { checkVersionCached, listBulletinIds, type VersionCheck } from '../../advisories/match.js';
import { ADVISORY_READS, runsPhrase, suffixNote } from './common.js';

export default defineRule({
  meta: {
    id: 'ADV001',
    title: 'Istio component runs a version with published security bulletins',
    severity: 'high',
    category: 'advisories',
    scope: 'namespace',
    reads: ADVISORY_READS,
    docs: {
      summary:
        'An istiod, proxy (sidecar or gateway), ztunnel or CNI image, a sidecar.istio.io/proxyImage annotation, an IstioOperator tag or the Helm values of the sidecar injector name an Istio release that published Istio security bulletins say is affected. The finding lists the bulletins, the highest CVSS score and the nearest release that fixes them; its severity follows that score (9 or more critical, 7 high, 4 medium, else low; unscored bulletins count as low).',
      why:
        "Istio's bulletins describe authorization bypasses (path normalisation, URI fragments, AUTO_PASSTHROUGH gateways), credential exposure across namespaces, forged JWTs accepted, and remote denial of service of proxies and istiod. Their details are public, so running an affected release hands an attacker a documented way in. Bulletins that describe behaviour no upgrade changes (ISTIO-SECURITY-2021-002, 2021-004, 2026-002) are not reported here: the authorization and traffic-hijack rules check the configurations they warn about.",
      fix:
        'Upgrade the control plane and then the data plane (restart workloads so sidecars are re-injected) to the fixed release named in the finding, or later, on a supported minor. Prefer revision-based canary upgrades. When a bulletin gives a workaround (for example PILOT_ENABLE_XDS_CACHE=false for 2021-007), apply it until you can upgrade. docs/advisories.md describes the advisory database and how to load a newer one with --advisories FILE.',
      bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.20.1',
      good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.31.1',
      references: [
        'https://istio.io/latest/news/security/',
        'https://istio.io/latest/docs/ops/best-practices/security/#release-and-security-policy',
        'https://istio.io/latest/docs/setup/upgrade/canary/',
      ],
    },
  },
  check({ model, report }) {
    const db = getAdvisoryDatabase();
    const now = advisoryNow();
    // The text for one release is built once: a large mesh runs few distinct releases.
    const parts = new Map<string, Parts | null>();
    for (const d of detectIstioVersions(model)) {
      if (!d.version) continue;
      const res = checkVersionCached(d.version, db, now);
      let p = parts.get(res.checked);
      if (p === undefined) {
        p = res.affected.length ? describeResult(res) : null;
        parts.set(res.checked, p);
      }
      if (!p) continue;
      report({
        resource: d.resource,
        path: d.path,
        key: d.key,
        severity: res.severity ?? 'low',
        message: `${runsPhrase(d)}, ${p.tail}${suffixNote(d)}`,
        remediation: p.remediation,
        evidence: p.evidence,
      });
    }
  },
});

interface Parts {
  tail: string;
  remediation: string;
  evidence: Array<{ role: string; description: string }>;
}

function describeResult(res: VersionCheck): Parts {
  const n = res.affected.length;
  // Worst first, so the shortened list in the message keeps the ones that matter.
  const ranked = [...res.affected].sort((a, b) => (b.cvss ?? -1) - (a.cvss ?? -1) || (a.id < b.id ? 1 : -1));
  const cvss = res.maxCvss === null ? 'none of them is scored' : `highest CVSS ${res.maxCvss} (${ranked[0].id})`;
  let fix: string;
  if (res.nearestFixed && res.support.status === 'end-of-life' && res.upgradeTo && res.upgradeTo !== res.nearestFixed) {
    fix = `nearest fixed version ${res.nearestFixed}, but ${res.support.minor} is past end of support: upgrade to ${res.upgradeTo} or later`;
  } else if (res.nearestFixed) {
    const sameMinor = res.nearestFixed.startsWith(`${res.support.minor}.`);
    fix = `nearest fixed version ${res.nearestFixed}${sameMinor ? '' : ` (no ${res.support.minor} release fixes them all)`}`;
  } else {
    fix = 'no release in the advisory database fixes them all';
  }
  return {
    tail: `affected by ${n} Istio security bulletin${n === 1 ? '' : 's'}: ${listBulletinIds(ranked)}; ${cvss}; ${fix}.`,
    remediation: res.nearestFixed
      ? `Upgrade to Istio ${res.upgradeTo ?? res.nearestFixed} or later (control plane first, then restart workloads so proxies follow).`
      : 'Upgrade to the newest patch of a supported Istio minor.',
    evidence: ranked.map((b) => ({
      role: 'advisory',
      description: `${b.id} (${b.published}, CVSS ${b.cvss ?? 'n/a'}${b.cves.length ? `, ${b.cves.length} CVE${b.cves.length === 1 ? '' : 's'}` : ''}; fixed in ${b.fixedIn.join(', ') || 'no release'}): ${b.summary} ${b.url}`,
    })),
  };
}
