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
  /** Each finding's message and fingerprint: nearly all differ, so they are not looked up in a table. */
  messages: string[];
  fingerprints: string[];
  /** Locations that are not ClusterLocations (a worker makes none; kept for completeness), in finding order. */
  otherLocations: Location[];
  /** WIDTH numbers per finding, indexes into the tables above. */
  rows: Int32Array;
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
  return { strings: strings.values, refs: refs.values, evidence: evidence.values, messages, fingerprints, otherLocations, rows };
}

/** Plain findings from a packed set (main-thread side), sharing the packed tables' values. */
export function unpackFindings(p: PackedFindings): Finding[] {
  const { strings: s, rows } = p;
  const out: Finding[] = new Array(rows.length / WIDTH);
  let other = 0;
  for (let i = 0; i < out.length; i++) {
    const at = i * WIDTH;
    const loc = rows[at + LOCATION];
    out[i] = {
      ruleId: s[rows[at + RULE]],
      severity: s[rows[at + SEVERITY]] as Severity,
      title: s[rows[at + TITLE]],
      message: p.messages[i],
      resource: p.refs[rows[at + REF]],
      location: loc === NO_LOCATION ? null : loc === OTHER_LOCATION ? p.otherLocations[other++] : { cluster: s[loc], object: s[rows[at + LOC_OBJECT]], path: s[rows[at + LOC_PATH]] },
      remediation: s[rows[at + REMEDIATION]],
      evidence: p.evidence[rows[at + EVIDENCE]],
      fingerprint: p.fingerprints[i],
    };
  }
  return out;
}
