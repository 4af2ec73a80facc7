import { FastDecider } from './decide-fast.js';
export { decideReference, requestResource } from './decide-reference.js';
export { FastDecider } from './decide-fast.js';
const deciders = new WeakMap();
/** The decider `decideIntroduced` uses for this cache and these options (for its stats, or to rebuild its base eagerly). */
export function deciderFor(state, opts, fastOpts = {}) {
    const known = deciders.get(state.resources);
    if (known && sameOptions(known.opts, opts))
        return known.decider;
    known?.decider.close();
    const decider = new FastDecider(opts, fastOpts);
    deciders.set(state.resources, { opts, decider });
    return decider;
}
export function decideIntroduced(req, state, opts, fastOpts = {}) {
    return deciderFor(state, opts, fastOpts).decide(req, state);
}
function sameOptions(a, b) {
    return a.tenantPolicy === b.tenantPolicy && a.settings === b.settings && a.cluster === b.cluster && a.rules === b.rules;
}
