/**
 * What a WasmPlugin loads, from where, and which proxies run it: read once here for every rule that
 * judges WasmPlugins (HJK018 the module's integrity, AUT031 its failure mode).
 *
 * Istio facts (istio/api `extensions/v1alpha1/wasm.proto`; istio/istio `pkg/wasm/cache.go`,
 * `pkg/wasm/convert.go`):
 * - `url` without a scheme is an OCI image (`oci://`); `file://` is a module already in the proxy's
 *   image; `http://` and `https://` are fetched by the istio-agent of every pod the plugin applies to.
 * - The agent checks the downloaded bytes against `sha256` when it is set, and an OCI image against
 *   the digest of an `@sha256:` reference; otherwise it takes whatever the server or registry returns.
 * - An OCI image referenced by tag (or by none, which is `latest`) is pulled by tag: a push to that tag
 *   changes the code the next time a proxy pulls it (`Always` is the default pull policy for `latest`).
 */
import { isObject } from './workloads.js';
import { isEmptySelector } from './selectors.js';
import { redactUrl } from '../engine/redact.js';
import { parseImage } from './images.js';
import type { Resource } from './resource.js';

export type WasmScheme = 'oci' | 'http' | 'https' | 'file' | 'other';

export interface WasmSource {
  scheme: WasmScheme;
  /** The url as a message may show it (credentials and query values fingerprinted, terminal-safe). */
  shown: string;
  /** The host (or registry) the module comes from, for messages; '' for file:// and unparsable urls. */
  host: string;
  /** The module's bytes are checked before use: `sha256` set, or an OCI reference by digest. */
  pinned: boolean;
  /** For OCI by tag: the tag (`latest` when none is written). */
  tag?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]{0,30}):\/\//;
const SHA256_HEX = /^[a-f0-9]{64}$/;
/** The digest of `name@sha256:<64 hex>`: Istio takes it as the checksum (cache.go getEntry). */
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The module source of a WasmPlugin's spec, or null when it has no usable `url` (Istio refuses it). */
export function wasmSource(spec: Record<string, unknown>): WasmSource | null {
  const url = typeof spec.url === 'string' ? spec.url.trim() : '';
  if (!url) return null;
  const written = SCHEME.exec(url)?.[1]?.toLowerCase();
  const scheme: WasmScheme = written === undefined || written === 'oci' ? 'oci' : written === 'http' || written === 'https' || written === 'file' ? written : 'other';
  const rest = written === undefined ? url : url.slice(url.indexOf('://') + 3);
  const checksum = typeof spec.sha256 === 'string' && SHA256_HEX.test(spec.sha256);
  if (scheme === 'oci') {
    // Read as container runtimes read image references (registry, Docker Hub by default, tag, digest).
    // A reference that does not read as one (control characters, over 1,024 characters) is taken as
    // unpinned, by the default tag, from a registry the message cannot name.
    const image = parseImage(rest);
    const digest = typeof image?.digest === 'string' && SHA256_DIGEST.test(image.digest);
    const pinned = checksum || digest;
    return { scheme, shown: redactUrl(url), host: image ? redactUrl(image.registry) : '', pinned, ...(digest ? {} : { tag: image?.tag ?? 'latest' }) };
  }
  let host = '';
  if (scheme === 'http' || scheme === 'https') {
    // Everything between `//` and the first `/` after any userinfo; redactUrl hides the userinfo.
    const authority = rest.split('/')[0] ?? '';
    host = redactUrl(authority.slice(authority.lastIndexOf('@') + 1));
  }
  return { scheme, shown: redactUrl(url), host, pinned: checksum || scheme === 'file' };
}

/** Which proxies run a WasmPlugin, in words, and whether the words are plural (for the verb after them). */
export interface WasmReach {
  text: string;
  plural: boolean;
}

/**
 * Which proxies run a WasmPlugin: its targetRefs, its selector, or (neither) every proxy of its
 * namespace, or of the mesh when it is in the root namespace (wasm.proto `selector`).
 */
export function wasmReach(r: Resource, spec: Record<string, unknown>, rootNamespace: string): WasmReach {
  const refs = Array.isArray(spec.targetRefs) ? spec.targetRefs.filter(isObject) : isObject(spec.targetRef) ? [spec.targetRef] : [];
  if (refs.length) {
    const named = refs.slice(0, 3).map((t) => `${typeof t.kind === 'string' ? t.kind : 'object'} ${typeof t.name === 'string' ? t.name : '(unnamed)'}`);
    return { text: `the proxies of ${named.join(', ')}${refs.length > 3 ? ` and ${refs.length - 3} more` : ''}`, plural: true };
  }
  const root = r.namespace === rootNamespace;
  const selector = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
  if (!isEmptySelector(selector) && isObject(selector)) {
    const labels = Object.entries(selector)
      .slice(0, 3)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
    return { text: `the proxies of the pods labelled ${labels}${root ? ' in every namespace' : ` in ${r.namespace}`}`, plural: true };
  }
  return { text: root ? 'every proxy in the mesh' : `every proxy in namespace ${r.namespace}`, plural: false };
}

/** The WasmPlugin's spec, or an empty object. */
export function wasmSpec(r: Resource): Record<string, unknown> {
  return isObject(r.obj?.spec) ? r.obj.spec : {};
}
