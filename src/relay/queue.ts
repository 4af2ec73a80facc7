/**
 * The agent's delta queue: changes not yet sent, coalesced per object (a later change to the same
 * object replaces the earlier one: only the last state matters to the server), bounded in objects and
 * bytes. Past either bound it does not grow: it marks itself overflowed, drops what it holds, and the
 * agent answers with a resync (a new epoch and a fresh snapshot from the cache), which loses nothing
 * since the cache holds the current state.
 */
import { RELAY_LIMITS, type Change } from './protocol.js';
import { sized, type SizedChange } from './snapshot.js';

export interface QueueBounds {
  maxObjects: number;
  maxBytes: number;
}

export const DEFAULT_QUEUE_BOUNDS: QueueBounds = { maxObjects: 50_000, maxBytes: 128 * 1024 * 1024 };

export class DeltaQueue {
  /** Insertion order is send order; a coalesced change keeps its place. Keys come from the cluster: a Map. */
  private readonly pending = new Map<string, SizedChange>();
  private bytesHeld = 0;
  private overflow = false;
  /** Wall-clock ms the oldest pending change arrived (for the flush interval), or null when empty. */
  oldestAt: number | null = null;

  constructor(readonly bounds: QueueBounds = DEFAULT_QUEUE_BOUNDS) {}

  get size(): number {
    return this.pending.size;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  get overflowed(): boolean {
    return this.overflow;
  }

  /** Adds (or coalesces) a change. Returns false when that overflowed the queue (now empty, `overflowed` set). */
  push(key: string, change: Change, now: number = performance.now()): boolean {
    if (this.overflow) return false;
    const s = sized(change);
    const prev = this.pending.get(key);
    if (prev) this.bytesHeld -= prev.bytes;
    this.pending.set(key, s);
    this.bytesHeld += s.bytes;
    if (this.oldestAt === null) this.oldestAt = now;
    if (this.pending.size > this.bounds.maxObjects || this.bytesHeld > this.bounds.maxBytes) {
      this.clear();
      this.overflow = true;
      return false;
    }
    return true;
  }

  /** Puts back a change taken but not sent, unless a newer change to the object arrived since. */
  pushIfAbsent(key: string, change: Change): boolean {
    if (this.pending.has(key)) return true;
    return this.push(key, change);
  }

  /** Removes and returns the oldest changes: at most `maxChanges` and about `maxBytes` (at least one when any). */
  take(maxChanges: number = RELAY_LIMITS.maxChangesPerBatch, maxBytes: number = Infinity): Change[] {
    const out: Change[] = [];
    let bytes = 0;
    for (const [key, s] of this.pending) {
      if (out.length >= maxChanges || (out.length > 0 && bytes + s.bytes > maxBytes)) break;
      out.push(s.change);
      bytes += s.bytes;
      this.bytesHeld -= s.bytes;
      this.pending.delete(key);
    }
    if (this.pending.size === 0) this.oldestAt = null;
    return out;
  }

  /** Empties the queue and clears the overflow mark (a resync starts from the cache). */
  reset(): void {
    this.clear();
    this.overflow = false;
  }

  private clear(): void {
    this.pending.clear();
    this.bytesHeld = 0;
    this.oldestAt = null;
  }
}
