import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { own } from '../../model/own.js';
import { PROXY_CONTAINER_NAMES, containerKey, containerLabel, injectorImageOf, proxyImageVerdict, shown, workloadLabel } from './proxy.js';
import { describe } from '../../model/resource.js';

const PROXY_IMAGE_ANNOTATION = 'sidecar.istio.io/proxyImage';

/** What a look-alike of each injected container takes over, for the message. */
const ROLE: Record<string, string> = {
  'istio-proxy':
    "Istio's injector merges a user-declared istio-proxy container into the proxy it injects, so this image replaces the sidecar itself and receives all of the pod's captured traffic and its mesh identity",
  'istio-init': 'it takes the place of the init container that sets up traffic redirection, so it decides what the pod captures',
  'istio-validation': 'it takes the place of the init container that checks the CNI plugin set up traffic redirection',
};

export default defineRule({
  meta: {
    id: 'BYP002',
    title: 'Container impersonates the Istio proxy with an untrusted image',
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS],
    docs: {
      summary:
        'A container, init container or ephemeral container is named like one Istio injects (istio-proxy, istio-init, istio-validation) but runs an image that is not a trusted Istio proxy image. The pod annotation sidecar.istio.io/proxyImage pointing at an untrusted image is reported too. Trust is decided by image reference (registry and repository, optionally a pinned digest) from settings.trustedProxyImages, never by the container name. By default every hub Istio publishes proxyv2 to is trusted: docker.io/istio, gcr.io/istio-release, gcr.io/istio-testing, and since 1.30 registry.istio.io/release (the default hub) and registry.istio.io/testing, at any tag (-distroless and -debug variants included) or digest. Vendor distributions and private mirrors (for example the OpenShift Service Mesh images) must be added to trustedProxyImages; until then, an image that is exactly what the injector of the revision of the pod is configured to write (its ConfigMap or IstioOperator is in the input) is reported at low only, as a choice of the installation rather than of the pod author, and BYP001, BYP003 and BYP010 treat it as an Istio image.',
      why:
        "Istio's sidecar injector merges a container the user declares as istio-proxy into the proxy it injects (this is how proxy resources are customised), so an image set there replaces Envoy: the attacker's code then receives every connection the pod's iptables rules capture, gets the injected service-account token and mounts with which to obtain the pod's mesh certificate, and can answer as the workload, and forwards (or drops, or copies) traffic without mTLS or policy. A look-alike istio-init decides what the pod redirects at all. The proxyImage annotation has the same effect through the injection template. Anything that trusts a container by its name is fooled as well, for example an admission rule that exempts istio-proxy from a ban on UID 1337.",
      fix:
        'Remove the image from the user-declared istio-proxy / istio-init container (keep only the fields you want to customise, such as resources) and remove the sidecar.istio.io/proxyImage annotation, so the injector uses the image it is configured with. If your proxy images come from a private mirror, add that repository (ideally with a digest) to trustedProxyImages in .meshward.yaml. Block user-declared proxy images at admission.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n      - {name: istio-proxy, image: registry.example.com/tools/envoy-tap:latest}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n      - name: istio-proxy   # customises the injected proxy; the injector supplies the image\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#customizing-injection',
        'https://istio.io/latest/docs/reference/config/annotations/#SidecarProxyImage',
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-traffic-capture-limitations',
        'https://kubernetes.io/docs/concepts/containers/images/#image-names',
      ],
    },
  },
  check({ model, settings, report }) {
    for (const w of model.workloads) {
      for (const c of w.containers) {
        if (!PROXY_CONTAINER_NAMES.has(c.name)) continue;
        const raw = c.spec.image;
        // No image: the container only customises the injected one, and the injector supplies the image.
        if (raw === undefined || raw === null || raw === '') continue;
        const verdict = typeof raw === 'string' ? proxyImageVerdict(raw, settings) : { trusted: false, reason: 'not a valid image reference' };
        if (verdict.trusted) continue;
        // The installation's own injector writes this image (a private mirror, say): Istio put it
        // there, not the pod's author. Say so at low, once per container, and point at the setting.
        const installed = typeof raw === 'string' ? injectorImageOf(model, w, raw) : null;
        if (installed) {
          report({
            resource: w.resource,
            path: [...c.path, 'image'],
            severity: 'low',
            key: containerKey(c),
            message: `${containerLabel(c)} of ${workloadLabel(w)} runs image ${shown(raw)}, which is ${verdict.reason}, but it is the proxy image the injector is configured with (${describe(installed.resource)}): if that repository is your mirror of Istio's images, add it to settings.trustedProxyImages; otherwise the installation itself runs an unknown proxy.`,
            evidence: [{ role: 'injector', description: `${describe(installed.resource)} configures the proxy image ${shown(installed.proxyImage)}`, resource: installed.resource, path: installed.imagePath }],
          });
          continue;
        }
        report({
          resource: w.resource,
          path: [...c.path, 'image'],
          key: containerKey(c),
          message: `${containerLabel(c)} of ${workloadLabel(w)} runs image ${shown(raw)}, which is ${verdict.reason}: ${own(ROLE, c.name) ?? 'a container the injector owns'}.`,
        });
      }

      const annotated = w.podAnnotations[PROXY_IMAGE_ANNOTATION];
      if (typeof annotated !== 'string' || annotated === '') continue;
      const dataplane = model.dataplaneOf(w);
      if (dataplane === 'none' || dataplane === 'ambient') continue; // no sidecar is injected, so the annotation is inert
      const verdict = proxyImageVerdict(annotated, settings);
      if (verdict.trusted) continue;
      report({
        resource: w.resource,
        path: [...w.metaPath, 'annotations', PROXY_IMAGE_ANNOTATION],
        key: `annotation/${PROXY_IMAGE_ANNOTATION}`,
        message: `${workloadLabel(w)} sets annotation ${PROXY_IMAGE_ANNOTATION}=${shown(annotated)}, which is ${verdict.reason}: the injector runs this image as the pod's sidecar, with all of its captured traffic and its mesh identity.`,
      });
    }
  },
});
