/**
 * Kubernetes name formats, for names that reach generated configuration or cross a trust boundary.
 * A namespace name is a DNS-1123 label: the API server refuses any other, so a name that is not one
 * (`*`, `a/b`, a newline) can only come from a file or a peer that is not a cluster, and must never be
 * written into a Sidecar's `ns/*` host, a policy's namespace list or a selector.
 */

/** A DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What DNS_LABEL asks for, in words, for error messages. */
export const DNS_LABEL_RULE = 'a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit';

/** Whether `name` can be a namespace's name. */
export function isNamespaceName(name: unknown): name is string {
  return typeof name === 'string' && DNS_LABEL.test(name);
}
