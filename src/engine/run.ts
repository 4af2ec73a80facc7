import type { Evidence, Finding, Location, Severity } from './finding.js';
import { severityRank } from './finding.js';
import { FINGERPRINT_BYTES, fingerprintDigest, type FingerprintMemo, type MemoSlot } from './fingerprint.js';
import type { Locator } from '../loader/locate.js';
import type { MeshModel } from '../model/model.js';
import { pathToString, refOf, type PathSegment, type Resource, type ResourceRef } from '../model/resource.js';
import type { EvidenceInput, ReportInput, Rule, RuleMeta } from '../rules/types.js';
import type { RuleSettings } from '../config/settings.js';
import type { TrafficFacts } from '../insights/types.js';
import { confirmFindings } from '../insights/confirm.js';
import { restsOnTwinsOnly } from './twins.js';

export interface RunOptions {
  settings: RuleSettings;
  /** Resolves positions; without one, findings carry no location (model-only callers, e.g. the webhook). */
  locator?: Locator;
  /** Per-rule severity overrides from the config file. */
  severityOverrides?: Record<string, Severity>;
  /** Rules switched off in the config file. */
  disabled?: Set<string>;
  /**
   * Return compact findings (StoredFinding: title, message, remediation, fingerprint and location are
   * made when read), for runs that may make a million findings (the CLI's scan). They read like any Finding and
   * serialize the same, but a spread (`{ ...f }`) copies only their plain members: copy them with
   * plainFinding(). Default: plain objects.
   */
  compact?: boolean;
  /** Traffic facts for the INS rules (RuleContext.telemetry). */
  telemetry?: TrafficFacts;
  /**
   * Fingerprint digests kept across runs over the same objects (the incremental engine's). With it,
   * and without telemetry, a finding reported exactly as the last run reported it (same rule, object,
   * field, key, message, severity, remediation and evidence, the evidence's objects the same objects)
   * is that run's finding object again, not made anew: a rule run again because some other object
   * changed mostly finds what it found before (a Service edit re-runs AUT013 over every policy).
   */
  fingerprints?: FingerprintMemo;
  /** Values rules keep per tenant namespace across runs (RuleContext.perNamespace; the incremental engine's). */
  namespaceValues?: NamespaceValues;
}

/**
 * What rules remember per tenant namespace across runs (RuleContext.perNamespace), kept by the
 * incremental engine, which forgets what a change reaches (forget, forgetAll): of the rules it runs
 * again, since a rule not run again read nothing the change touched.
 */
export class NamespaceValues {
  /** Rule id → namespace → key → value. */
  private readonly values = new Map<string, Map<string, Map<string, unknown>>>();

  get<T>(ruleId: string, ns: string, key: string, compute: () => T): T {
    let byNs = this.values.get(ruleId);
    const byKey = byNs?.get(ns);
    if (byKey?.has(key)) return byKey.get(key) as T;
    const v = compute();
    if (!byNs) this.values.set(ruleId, (byNs = new Map()));
    let kept = byNs.get(ns);
    if (!kept) byNs.set(ns, (kept = new Map()));
    kept.set(key, v);
    return v;
  }

  /** Forgets the values of `namespaces` (of the rules `ruleIds`, or of every rule). */
  forget(namespaces: Iterable<string>, ruleIds?: Iterable<string>): void {
    const list = [...namespaces];
    for (const id of ruleIds ?? [...this.values.keys()]) {
      const byNs = this.values.get(id);
      if (byNs) for (const ns of list) byNs.delete(ns);
    }
  }

  /** Forgets every value of the rules `ruleIds`, or of every rule. */
  forgetAll(ruleIds?: Iterable<string>): void {
    if (!ruleIds) this.values.clear();
    else for (const id of ruleIds) this.values.delete(id);
  }

  /** Namespaces holding values (tests). */
  get size(): number {
    const namespaces = new Set<string>();
    for (const byNs of this.values.values()) for (const [ns, byKey] of byNs) if (byKey.size) namespaces.add(ns);
    return namespaces.size;
  }
}

/** RuleContext.perNamespace outside the incremental engine: computes every time. */
const computeNow = <T>(_ns: string, _key: string, compute: () => T): T => compute();

/** What a rule may offer to be run with others of its batch (src/custom/rule.ts, RuleBatch). */
interface RuleBatch {
  begin(model: MeshModel, rules: readonly Rule[]): void;
  end(): void;
}

