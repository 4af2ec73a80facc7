import { plainFinding } from '../engine/run.js';
/** Numbers per finding in `rows`. */
const WIDTH = 9;
const [RULE, SEVERITY, TITLE, REF, REMEDIATION, EVIDENCE, LOCATION, LOC_OBJECT, LOC_PATH] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** LOCATION for `location: null`; for a ClusterLocation (cluster, object, path in LOCATION, LOC_OBJECT, LOC_PATH as strings) it is >= 0. */
const NO_LOCATION = -1;
/** LOCATION for any other location: the next of `otherLocations`. */
const OTHER_LOCATION = -2;
/** Longest joined text: far below V8's longest string (2^29 characters). */
const JOINED_MAX = 1 << 27;
function packTexts(texts) {
    const ends = new Uint32Array(texts.length);
    let at = 0;
    for (let i = 0; i < texts.length; i++)
        ends[i] = at += texts[i].length;
    return at > JOINED_MAX ? { texts } : { text: texts.join(''), ends };
}
function textAt(p, i) {
    return 'texts' in p ? p.texts[i] : p.text.slice(i ? p.ends[i - 1] : 0, p.ends[i]);
}
/** Numbers for distinct values. Keys are strings and objects the worker shares (a rule's title, an object's ref), so each lookup hashes a string once at most. */
class Table {
    values = [];
    index = new Map();
    of(v) {
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
export function packFindings(findings) {
    const strings = new Table();
    const refs = new Table();
    const evidence = new Table();
    const messages = new Array(findings.length);
    const fingerprints = new Array(findings.length);
    const otherLocations = [];
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
        if (!l)
            rows[at + LOCATION] = NO_LOCATION;
        else if (l.file === undefined && Object.keys(l).length === 3) {
            rows[at + LOCATION] = strings.of(l.cluster);
            rows[at + LOC_OBJECT] = strings.of(l.object);
            rows[at + LOC_PATH] = strings.of(l.path);
        }
        else {
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
export function unpackFindings(p) {
    const out = new Array(p.rows.length / WIDTH);
    const others = new Map();
    for (let i = 0, other = 0; i < out.length; i++) {
        if (p.rows[i * WIDTH + LOCATION] === OTHER_LOCATION)
            others.set(i, p.otherLocations[other++]);
        out[i] = new PackedFinding(p, i);
    }
    p.otherLocations = [];
    otherLocationsOf.set(p, others);
    return out;
}
/** Each packed set's non-cluster locations by finding index (rare: a worker makes none). */
const otherLocationsOf = new WeakMap();
class PackedFinding {
    #p;
    #at;
    /** Set when a caller replaces the location or the evidence (Helm mapping does, for files). */
    #changed = null;
    constructor(p, i) {
        this.#p = p;
        this.#at = i * WIDTH;
    }
    str(field) {
        return this.#p.strings[this.#p.rows[this.#at + field]];
    }
    get ruleId() {
        return this.str(RULE);
    }
    get severity() {
        return this.str(SEVERITY);
    }
    get title() {
        return this.str(TITLE);
    }
    get message() {
        return textAt(this.#p.messages, this.#at / WIDTH);
    }
    get resource() {
        return this.#p.refs[this.#p.rows[this.#at + REF]];
    }
    get location() {
        if (this.#changed && 'location' in this.#changed)
            return this.#changed.location ?? null;
        const loc = this.#p.rows[this.#at + LOCATION];
        if (loc === NO_LOCATION)
            return null;
        if (loc === OTHER_LOCATION)
            return otherLocationsOf.get(this.#p)?.get(this.#at / WIDTH) ?? null;
        return { cluster: this.#p.strings[loc], object: this.str(LOC_OBJECT), path: this.str(LOC_PATH) };
    }
    set location(l) {
        (this.#changed ??= {}).location = l;
    }
    get remediation() {
        return this.str(REMEDIATION);
    }
    get evidence() {
        return this.#changed?.evidence ?? this.#p.evidence[this.#p.rows[this.#at + EVIDENCE]];
    }
    set evidence(e) {
        (this.#changed ??= {}).evidence = e;
    }
    get fingerprint() {
        return textAt(this.#p.fingerprints, this.#at / WIDTH);
    }
    toJSON() {
        return plainFinding(this);
    }
}
