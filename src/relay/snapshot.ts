/**
 * What the agent puts on the wire: cache resources (already through the one sanitizer on arrival,
 * src/cluster/live-resource.ts) as WireObjects, and a snapshot cut into parts that the server accepts
 * (at most RELAY_LIMITS.maxChangesPerBatch changes, well under the decompressed byte limit; the
 * compressed limit is checked after gzip by the agent, which halves a part that still exceeds it).
 */
import type { Resource } from '../model/resource.js';
import { kindKey } from '../model/resource.js';
import type { CacheStatus } from '../cluster/cache-types.js';
import { RELAY_LIMITS, objectKeyString, type Batch, type Change, type ObjectKey, type WireKindStatus, type WireObject } from './protocol.js';

/**
 * Serialized bytes in one part. A quarter of the decompressed limit: a part stays far from every server
 * bound, and an agent never holds more than this much JSON for one request.
 */
export const MAX_PART_BYTES = RELAY_LIMITS.maxDecompressedBytes / 4;

export function wireKey(r: Pick<Resource, 'group' | 'kind' | 'namespace' | 'name'>): ObjectKey {
  return { kind: kindKey(r.group, r.kind), namespace: r.namespace, name: r.name };
}

export function wireKeyString(r: Pick<Resource, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return objectKeyString(wireKey(r));
}

/** A cache resource as sent. The object is the sanitized one the cache holds; no field is added back. */
export function toWireObject(r: Resource): WireObject {
  const w: WireObject = { apiVersion: r.apiVersion, kind: r.kind, namespaced: r.namespace !== '', obj: r.obj as Record<string, unknown> };
  if (r.secretFacts) w.secretFacts = r.secretFacts;
  return w;
}

/** A change with its serialized size (measured once, when it enters the queue or a snapshot part). */
export interface SizedChange {
  change: Change;
  bytes: number;
}

/**
 * A change's serialized text, kept with the change while a snapshot part is on its way (WeakMap: it
 * goes with the change). A 20,000-object snapshot was serialized three times before (to size it, to
 * check the batch against the compressed limit, to send it): a third of the agent's CPU.
 */
const changeJson = new WeakMap<Change, string>();

/**
 * `change` with its serialized size. `keepText`: keep the text for `batchJson` (snapshot parts, sent
 * at once); the delta queue does not, so what it holds stays within its byte bound.
 */
export function sized(change: Change, keepText = false): SizedChange {
  const json = JSON.stringify(change);
  if (keepText) changeJson.set(change, json);
  // +1: the comma between array elements.
  return { change, bytes: Buffer.byteLength(json) + 1 };
}

/**
 * A batch as JSON, each change's kept text reused (the same JSON value as JSON.stringify(batch), with
 * `changes` written last). What the transport sends and the compressed limit is checked on.
 */
export function batchJson(batch: Batch): string {
  const { changes, ...head } = batch;
  const parts = changes.map((c) => changeJson.get(c) ?? JSON.stringify(c));
  // `head` always holds v, cluster, epoch...: its JSON ends with '}' after at least one member.
  return `${JSON.stringify(head).slice(0, -1)},"changes":[${parts.join(',')}]}`;
}

/** Serialized bytes of a batch without serializing its changes again: their sizes as `sized` measured. */
export function batchBytes(batch: Batch, changeBytes: number): number {
  const { changes: _changes, ...head } = batch;
  // `sized` counts a comma after every change: one more than the list has.
  return Buffer.byteLength(JSON.stringify(head)) + ',"changes":[]'.length + Math.max(0, changeBytes - 1);
}

/** What the cache could see, per kind, as the wire carries it (a short reason, never a secret value). */
export function kindStatuses(status: CacheStatus): WireKindStatus[] {
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
  private readonly resources: Resource[];
  private index = 0;
  /** Objects left out because one alone is over RELAY_LIMITS.maxObjectBytes (the server would refuse the batch). */
  skipped = 0;
  /** Serialized bytes of the changes `next` returned last (commas included), for batchBytes. */
  lastPartBytes = 0;

  constructor(resources: Iterable<Resource>) {
    this.resources = [...resources];
  }

  get total(): number {
    return this.resources.length;
  }

  get done(): boolean {
    return this.index >= this.resources.length;
  }

  /** Where the next part starts (to rewind when a part turns out too large compressed). */
  get position(): number {
    return this.index;
  }

  rewind(to: number): void {
    this.index = to;
  }

  /** The next part: at most `maxChanges` changes and `maxBytes` serialized bytes (at least one change when any is left). */
  next(maxChanges: number = RELAY_LIMITS.maxChangesPerBatch, maxBytes: number = MAX_PART_BYTES): Change[] {
    const out: Change[] = [];
    let bytes = 0;
    while (this.index < this.resources.length && out.length < maxChanges) {
      const s = sized({ op: 'upsert', object: toWireObject(this.resources[this.index]!) }, true);
      if (s.bytes > RELAY_LIMITS.maxObjectBytes) {
        this.skipped++;
        this.index++;
        continue;
      }
      if (out.length > 0 && bytes + s.bytes > maxBytes) break;
      out.push(s.change);
      bytes += s.bytes;
      this.index++;
    }
    this.lastPartBytes = bytes;
    return out;
  }
}

