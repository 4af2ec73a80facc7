import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { parseImage, type ImageRef } from '../../model/images.js';
import type { InjectorInfo } from '../../model/injector.js';
import { describe } from '../../model/resource.js';
import { containerKey, containerLabel, injectorFor, isTrustedProxyImage, shown, workloadLabel } from './proxy.js';

const PROXY_IMAGE_ANNOTATION = 'sidecar.istio.io/proxyImage';
/** Image variants Istio publishes for the same build (`1.24.2-distroless`). */
const VARIANT = /-(distroless|debug)$/;

export default defineRule({
  meta: {
    id: 'BYP013',
    title: "Proxy image differs from the one the injector is configured with",
    severity: 'low',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        "An istio-proxy container (in a live Pod dump, or declared in a pod template) runs another image than the sidecar injector of its revision is configured to write (global.hub / global.proxy.image / global.tag, and global.variant, from the istio-sidecar-injector[-REV] ConfigMap values or an IstioOperator). The revision is the pod's istio.io/rev annotation or label, else its namespace's istio.io/rev, else the default. Graded: another repository is medium (the proxy comes from somewhere the installation does not say), another tag of the same repository is low (a stale proxy, typically a pod not restarted since an upgrade). -distroless and -debug variants of the same tag match, and an image pinned by digest only is compared by repository. Pods that set sidecar.istio.io/proxyImage, and untrusted images where the injector's image is trusted, are left to BYP002 (impersonation). Nothing is reported when the injector's settings are not in the input. Equivalent to istioctl analyze IST0158.",
      why:
        "Security fixes to the data plane arrive as new proxy images: a pod still running an older tag keeps the vulnerabilities its revision was upgraded to remove, and nothing in the namespace says so. A proxy image from another repository than the installation's is either a leftover of an older install or someone's replacement of the proxy, which sees all of the pod's traffic and holds its mesh identity.",
      fix:
        "Restart the workloads whose pods run an old proxy (kubectl rollout restart) so the injector writes the current image. Remove images set on user-declared istio-proxy containers. If the difference is intended (a mirror), make the injector's hub point at it so pods and installation agree.",
      bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-sidecar-injector\n  namespace: istio-system\ndata:\n  values: '{\"global\":{\"hub\":\"docker.io/istio\",\"tag\":\"1.26.3\"}}'\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop}\nspec:\n  containers:\n  - name: istio-proxy\n    image: docker.io/istio/proxyv2:1.24.2",
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0158/',
        'https://istio.io/latest/docs/setup/upgrade/in-place/',
        'https://istio.io/latest/news/security/',
      ],
    },
  },
  check({ model, settings, report }) {
    if (model.injectors.size === 0) return;
    for (const w of model.workloads) {
      if (Object.prototype.hasOwnProperty.call(w.podAnnotations, PROXY_IMAGE_ANNOTATION)) continue;
      if (model.isSystemNamespace(w.namespace)) continue; // gateways in istio-system follow their own deployment
      for (const c of w.containers) {
        if (c.name !== 'istio-proxy' || c.kind === 'ephemeralContainer') continue;
        if (!c.image || c.image === 'auto') continue; // the injector fills it in
        const actual = parseImage(c.image);
        if (!actual) continue; // BYP002 reports invalid references
        const { revision: rev, injector } = injectorFor(model, w);
        if (!injector?.proxyImage) continue;
        const expected = parseImage(injector.proxyImage);
        if (!expected) continue;
        // An untrusted image where the installation uses a trusted one is impersonation: BYP002 says so.
        if (!isTrustedProxyImage(c.image, settings) && isTrustedProxyImage(injector.proxyImage, settings)) continue;
        const diff = difference(actual, expected);
        if (!diff) continue;
        report({
          resource: w.resource,
          path: [...c.path, 'image'],
          severity: diff === 'repository' ? 'medium' : 'low',
          key: containerKey(c),
          message: `${containerLabel(c)} of ${workloadLabel(w)} runs ${shown(c.image)}, but the ${rev ? `injector of revision ${shown(rev, 40)}` : 'default injector'} writes ${shown(injector.proxyImage)} (${describe(injector.resource)}): ${
            diff === 'repository'
              ? 'the proxy comes from another repository than the installation says'
              : 'the proxy is another build than the installation runs (a pod not restarted since an upgrade keeps the old proxy and its vulnerabilities)'
          }.`,
          evidence: [injectorEvidence(injector)],
        });
      }
    }
  },
});

function baseTag(tag: string): string {
  return tag.replace(VARIANT, '');
}

/** 'repository' when registry/repository differ, 'tag' when only the build differs, null when they match. */
function difference(actual: ImageRef, expected: ImageRef): 'repository' | 'tag' | null {
  if (actual.name !== expected.name) return 'repository';
  if (!actual.tag || !expected.tag) return null; // pinned by digest only: nothing to compare the build with
  return baseTag(actual.tag) === baseTag(expected.tag) ? null : 'tag';
}

function injectorEvidence(injector: InjectorInfo) {
  return {
    role: 'injector',
    description: `${describe(injector.resource)} configures the proxy image ${shown(injector.proxyImage)}`,
    resource: injector.resource,
    path: injector.imagePath,
  };
}
