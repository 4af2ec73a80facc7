import { defineRule } from '../types.js';
/**
 * The catalogue IDs of what only a comparison of several clusters shows (blast radius, shared or
 * mixed CA material). A rule's `check` sees one cluster's model (`scan` builds one per cluster, live
 * or from files), so these rules report nothing there: `meshward blast-radius` and the server's fleet
 * pass find them, and report them under these IDs so that `rules`, `explain`, SARIF and the docs know them.
 */
export const FLEET_RULE_IDS = {
    blastRadius: 'MCL004',
    sharedIntermediate: 'MCL005',
    mixedRoots: 'MCL006',
    sharedRootAcrossMeshes: 'MCL007',
};
/** Rules that only the cross-cluster analysis reports (never one cluster's scan). */
export const FLEET_ONLY = new Set(Object.values(FLEET_RULE_IDS));
export function trustRuleId(kind) {
    return kind === 'shared-intermediate' ? FLEET_RULE_IDS.sharedIntermediate : kind === 'mixed-roots' ? FLEET_RULE_IDS.mixedRoots : FLEET_RULE_IDS.sharedRootAcrossMeshes;
}
/** The fleet rule IDs a cross-cluster result reports, one per finding, in the order the server stores them. */
export function fleetRuleIdsOf(radius) {
    return [...radius.clusters.flatMap((c) => c.reach.filter((r) => r.path.length).map(() => FLEET_RULE_IDS.blastRadius)), ...radius.trust.map((t) => trustRuleId(t.kind))];
}
const FLEET_NOTE = ' Found only across clusters: by `meshward blast-radius --cluster NAME=PATH ...` (or its live `--context`/`--all-contexts`) and by `meshward server`\'s fleet analysis; a scan of one cluster cannot see it and reports nothing under this ID. The example shows each cluster\'s objects after a `# cluster: NAME` line.';
/** A catalogue rule for a finding of the fleet: documented like any rule, silent per cluster. */
export function fleetRule(meta) {
    return defineRule({
        meta: { ...meta, docs: { ...meta.docs, summary: meta.docs.summary + FLEET_NOTE } },
        check() {
            // One cluster's model holds no other cluster to compare with (see FLEET_NOTE).
        },
    });
}