export interface RuleFailure {
  ruleId: string;
  message: string;
}

/**
 * Runs every enabled rule over the model. A rule that throws is reported as an internal error and the
 * others still run: one broken rule must not hide every other finding.
 *
 * Locations are resolved after every rule has run, in document order: each document with findings is
 * re-parsed for positions once, and its syntax tree is dropped before the next, so memory does not
 * grow with the number of documents that have findings (rules visit documents in their own orders).
 *
 * Findings are compact (StoredFinding): a pod can break a dozen rules, so a 45 MB input makes a
 * million findings, and what each holds decides whether the run fits in memory.
 */
export function runRules(model: MeshModel, rules: readonly Rule[], opts: RunOptions): { findings: Finding[]; failures: RuleFailure[] } {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  // Reuse is off with telemetry: confirmFindings changes findings after the run (seenInTraffic, severity).
  const run = new RunTables(opts.fingerprints, opts.fingerprints !== undefined && opts.telemetry === undefined);
  const pending = opts.locator ? new PendingLocations() : null;
  // Rules that evaluate better together (declarative custom rules walk each kind's objects once for
  // all of them) are told which of them are about to run, and that the run is over.
  let batches: Map<RuleBatch, Rule[]> | null = null;
  for (const rule of rules) {
    const batch = (rule as { batch?: RuleBatch }).batch;
    if (!batch || typeof batch.begin !== 'function' || opts.disabled?.has(rule.meta.id)) continue;
    const members = (batches ??= new Map()).get(batch);
    if (members) members.push(rule);
    else batches.set(batch, [rule]);
  }
  if (batches) for (const [batch, members] of batches) batch.begin(model, members);
  for (const rule of rules) {
    if (opts.disabled?.has(rule.meta.id)) continue;
    const override = opts.severityOverrides?.[rule.meta.id];
    const report = (input: ReportInput) => {
      // Two definitions of one object in the input are never judged against each other (twins.ts).
      if (restsOnTwinsOnly(input)) return;
      // The path's text is made once per finding: the fingerprint and the location both use it.
      const path = run.paths.of(input.path).text;
      const f = toFinding(rule.meta, input, override, run, path);
      if (!f) return;
      findings.push(f);
      // A reused finding's locations were resolved by the run that made it (same objects, same paths).
      if (!pending || run.reused) return;
      pending.add(f, input.resource, path);
      for (let i = 0; i < f.evidence.length; i++) {
        const e = input.evidence![i];
        if (e.resource) pending.add(f.evidence[i], e.resource, run.paths.of(e.path).text);
      }
    };
    try {
      const values = opts.namespaceValues;
      const id = rule.meta.id;
      // A system namespace's values are never kept: a change there forgets every value anyway.
      const perNamespace = values ? <T>(ns: string, key: string, compute: () => T): T => (model.isSystemNamespace(ns) ? compute() : values.get(id, ns, key, compute)) : computeNow;
      rule.check({ model, settings: opts.settings, telemetry: opts.telemetry, report, perNamespace });
    } catch (err) {
      failures.push({ ruleId: rule.meta.id, message: (err as Error)?.stack ?? String(err) });
    }
  }
  if (batches) for (const batch of batches.keys()) batch.end();
  // Before sorting: a confirmed finding may rank up.
  if (opts.telemetry) confirmFindings(findings, model, opts.telemetry, { fixedSeverity: (id) => opts.severityOverrides?.[id] !== undefined });
  if (pending && opts.locator) pending.resolve(opts.locator, run.paths);
  sortFindings(findings);
  return { findings: opts.compact ? findings : findings.map(plainFinding), failures };
}

/**
 * Locations to fill in once all rules have run: `holders[i].location` for (resources[i], paths[i]),
 * the path as its shared text in the run's PathCache (which gives back its segments).
 * Three parallel arrays rather than an object per location: there is one per finding, all alive at once.
 */
class PendingLocations {
  private holders: Array<{ location?: Location | null }> = [];
  private resources: Resource[] = [];
  private paths: string[] = [];

  add(holder: { location?: Location | null }, resource: Resource, path: string): void {
    this.holders.push(holder);
    this.resources.push(resource);
    this.paths.push(path);
  }

