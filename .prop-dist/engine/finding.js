export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
/** Higher is worse. */
export function severityRank(s) {
    return 4 - SEVERITIES.indexOf(s);
}
export function isSeverity(s) {
    return typeof s === 'string' && SEVERITIES.includes(s);
}
export function isClusterLocation(l) {
    return l !== null && l !== undefined && l.file === undefined;
}
/** A location's file, or null for one in a live cluster (and for none). */
export function fileLocation(l) {
    return l && l.file !== undefined ? l : null;
}
