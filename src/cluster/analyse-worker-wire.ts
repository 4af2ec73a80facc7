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
const [RULE, SEVERITY, TITLE, MESSAGE, REF, LOCATION, REMEDIATION, EVIDENCE, FINGERPRINT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** A row's LOCATION for `location: null`. */
const NONE = -1;

export interface PackedFindings {
  strings: string[];
  refs: ResourceRef[];
  locations: Location[];
  evidence: Evidence[][];
  /** WIDTH numbers per finding, indexes into the tables above. */
  rows: Int32Array;
}

class Table<K, V = K> {
  readonly values: V[] = [];
  private readonly index = new Map<K, number>();
  of(key: K, value: () => V): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value());
      this.index.set(key, i);
    }
    return i;
  }
}

/** The findings of one cluster, packed (worker side). Suppression marks are not carried: none is set in a worker. */
export function packFindings(findings: readonly Finding[]): PackedFindings {
  const strings = new Table<string>();
  const refs = new Table<ResourceRef>();
  const locations = new Table<string, Location>();
  const evidence = new Table<Evidence[]>();
  const rows = new Int32Array(findings.length * WIDTH);
  const str = (s: string) => strings.of(s, () => s);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    const at = i * WIDTH;
    rows[at + RULE] = str(f.ruleId);
    rows[at + SEVERITY] = str(f.severity);
    rows[at + TITLE] = str(f.title);
    rows[at + MESSAGE] = str(f.message);
    rows[at + REF] = refs.of(f.resource, () => f.resource);
    rows[at + LOCATION] = f.location ? locations.of(locationKey(f.location), () => f.location!) : NONE;
    rows[at + REMEDIATION] = str(f.remediation);
    // Lists are shared by identity in the worker (a rule's evidence without objects is one list).
    rows[at + EVIDENCE] = evidence.of(f.evidence, () => f.evidence);
    rows[at + FINGERPRINT] = str(f.fingerprint);
  }
  return { strings: strings.values, refs: refs.values, locations: locations.values, evidence: evidence.values, rows };
}

/** Every member, so two locations with the same key are the same location. */
function locationKey(l: Location): string {
  return l.file === undefined ? `c\u0000${l.cluster}\u0000${l.object}\u0000${l.path}` : `f\u0000${l.file}\u0000${l.line}\u0000${l.column}\u0000${l.path}\u0000${l.rendered ? `${l.rendered.file}\u0000${l.rendered.line}` : ''}`;
}

/** Plain findings from a packed set (main-thread side), sharing the packed tables' values. */
export function unpackFindings(p: PackedFindings): Finding[] {
  const { strings: s, rows } = p;
  const out: Finding[] = new Array(rows.length / WIDTH);
  for (let i = 0; i < out.length; i++) {
    const at = i * WIDTH;
    const loc = rows[at + LOCATION];
    out[i] = {
      ruleId: s[rows[at + RULE]],
      severity: s[rows[at + SEVERITY]] as Severity,
      title: s[rows[at + TITLE]],
      message: s[rows[at + MESSAGE]],
      resource: p.refs[rows[at + REF]],
      location: loc === NONE ? null : p.locations[loc],
      remediation: s[rows[at + REMEDIATION]],
      evidence: p.evidence[rows[at + EVIDENCE]],
      fingerprint: s[rows[at + FINGERPRINT]],
    };
  }
  return out;
}
