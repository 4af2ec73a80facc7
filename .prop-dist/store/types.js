/** The name under which cross-cluster findings (blast radius, trust) are stored. Not a valid cluster name. */
export const FLEET_CLUSTER = '(fleet)';
/** A uniqueness conflict (a cluster registered twice). */
export class StoreConflictError extends Error {
    constructor(message) {
        super(message);
        this.name = 'StoreConflictError';
    }
}
