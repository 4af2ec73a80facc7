import { parseImage } from '../../model/images.js';
import type { ContainerRef } from '../../model/workloads.js';
import type { RuleSettings } from '../../config/settings.js';

/** Container names Istio's injector gives the containers it adds. */
export const PROXY_CONTAINER_NAMES = new Set(['istio-proxy', 'istio-init', 'istio-validation']);

/**
 * Is this image one the settings trust as Istio's proxy? Matched on registry + repository; an entry
 * that pins a digest (`name@sha256:...`) also requires that digest. `auto` is the placeholder the
 * gateway injection template replaces with the real proxy image.
 */
export function isTrustedProxyImage(image: string, settings: RuleSettings): boolean {
  if (image === 'auto') return true;
  const ref = parseImage(image);
  if (!ref) return false;
  for (const entry of settings.trustedProxyImages) {
    const [name, digest] = entry.split('@');
    const want = parseImage(name);
    if (!want || want.name !== ref.name) continue;
    if (digest && ref.digest !== digest) continue;
    return true;
  }
  return false;
}

/** A genuine Istio-injected container: a proxy container name *and* a trusted proxy image. Never by name alone. */
export function isGenuineProxyContainer(c: ContainerRef, settings: RuleSettings): boolean {
  return PROXY_CONTAINER_NAMES.has(c.name) && isTrustedProxyImage(c.image, settings);
}
