/**
 * The admission decision the server calls: which findings does the incoming object introduce?
 *
 * `decideIntroduced` answers exactly what the reference (decide-reference.ts: two full analyses per
 * review) answers, through a FastDecider (decide-fast.ts) kept per cache: the base analysis is reused
 * across reviews for as long as the cache's version holds.
 *
 * Memoization is per `state.resources` function: pass the same DecisionState (or at least the same
 * `resources` function) for every review of one cache, and bump `version` when the cache changes. A
 * new `resources` function builds a new base (seconds at 20,000 objects).
 */
import type { AdmissionRequest, DecisionState } from './types.js';
import { FastDecider, type FastDeciderOptions } from './decide-fast.js';
import type { Decision, DecideOptions } from './decide-reference.js';

export { decideReference, requestResource, type Decision, type DecideOptions } from './decide-reference.js';
export { FastDecider, type DeciderStats, type FastDeciderOptions } from './decide-fast.js';

const deciders = new WeakMap<DecisionState['resources'], { opts: DecideOptions; decider: FastDecider }>();

/** The decider `decideIntroduced` uses for this cache and these options (for its stats, or to rebuild its base eagerly). */
export function deciderFor(state: DecisionState, opts: DecideOptions, fastOpts: FastDeciderOptions = {}): FastDecider {
  const known = deciders.get(state.resources);
  if (known && sameOptions(known.opts, opts)) return known.decider;
  known?.decider.close();
  const decider = new FastDecider(opts, fastOpts);
  deciders.set(state.resources, { opts, decider });
  return decider;
}

export function decideIntroduced(req: AdmissionRequest, state: DecisionState, opts: DecideOptions, fastOpts: FastDeciderOptions = {}): Decision {
  return deciderFor(state, opts, fastOpts).decide(req, state);
}

function sameOptions(a: DecideOptions, b: DecideOptions): boolean {
  return a.tenantPolicy === b.tenantPolicy && a.settings === b.settings && a.cluster === b.cluster && a.rules === b.rules;
}
