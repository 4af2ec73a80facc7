import { globMatch } from '../engine/glob.js';
import type { TenantPolicyFile } from './policy.js';

/**
 * Could two tenants of a policy ever claim the same namespace? The generated Kyverno policy asks this
 * to emulate first-match ownership (Tenancy.placeWith): a tenant's rules must exclude the earlier
 * tenants that could match one of its namespaces. Excluding every earlier tenant is correct too, but
 * the output then grows with the square of the tenant count; excluding only those this says may
 * overlap keeps it linear for policies whose tenants name disjoint namespaces or pin disjoint labels.
 *
 * The answer must never be "no" for two tenants that can share a namespace, or the later one's rules
 * would judge a namespace the earlier one owns. So "no" is said only when it is certain:
 *   - names against names: plain names must be equal; a plain name must match the other's glob; two
 *     globs must agree on their literal text before the first and after the last wildcard (every
 *     name both match starts and ends with both);
 *   - a label selector against a selector: some label key on which no namespace can satisfy both
 *     (`team: a` against `team: b`, `In` lists without a common value, `Exists` against `DoesNotExist`);
 *   - names against a selector: any namespace can carry any labels, so always "maybe".
 */

type LabelSelector = NonNullable<TenantPolicyFile['tenants'][number]['namespaceSelector']>;

export interface TenantMatch {
  /** Namespace names and globs, braces already expanded. */
  namespaceGlobs: readonly string[];
  selector: LabelSelector | undefined;
}

export function mayShareNamespace(a: TenantMatch, b: TenantMatch): boolean {
  if (a.namespaceGlobs.some((g) => b.namespaceGlobs.some((h) => globsMayMeet(g, h)))) return true;
  if ((a.selector && b.namespaceGlobs.length) || (b.selector && a.namespaceGlobs.length)) return true;
  return !!a.selector && !!b.selector && selectorsMayMeet(a.selector, b.selector);
}

const WILDCARD = /[*?]/;

/** May some name match both brace-free globs? */
export function globsMayMeet(g: string, h: string): boolean {
  const gWild = WILDCARD.test(g);
  const hWild = WILDCARD.test(h);
  if (!gWild && !hWild) return g === h;
  if (!gWild) return globMatch(h, g);
  if (!hWild) return globMatch(g, h);
  const prefix = (s: string) => s.slice(0, s.search(WILDCARD));
  const suffix = (s: string) => s.slice(lastWildcard(s) + 1);
  const [gp, hp, gs, hs] = [prefix(g), prefix(h), suffix(g), suffix(h)];
  return (gp.startsWith(hp) || hp.startsWith(gp)) && (gs.endsWith(hs) || hs.endsWith(gs));
}

function lastWildcard(s: string): number {
  return Math.max(s.lastIndexOf('*'), s.lastIndexOf('?'));
}

/** What one or more selectors demand of one label key. */
interface KeyDemand {
  /** The values the label may take (matchLabels, `In`); undefined: any value. */
  allowed?: Set<string>;
  /** Values it may not take (`NotIn`, which an absent label also satisfies). */
  refused: Set<string>;
  present: boolean;
  absent: boolean;
}

/** May one namespace's labels satisfy both selectors (selectorMatches' meaning)? */
export function selectorsMayMeet(a: LabelSelector, b: LabelSelector): boolean {
  const demands = new Map<string, KeyDemand>();
  const demand = (key: string) => {
    let d = demands.get(key);
    if (!d) demands.set(key, (d = { refused: new Set(), present: false, absent: false }));
    return d;
  };
  const allow = (d: KeyDemand, values: readonly string[]) => {
    d.present = true;
    d.allowed = new Set(d.allowed ? values.filter((v) => d.allowed!.has(v)) : values);
  };
  for (const sel of [a, b]) {
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) allow(demand(k), [v]);
    for (const e of sel.matchExpressions ?? []) {
      const d = demand(e.key);
      // An empty `In` list is invalid in Kubernetes (and Kyverno may read it otherwise): only presence is concluded from it.
      if (e.operator === 'In' && e.values?.length) allow(d, e.values);
      else if (e.operator === 'In') d.present = true;
      else if (e.operator === 'NotIn') for (const v of e.values ?? []) d.refused.add(v);
      else if (e.operator === 'Exists') d.present = true;
      else d.absent = true;
    }
  }
  for (const d of demands.values()) {
    if (d.present && d.absent) return false;
    if (d.allowed && ![...d.allowed].some((v) => !d.refused.has(v))) return false;
  }
  return true;
}
