/**
 * Findings as they cross from an analysis worker to the main thread: tables of distinct values and one
 * row of numbers per finding, instead of one cloned object graph per finding.
 *
 * A cluster of 10,000 objects makes over 10,000 findings, and most of what each holds repeats: the
 * rule's title and fix, the object (shared by its findings), the cluster's name, the object's
 * `Kind/ns/name` and the field path of its location, the evidence lists. Cloned object by object, every
 * copy is serialized, deserialized and kept (the main thread holds every cluster's findings until the
 * report): measured on 20 clusters of 10,000 objects, about 1.5 s of main-thread CPU to receive them
 * and 350 MB more peak memory. Here each distinct string, object reference, location and evidence
 * list crosses once; the main thread rebuilds plain findings that share them.
 *
 * Byte-identical reports: unpacked findings have the members, in the order, of plainFinding(), with
 * the same values (shared, never changed in place by the reports).
 */
import type { Evidence, Finding, Location, Severity } from '../engine/finding.js';
import type { ResourceRef } from '../model/resource.js';
import { plainFinding } from '../engine/run.js';

/** Numbers per finding in `rows`. */
const WIDTH = 9;
const [RULE, SEVERITY, TITLE, REF, REMEDIATION, EVIDENCE, LOCATION, LOC_OBJECT, LOC_PATH] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** LOCATION for `location: null`; for a ClusterLocation (cluster, object, path in LOCATION, LOC_OBJECT, LOC_PATH as strings) it is >= 0. */
const NO_LOCATION = -1;
/** LOCATION for any other location: the next of `otherLocations`. */
const OTHER_LOCATION = -2;

export interface PackedFindings {
  /** Distinct texts: rule IDs, severities, titles, fixes, clusters, objects, paths. */
  strings: string[];
  refs: ResourceRef[];
  evidence: Evidence[][];
  /**
   * Each finding's message and fingerprint: nearly all differ, so they are not looked up in a table.
   * All of them end to end in one string, finding i's from `ends[i - 1]` (0 for the first) to `ends[i]`:
   * one string crosses the thread and lives on the main thread (in the large-object space, which the
   * young-generation collector never copies), not one per finding.
   */
  messages: PackedTexts;
  fingerprints: PackedTexts;
  /** Locations that are not ClusterLocations (a worker makes none; kept for completeness), in finding order. */
  otherLocations: Location[];
  /** WIDTH numbers per finding, indexes into the tables above. */
  rows: Int32Array;
}

/** Texts end to end and where each ends; or, past JOINED_MAX characters in all, the texts as they are. */
export type PackedTexts = { text: string; ends: Uint32Array } | { texts: string[] };

/** Longest joined text: far below V8's longest string (2^29 characters). */
const JOINED_MAX = 1 << 27;

function packTexts(texts: string[]): PackedTexts {
  const ends = new Uint32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) ends[i] = at += texts[i].length;
  return at > JOINED_MAX ? { texts } : { text: texts.join(''), ends };
}

function textAt(p: PackedTexts, i: number): string {
  return 'texts' in p ? p.texts[i] : p.text.slice(i ? p.ends[i - 1] : 0, p.ends[i]);
}

/** Numbers for distinct values. Keys are strings and objects the worker shares (a rule's title, an object's ref), so each lookup hashes a string once at most. */
class Table<V> {
  readonly values: V[] = [];
  private readonly index = new Map<V, number>();
  of(v: V): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.index.set(v, i);
    }
    return i;
  }
}

