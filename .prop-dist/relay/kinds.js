/** The kinds the agent watches: exactly those a live scan lists (every rule's reads and the model's own). */
import { liveKinds } from '../cli/live.js';
import { allRules } from '../rules/index.js';
export function relayKinds() {
    return liveKinds(allRules);
}