  resolve(locator: Locator, paths: PathCache): void {
    const { holders, resources } = this;
    const order = new Uint32Array(holders.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => {
      const sa = resources[a].source;
      const sb = resources[b].source;
      if (!sa || !sb) return (sa ? 1 : 0) - (sb ? 1 : 0) || a - b;
      return sa.fileIndex - sb.fileIndex || sa.docStart - sb.docStart || a - b;
    });
    for (const i of order) {
      const text = this.paths[i];
      const loc = locator.locate(resources[i], paths.segmentsOf(text), text);
      if (loc) loc.path = paths.text(loc.path);
      holders[i].location = loc;
    }
    this.holders = [];
    this.resources = [];
    this.paths = [];
  }
}

/** Shared by every finding without evidence (most of them); never mutated. */
const NO_EVIDENCE: Evidence[] = [];

/**
 * The string, stored flat. Messages built with template literals are ropes in V8: a tree of a dozen
 * pieces and concatenation nodes, several times the size of the text, kept alive as long as the
 * finding. Converting to a number makes V8 flatten the string in place (the trick of the `flatstr`
 * package); the value is the same string.
 */
function flat(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  Number(s);
  return s;
}

/**
 * Field paths repeat across findings (a rule flags the same field of thousands of objects): each
 * distinct path, as text and as segments, is kept once and shared, instead of a copy per finding and
 * per location waiting to be resolved.
 */
class PathCache {
  private readonly texts = new Map<string, string>();
  private readonly segments = new Map<string, readonly PathSegment[]>();
  text(s: string): string {
    const known = this.texts.get(s);
    if (known !== undefined) return known;
    this.texts.set(s, s);
    return s;
  }
  /** The segments of a path whose text of() gave. */
  segmentsOf(text: string): readonly PathSegment[] {
    const segments = this.segments.get(text);
    if (!segments) throw new Error(`internal error: the path ${JSON.stringify(text)} was never seen by this run`);
    return segments;
  }
  /** The path's text and one shared copy of its segments. */
  of(path: readonly PathSegment[] | undefined): { text: string; segments: readonly PathSegment[] } {
    const text = this.text(pathToString(path ?? []));
    let segments = this.segments.get(text);
    if (!segments) this.segments.set(text, (segments = [...(path ?? [])]));
    return { text, segments };
  }
}

/** One ResourceRef per resource, shared by all its findings and evidence. */
class RefCache {
  private readonly refs = new Map<Resource, ResourceRef>();
  of(r: Resource): ResourceRef {
    let ref = this.refs.get(r);
    if (!ref) this.refs.set(r, (ref = refOf(r)));
    return ref;
  }
}

/**
 * The fingerprints of one run, FINGERPRINT_BYTES each in one growing buffer, with an open-addressing
 * index over them: a finding holds its fingerprint's number instead of a 32-character string, and a
 * duplicate is found without a Set of a million strings. The digests are SHA-256, so their first
 * four bytes are already a well-spread hash.
 */
export class FingerprintTable {
  // Small at first, doubled as findings come: every runRules call makes one, and an admission review
  // makes several that hold a handful of findings each (at 1,024 entries, 24 KB of buffers a call,
  // allocated and filled for nothing, were a tenth of the webhook's CPU per review).
  private bytes = new Uint8Array(FINGERPRINT_BYTES * 16);
  private slots = new Int32Array(32).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a digest (at least FINGERPRINT_BYTES long); its number, or -1 when the table already holds it. */
  add(digest: Uint8Array): number {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    let slot = this.slotOf(digest, 0);
    for (let at = this.slots[slot]; at >= 0; at = this.slots[slot]) {
      if (this.equals(at, digest)) return -1;
      slot = (slot + 1) & (this.slots.length - 1);
    }
    if ((this.count + 1) * FINGERPRINT_BYTES > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(digest.subarray(0, FINGERPRINT_BYTES), this.count * FINGERPRINT_BYTES);
    this.slots[slot] = this.count;
    return this.count++;
  }

  /** Fingerprint number `i` as 32 hex digits. */
  hex(i: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + i * FINGERPRINT_BYTES, FINGERPRINT_BYTES).toString('hex');
  }

  /** Orders fingerprints `i` and `j` as their hex strings would order (bytes compared in turn), without making the strings. */
  compare(i: number, j: number): number {
    const a = i * FINGERPRINT_BYTES;
    const b = j * FINGERPRINT_BYTES;
    for (let k = 0; k < FINGERPRINT_BYTES; k++) {
      const d = this.bytes[a + k] - this.bytes[b + k];
      if (d) return d;
    }
    return 0;
  }

