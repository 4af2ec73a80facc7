import { kindKey } from '../model/resource.js';
import { RELAY_LIMITS, objectKeyString } from './protocol.js';
/**
 * Serialized bytes in one part. A quarter of the decompressed limit: a part stays far from every server
 * bound, and an agent never holds more than this much JSON for one request.
 */
export const MAX_PART_BYTES = RELAY_LIMITS.maxDecompressedBytes / 4;
export function wireKey(r) {
    return { kind: kindKey(r.group, r.kind), namespace: r.namespace, name: r.name };
}
export function wireKeyString(r) {
    return objectKeyString(wireKey(r));
}
/** A cache resource as sent. The object is the sanitized one the cache holds; no field is added back. */
export function toWireObject(r) {
    const w = { apiVersion: r.apiVersion, kind: r.kind, namespaced: r.namespace !== '', obj: r.obj };
    if (r.secretFacts)
        w.secretFacts = r.secretFacts;
    return w;
}
export function sized(change) {
    // +1: the comma between array elements.
    return { change, bytes: Buffer.byteLength(JSON.stringify(change)) + 1 };
}
/** What the cache could see, per kind, as the wire carries it (a short reason, never a secret value). */
export function kindStatuses(status) {
    return status.kinds.map((k) => ({
        kind: k.kind,
        served: k.served,
        synced: k.synced,
        objects: k.objects,
        error: k.lastError ? (k.lastError.status !== null ? `HTTP ${k.lastError.status}` : 'unreachable') : k.served ? null : 'not served',
    }));
}
/**
 * A snapshot's objects, taken at one instant (the cache is read synchronously: no change can land
 * between two objects), then cut into parts on demand. Holding references is cheap: the cache replaces
 * its resources on change and never mutates them.
 */
export class SnapshotPlan {
    resources;
    index = 0;
    /** Objects left out because one alone is over RELAY_LIMITS.maxObjectBytes (the server would refuse the batch). */
    skipped = 0;
    constructor(resources) {
        this.resources = [...resources];
    }
    get total() {
        return this.resources.length;
    }
    get done() {
        return this.index >= this.resources.length;
    }
    /** Where the next part starts (to rewind when a part turns out too large compressed). */
    get position() {
        return this.index;
    }
    rewind(to) {
        this.index = to;
    }
    /** The next part: at most `maxChanges` changes and `maxBytes` serialized bytes (at least one change when any is left). */
    next(maxChanges = RELAY_LIMITS.maxChangesPerBatch, maxBytes = MAX_PART_BYTES) {
        const out = [];
        let bytes = 0;
        while (this.index < this.resources.length && out.length < maxChanges) {
            const s = sized({ op: 'upsert', object: toWireObject(this.resources[this.index]) });
            if (s.bytes > RELAY_LIMITS.maxObjectBytes) {
                this.skipped++;
                this.index++;
                continue;
            }
            if (out.length > 0 && bytes + s.bytes > maxBytes)
                break;
            out.push(s.change);
            bytes += s.bytes;
            this.index++;
        }
        return out;
    }
}
