/**
 * The agent's delta queue: changes not yet sent, coalesced per object (a later change to the same
 * object replaces the earlier one: only the last state matters to the server), bounded in objects and
 * bytes. Past either bound it does not grow: it marks itself overflowed, drops what it holds, and the
 * agent answers with a resync (a new epoch and a fresh snapshot from the cache), which loses nothing
 * since the cache holds the current state.
 */
import { RELAY_LIMITS } from './protocol.js';
import { sized } from './snapshot.js';
export const DEFAULT_QUEUE_BOUNDS = { maxObjects: 50_000, maxBytes: 128 * 1024 * 1024 };
export class DeltaQueue {
    bounds;
    /** Insertion order is send order; a coalesced change keeps its place. Keys come from the cluster: a Map. */
    pending = new Map();
    bytesHeld = 0;
    overflow = false;
    /** Wall-clock ms the oldest pending change arrived (for the flush interval), or null when empty. */
    oldestAt = null;
    constructor(bounds = DEFAULT_QUEUE_BOUNDS) {
        this.bounds = bounds;
    }
    get size() {
        return this.pending.size;
    }
    get bytes() {
        return this.bytesHeld;
    }
    get overflowed() {
        return this.overflow;
    }
    /** Adds (or coalesces) a change. Returns false when that overflowed the queue (now empty, `overflowed` set). */
    push(key, change, now = Date.now()) {
        if (this.overflow)
            return false;
        const s = sized(change);
        const prev = this.pending.get(key);
        if (prev)
            this.bytesHeld -= prev.bytes;
        this.pending.set(key, s);
        this.bytesHeld += s.bytes;
        if (this.oldestAt === null)
            this.oldestAt = now;
        if (this.pending.size > this.bounds.maxObjects || this.bytesHeld > this.bounds.maxBytes) {
            this.clear();
            this.overflow = true;
            return false;
        }
        return true;
    }
    /** Puts back a change taken but not sent, unless a newer change to the object arrived since. */
    pushIfAbsent(key, change) {
        if (this.pending.has(key))
            return true;
        return this.push(key, change);
    }
    /** Removes and returns the oldest changes: at most `maxChanges` and about `maxBytes` (at least one when any). */
    take(maxChanges = RELAY_LIMITS.maxChangesPerBatch, maxBytes = Infinity) {
        const out = [];
        let bytes = 0;
        for (const [key, s] of this.pending) {
            if (out.length >= maxChanges || (out.length > 0 && bytes + s.bytes > maxBytes))
                break;
            out.push(s.change);
            bytes += s.bytes;
            this.bytesHeld -= s.bytes;
            this.pending.delete(key);
        }
        if (this.pending.size === 0)
            this.oldestAt = null;
        return out;
    }
    /** Empties the queue and clears the overflow mark (a resync starts from the cache). */
    reset() {
        this.clear();
        this.overflow = false;
    }
    clear() {
        this.pending.clear();
        this.bytesHeld = 0;
        this.oldestAt = null;
    }
}