  private slotOf(bytes: Uint8Array, offset: number): number {
    return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) & (this.slots.length - 1);
  }

  private equals(i: number, digest: Uint8Array): boolean {
    const base = i * FINGERPRINT_BYTES;
    for (let k = 0; k < FINGERPRINT_BYTES; k++) if (this.bytes[base + k] !== digest[k]) return false;
    return true;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let i = 0; i < this.count; i++) {
      let slot = this.slotOf(this.bytes, i * FINGERPRINT_BYTES);
      while (this.slots[slot] >= 0) slot = (slot + 1) & (size - 1);
      this.slots[slot] = i;
    }
  }
}

/** Stands, in a stored message, for the object's `namespace/name`. */
const QUALIFIED_MARK = '\u0001';
/** Stands, in a stored message, for the object's name. */
const NAME_MARK = '\u0002';

/**
 * Messages of one rule differ mostly by the object they name ("Pod ns3/p17 runs with hostNetwork..."):
 * stored with the object's `namespace/name` and name replaced by marks, they are the same text for
 * every object and kept once. Exact by construction: the original splits at the names and joins the
 * pieces back with them. A message or name that holds a mark itself is kept as it is.
 */
class MessageTemplates {
  private readonly known = new Map<string, string>();

  /** The stored form of `message` about `ref`: a shared template, or `[message]` when it cannot be one. */
  store(message: string, ref: ResourceRef): StoredMessage {
    const name = ref.name;
    const qualified = ref.namespace ? `${ref.namespace}/${name}` : '';
    if (hasMark(message) || hasMark(qualified) || hasMark(name)) return [flat(message)];
    let template = message;
    // The `namespace/name` first, then the name in what is left: the same pieces as splitting at one,
    // then the other (neither holds a mark), made in two native passes instead of arrays of pieces.
    if (name.length >= 2 && message.includes(name)) template = (qualified ? message.replaceAll(qualified, QUALIFIED_MARK) : message).replaceAll(name, NAME_MARK);
    const shared = this.known.get(template);
    if (shared !== undefined) return shared;
    this.known.set(template, flat(template));
    return template;
  }
}

type StoredMessage = string | [string];

function hasMark(s: string): boolean {
  return s.includes(QUALIFIED_MARK) || s.includes(NAME_MARK);
}

function messageOf(stored: StoredMessage, ref: ResourceRef): string {
  if (typeof stored !== 'string') return stored[0];
  if (!hasMark(stored)) return stored;
  // Replaced by functions: a name is input, and `$&` or `$1` in a replacement string would be patterns.
  const name = ref.name;
  const withNames = stored.includes(NAME_MARK) ? stored.replaceAll(NAME_MARK, () => name) : stored;
  if (!stored.includes(QUALIFIED_MARK)) return withNames;
  const qualified = ref.namespace ? `${ref.namespace}/${name}` : '';
  return withNames.replaceAll(QUALIFIED_MARK, () => qualified);
}

/**
 * What every finding of one run shares: the caches above. Each is made when first used: an admission
 * review runs the rules a few times over views that find nothing or next to nothing, and a dozen maps
 * and typed arrays made per call for nothing were a seventh of a review's allocation (93 → 80 KB).
 */