/** The findings of one cluster, packed (worker side). Suppression marks are not carried: none is set in a worker. */
export function packFindings(findings: readonly Finding[]): PackedFindings {
  const strings = new Table<string>();
  const refs = new Table<ResourceRef>();
  const evidence = new Table<Evidence[]>();
  const messages: string[] = new Array(findings.length);
  const fingerprints: string[] = new Array(findings.length);
  const otherLocations: Location[] = [];
  const rows = new Int32Array(findings.length * WIDTH);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    const at = i * WIDTH;
    rows[at + RULE] = strings.of(f.ruleId);
    rows[at + SEVERITY] = strings.of(f.severity);
    rows[at + TITLE] = strings.of(f.title);
    rows[at + REF] = refs.of(f.resource);
    rows[at + REMEDIATION] = strings.of(f.remediation);
    // Lists are shared by identity in the worker (a rule's evidence without objects is one list).
    rows[at + EVIDENCE] = evidence.of(f.evidence);
    const l = f.location;
    if (!l) rows[at + LOCATION] = NO_LOCATION;
    else if (l.file === undefined && Object.keys(l).length === 3) {
      rows[at + LOCATION] = strings.of(l.cluster);
      rows[at + LOC_OBJECT] = strings.of(l.object);
      rows[at + LOC_PATH] = strings.of(l.path);
    } else {
      rows[at + LOCATION] = OTHER_LOCATION;
      otherLocations.push(l);
    }
    messages[i] = f.message;
    fingerprints[i] = f.fingerprint;
  }
  return { strings: strings.values, refs: refs.values, evidence: evidence.values, messages: packTexts(messages), fingerprints: packTexts(fingerprints), otherLocations, rows };
}

/**
 * Findings from a packed set (main-thread side). Each is a small object reading its members from the
 * packed tables when asked (about 60 bytes instead of about 150 for a plain finding and its location:
 * the main thread keeps every cluster's findings until the report, 670,000 of them for 100 clusters
 * of 5,000 objects). They read and serialize as plain findings (toJSON gives plainFinding's members in
 * its order); `suppressed`, `location` and `evidence` may be set, as on any finding.
 */
export function unpackFindings(p: PackedFindings): Finding[] {
  const out: Finding[] = new Array(p.rows.length / WIDTH);
  const others = new Map<number, Location>();
  for (let i = 0, other = 0; i < out.length; i++) {
    if (p.rows[i * WIDTH + LOCATION] === OTHER_LOCATION) others.set(i, p.otherLocations[other++]);
    out[i] = new PackedFinding(p, i);
  }
  p.otherLocations = [];
  otherLocationsOf.set(p, others);
  return out;
}

/** Each packed set's non-cluster locations by finding index (rare: a worker makes none). */
const otherLocationsOf = new WeakMap<PackedFindings, Map<number, Location>>();

class PackedFinding implements Finding {
  declare suppressed?: Finding['suppressed'];
  readonly #p: PackedFindings;
  readonly #at: number;
  /** Set when a caller replaces the location or the evidence (Helm mapping does, for files). */
  #changed: { location?: Location | null; evidence?: Evidence[] } | null = null;

  constructor(p: PackedFindings, i: number) {
    this.#p = p;
    this.#at = i * WIDTH;
  }

  private str(field: number): string {
    return this.#p.strings[this.#p.rows[this.#at + field]];
  }
  get ruleId(): string {
    return this.str(RULE);
  }
  get severity(): Severity {
    return this.str(SEVERITY) as Severity;
  }
  get title(): string {
    return this.str(TITLE);
  }
  get message(): string {
    return textAt(this.#p.messages, this.#at / WIDTH);
  }
  get resource(): ResourceRef {
    return this.#p.refs[this.#p.rows[this.#at + REF]];
  }
  get location(): Location | null {
    if (this.#changed && 'location' in this.#changed) return this.#changed.location ?? null;
    const loc = this.#p.rows[this.#at + LOCATION];
    if (loc === NO_LOCATION) return null;
    if (loc === OTHER_LOCATION) return otherLocationsOf.get(this.#p)?.get(this.#at / WIDTH) ?? null;
    return { cluster: this.#p.strings[loc], object: this.str(LOC_OBJECT), path: this.str(LOC_PATH) };
  }
  set location(l: Location | null) {
    (this.#changed ??= {}).location = l;
  }
  get remediation(): string {
    return this.str(REMEDIATION);
  }
  get evidence(): Evidence[] {
    return this.#changed?.evidence ?? this.#p.evidence[this.#p.rows[this.#at + EVIDENCE]];
  }
  set evidence(e: Evidence[]) {
    (this.#changed ??= {}).evidence = e;
  }
  get fingerprint(): string {
    return textAt(this.#p.fingerprints, this.#at / WIDTH);
  }

  toJSON(): Finding {
    return plainFinding(this);
  }
}
