import { WORKLOAD_READS } from '../reads.js';
import type { DetectedVersion } from '../../advisories/detect.js';
import { describeSuffix, formatVersion } from '../../advisories/version.js';

/** Kinds every advisory rule reads: workloads (images, annotations), IstioOperator, the injector ConfigMap. */
export const ADVISORY_READS = [...WORKLOAD_READS, 'install.istio.io/IstioOperator', 'ConfigMap'];

/** `container "discovery" of Deployment istio-system/istiod runs Istio 1.22.3 (image docker.io/istio/pilot:1.22.3)`. */
export function runsPhrase(d: DetectedVersion): string {
  const v = d.version!;
  const what = d.source === 'image' || d.source === 'annotation' ? `image ${d.text}` : d.text;
  const verb =
    d.source === 'istiooperator' || d.source === 'sail' ? 'installs' : d.source === 'helm-values' ? 'injects proxies of' : d.source === 'annotation' ? 'pins the sidecar to' : 'runs';
  return `${capitalise(d.where)} ${verb} Istio ${formatVersion(v)} (${what})`;
}

/** Caveats about suffixes, for the end of a message. */
export function suffixNote(d: DetectedVersion): string {
  const v = d.version;
  if (!v) return '';
  const notes: string[] = [];
  if (v.vendor) notes.push(`This is a vendor build ("${v.vendor}"): the vendor may have back-ported fixes, so check its own advisories.`);
  if (v.prerelease) notes.push(`Pre-release ${v.prerelease} is checked as ${formatVersion(v)}.`);
  if (v.patch === null && !v.prerelease) notes.push('The tag names no patch release, so only bulletins that cover every patch of the minor are counted.');
  return notes.length ? ` ${notes.join(' ')}` : '';
}

export function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export { describeSuffix };