class RunTables {
  /** Whether the last toFinding gave back an earlier run's finding (its locations are already set). */
  reused = false;
  constructor(
    readonly fingerprintMemo?: FingerprintMemo,
    /** Findings of earlier runs may be given back (RunOptions.fingerprints). */
    readonly reuse = false,
  ) {}
  #refs?: RefCache;
  #seen?: FingerprintTable;
  #paths?: PathCache;
  #messages?: MessageTemplates;
  #kept?: KeptTables;
  #evidence?: EvidenceCache;
  #remediations?: StringCache;
  get refs(): RefCache {
    return (this.#refs ??= new RefCache());
  }
  get paths(): PathCache {
    return (this.#paths ??= new PathCache());
  }
  get messages(): MessageTemplates {
    return (this.#messages ??= new MessageTemplates());
  }
  /** What findings keep after the run: only these, never the caches above (they hold the model's objects). */
  get kept(): KeptTables {
    return (this.#kept ??= new KeptTables());
  }
  /**
   * With a memo: this run's fingerprints, to find duplicates. The kept table then holds only the
   * findings this run makes: a reused finding keeps its own run's table, and a kept table holding
   * every finding of its run would live as long as any one of them.
   */
  get seen(): FingerprintTable {
    return (this.#seen ??= new FingerprintTable());
  }
  get evidence(): EvidenceCache {
    return (this.#evidence ??= new EvidenceCache());
  }
  /** Remediations a rule words per case repeat too (the same upgrade advice for every pod). */
  get remediations(): StringCache {
    return (this.#remediations ??= new StringCache());
  }
}

/** The tables compact findings read their fingerprints and locations from (the locations' only once one is set). */
class KeptTables {
  readonly fingerprints = new FingerprintTable();
  #locations?: LocationTable;
  get locations(): LocationTable {
    return (this.#locations ??= new LocationTable());
  }
}

/** One flat copy of each distinct string. */
class StringCache {
  private readonly known = new Map<string, string>();
  of(s: string): string {
    const known = this.known.get(s);
    if (known !== undefined) return known;
    this.known.set(s, flat(s));
    return s;
  }
}

/**
 * Evidence that names no object (a mesh setting, a fact about the rule) repeats word for word across
 * findings: each distinct list is kept once and shared. Shared lists are never changed in place
 * (helm.ts, the only writer, makes new lists).
 */
class EvidenceCache {
  private readonly lists = new Map<string, Evidence[]>();
  of(items: ReadonlyArray<{ role: string; description: string }>): Evidence[] {
    const key = items.map((e) => `${e.role}\u0000${e.description}`).join('\u0001');
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = items.map((e) => ({ role: e.role, description: flat(e.description) }))));
    return list;
  }
}

/**
 * A finding as held between the rules and the reports: the fields a finding has of its own are plain
 * properties; its title and default remediation are the rule's, its message a template shared by the
 * rule's findings (MessageTemplates), its fingerprint a number in the run's FingerprintTable, its
 * location a row of the run's LocationTable. They are made when read, so about 175 bytes per finding
 * are retained instead of about a kilobyte.
 * JSON.stringify writes the same members in the same order as a plain Finding (toJSON); a spread
 * (`{ ...f }`) copies only the plain properties, so copy with `plainFinding()`.
 */
class StoredFinding implements Finding {
  ruleId: string;
  severity: Severity;
  resource: ResourceRef;
  evidence: Evidence[];
  declare seenInTraffic?: Finding['seenInTraffic'];
  declare suppressed?: Finding['suppressed'];
  readonly #meta: RuleMeta;
  readonly #message: StoredMessage;
  /** Set only when the report gave its own remediation. */
  readonly #remediation: string | undefined;
  readonly #tables: KeptTables;
  readonly #fingerprint: number;
  /** The location: a row of the run's LocationTable, or (set from outside, e.g. Helm's remapping) an object. */
  #location: number | Location | null = null;

  constructor(meta: RuleMeta, severity: Severity, resource: ResourceRef, message: StoredMessage, remediation: string | undefined, evidence: Evidence[], tables: KeptTables, fingerprint: number) {
    this.ruleId = meta.id;
    this.severity = severity;
    this.resource = resource;
    this.evidence = evidence;
    this.#meta = meta;
    this.#message = message;
    this.#remediation = remediation;
    this.#tables = tables;
    this.#fingerprint = fingerprint;
  }

  /** A new object at each read (members in the order of the JSON contract); assign to change it. */
  get location(): Location | null {
    const l = this.#location;
    return typeof l === 'number' ? this.#tables.locations.get(l) : l;
  }
  set location(l: Location | null) {
    this.#location = l ? (this.#tables.locations.add(l) ?? l) : null;
  }

  /** File and line without making the location object (for sorting a million findings). */
  locationFile(): string {
    const l = this.#location;
    return typeof l === 'number' ? this.#tables.locations.file(l) : (l?.file ?? '');
  }
  locationLine(): number {
    const l = this.#location;
    return typeof l === 'number' ? this.#tables.locations.line(l) : (l?.line ?? 0);
  }

  get title(): string {
    return this.#meta.title;
  }
  get message(): string {
    return messageOf(this.#message, this.resource);
  }
  get remediation(): string {
    return this.#remediation ?? this.#meta.docs.fix;
  }
  get fingerprint(): string {
    return this.#tables.fingerprints.hex(this.#fingerprint);
  }

  /** This finding's fingerprint against `other`'s in the order of their hex strings, or null when they are not in one table. */
  compareFingerprint(other: StoredFinding): number | null {
    return this.#tables === other.#tables ? this.#tables.fingerprints.compare(this.#fingerprint, other.#fingerprint) : null;
  }

  toJSON(): Finding {
    return plainFinding(this);
  }
}

/**
 * Fingerprints in string order. Reached on every tie of rule and object (several findings of a rule
 * on one object: a live cluster's findings have no file or line to tell them apart first), where
 * reading `fingerprint` would make two hex strings per comparison.
 */
function compareFingerprints(a: Finding, b: Finding): number {
  const byTable = a instanceof StoredFinding && b instanceof StoredFinding ? a.compareFingerprint(b) : null;
  return byTable ?? cmp(a.fingerprint, b.fingerprint);
}

/** A plain-object copy of a finding, members in the order of the JSON contract. */
export function plainFinding(f: Finding): Finding {
  const out: Finding = {
    ruleId: f.ruleId,
    severity: f.severity,
    title: f.title,
    message: f.message,
    resource: f.resource,
    location: f.location,
    remediation: f.remediation,
    evidence: f.evidence,
    fingerprint: f.fingerprint,
  };
  if (f.seenInTraffic !== undefined) out.seenInTraffic = f.seenInTraffic;
  if (f.suppressed !== undefined) out.suppressed = f.suppressed;
  return out;
}

/**
 * The finding a report makes, or null when the run already has one with its fingerprint. With a
 * memo that allows it, an earlier run's finding when this report is the same as the one that made it
 * (`run.reused` says which).
 */
function toFinding(meta: RuleMeta, input: ReportInput, override: Severity | undefined, run: RunTables, path: string): StoredFinding | null {
  const r = input.resource;
  const parts = { ruleId: meta.id, cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, path, key: input.key };
  const severity = override ?? input.severity ?? meta.severity;
  run.reused = false;
  let fp: number;
  let slot: MemoSlot | undefined;
  if (run.fingerprintMemo) {
    slot = run.fingerprintMemo.slot(parts, r);
    if (run.seen.add(slot.digest) < 0) return null;
    const last = slot.last as MadeFinding | undefined;
    if (run.reuse && last !== undefined && sameReport(last, meta, input, severity, run)) {
      run.reused = true;
      return last.finding;
    }
    fp = run.kept.fingerprints.add(slot.digest);
  } else {
    fp = run.kept.fingerprints.add(fingerprintDigest(parts));
    if (fp < 0) return null;
  }
  const evidence: Evidence[] = !input.evidence?.length
    ? NO_EVIDENCE
    : input.evidence.some((e) => e.resource)
      ? input.evidence.map((e) => (e.resource ? { role: e.role, description: flat(e.description), resource: run.refs.of(e.resource), location: null } : { role: e.role, description: flat(e.description) }))
      : run.evidence.of(input.evidence);
  const ref = run.refs.of(r);
  const remediation = input.remediation === undefined || input.remediation === meta.docs.fix ? undefined : run.remediations.of(input.remediation);
  const finding = new StoredFinding(meta, severity, ref, run.messages.store(input.message, ref), remediation, evidence, run.kept, fp);
  if (slot) slot.last = run.reuse ? ({ finding, meta, message: flat(input.message), remediation: input.remediation, evidence: evidenceMade(input.evidence, run) } satisfies MadeFinding) : undefined;
  return finding;
}

/** What a report made, kept in its fingerprint's memo slot: the finding, and the report's own text to compare the next one with. */
interface MadeFinding {
  finding: StoredFinding;
  meta: RuleMeta;
  message: string;
  remediation: string | undefined;
  evidence: readonly MadeEvidence[];
}

interface MadeEvidence {
  role: string;
  description: string;
  resource: Resource | undefined;
  path: string;
}

const NO_MADE_EVIDENCE: readonly MadeEvidence[] = [];

function evidenceMade(list: readonly EvidenceInput[] | undefined, run: RunTables): readonly MadeEvidence[] {
  if (!list?.length) return NO_MADE_EVIDENCE;
  return list.map((e) => ({ role: e.role, description: e.description, resource: e.resource, path: e.resource ? run.paths.of(e.path).text : '' }));
}

/**
 * Whether `input` reports exactly what made `last.finding`: then the finding is the same, location
 * included (its objects are the same objects, its paths the same paths). A finding changed after its
 * run (severity raised by traffic, a suppression marked) is never given back.
 */
function sameReport(last: MadeFinding, meta: RuleMeta, input: ReportInput, severity: Severity, run: RunTables): boolean {
  const f = last.finding;
  if (last.meta !== meta || f.severity !== severity || f.seenInTraffic !== undefined || f.suppressed !== undefined) return false;
  if (last.message !== input.message || last.remediation !== input.remediation) return false;
  const list = input.evidence ?? [];
  if (list.length !== last.evidence.length) return false;
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    const b = last.evidence[i];
    if (a.role !== b.role || a.description !== b.description || a.resource !== b.resource) return false;
    if (a.resource && run.paths.of(a.path).text !== b.path) return false;
  }
  return true;
}

/**
 * The locations of one run's findings, a row each in typed arrays (file number, line, column) plus
 * the shared path text: about 20 bytes a location instead of an object of about 60 and the pointer
 * to it, for a million findings. Rows are made by StoredFinding's location setter; an object the
 * table cannot hold exactly (Helm's `rendered`, positions that are not small integers) stays an object.
 */
class LocationTable {
  private readonly fileNames: string[] = [];
  private readonly fileNumbers = new Map<string, number>();
  // Small at first and doubled as rows come (see FingerprintTable).
  private fileOf: Int32Array<ArrayBuffer> = new Int32Array(16);
  private lines: Int32Array<ArrayBuffer> = new Int32Array(16);
  private columns: Int32Array<ArrayBuffer> = new Int32Array(16);
  private readonly paths: string[] = [];

  /** The row holding `l`, or undefined when it cannot be held exactly. */
  add(l: Location): number | undefined {
    if (l.rendered !== undefined || !isRowInt(l.line) || !isRowInt(l.column) || typeof l.file !== 'string' || typeof l.path !== 'string' || Object.keys(l).length !== 4) return undefined;
    let file = this.fileNumbers.get(l.file);
    if (file === undefined) {
      file = this.fileNames.length;
      this.fileNames.push(l.file);
      this.fileNumbers.set(l.file, file);
    }
    const row = this.paths.length;
    if (row === this.lines.length) {
      this.fileOf = grown(this.fileOf);
      this.lines = grown(this.lines);
      this.columns = grown(this.columns);
    }
    this.fileOf[row] = file;
    this.lines[row] = l.line;
    this.columns[row] = l.column;
    this.paths.push(l.path);
    return row;
  }

  get(row: number): Location {
    return { file: this.fileNames[this.fileOf[row]], line: this.lines[row], column: this.columns[row], path: this.paths[row] };
  }

  file(row: number): string {
    return this.fileNames[this.fileOf[row]];
  }

  line(row: number): number {
    return this.lines[row];
  }
}

function isRowInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0x7fffffff;
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Sorts in the order of compareFindings, reading each finding's severity, file and line once instead
 * of at every comparison (a compact finding makes its location object when read).
 */
function sortFindings(findings: Finding[]): void {
  const n = findings.length;
  if (n < 2) return;
  const rank = new Int8Array(n);
  const files: string[] = new Array(n);
  const lines = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = findings[i];
    rank[i] = severityRank(f.severity);
    if (f instanceof StoredFinding) {
      files[i] = f.locationFile();
      lines[i] = f.locationLine();
    } else {
      files[i] = f.location?.file ?? '';
      lines[i] = f.location?.line ?? 0;
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => {
    const a = findings[x];
    const b = findings[y];
    return (
      rank[y] - rank[x] ||
      cmp(files[x], files[y]) ||
      lines[x] - lines[y] ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.resource.namespace, b.resource.namespace) ||
      cmp(a.resource.name, b.resource.name) ||
      compareFingerprints(a, b) ||
      x - y
    );
  });
  const sorted = Array.from(order, (i) => findings[i]);
  for (let i = 0; i < n; i++) findings[i] = sorted[i];
}

/** Worst first, then by file and line, then by rule: stable output for diffs and snapshots. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    cmp(a.location?.file ?? '', b.location?.file ?? '') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.resource.namespace, b.resource.namespace) ||
    cmp(a.resource.name, b.resource.name) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
