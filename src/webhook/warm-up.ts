/**
 * Warming the decision up before the webhook says it is ready (issue 12, docs/webhook.md "Warm-up").
 *
 * Why: V8 runs new code in its interpreter and compiles a function only once it has run often. A
 * webhook that has just built its base answers its first reviews with every rule, the overlay and the
 * posture still interpreted, several times slower than a few seconds later. At 1,000 reviews a second
 * that first second and a half held nearly all of a 30-second run's reviews over 5 ms
 * (bench/webhook.js: 372 of 376), so the p99 measured the start-up, not the webhook. The API server
 * sends reviews only to a ready pod, so the webhook decides reviews of its own first: for objects of
 * every kind it judges, taken from its cache, an UPDATE of the object (a label added) and a CREATE of a
 * copy under another name, on the same decider the real reviews use (the compiled code is per function, so the
 * real reviews find it compiled).
 *
 * The warm-up never changes anything: the decisions are thrown away and not counted in the decider's
 * figures, a review that would need the slow reference decision is skipped, and it runs in slices that
 * give the event loop back (health checks, and any review that arrives early, are answered
 * meanwhile). It is bounded by a number of decisions (never more than twice the objects it can take,
 * so a small cache warms up at once) and by wall time.
 */
import type { Resource } from '../model/resource.js';
import type { AdmissionRequest, DecisionState } from './types.js';
import type { FastDecider } from './decide-fast.js';

/** Decisions made before the webhook reports ready, at most (about a second and a half at 20,000 objects). */
export const DEFAULT_WARM_UP_DECISIONS = 2_000;
/** Wall time the warm-up may take, at most, ms. */
export const DEFAULT_WARM_UP_MS = 3_000;
/** A kind whose warm-up decisions average more than this ends its share (see warmUp). */
export const HEAVY_DECISION_MS = 10;
/** Decisions of a kind before its average is judged: the first ones run code not yet compiled. */
const HEAVY_AFTER = 3;
/** Longest the warm-up holds the event loop at once, ms. */
const SLICE_MS = 20;

export interface WarmUpOptions {
  maxMs?: number;
  /** A kind whose decisions average more than this (over at least HEAVY_AFTER of them) gets no more (default HEAVY_DECISION_MS). */
  heavyMs?: number;
  /** Checked between slices: the server is closing. */
  stopped?: () => boolean;
}

export interface WarmUpResult {
  decisions: number;
  /** Kinds the decisions covered. */
  kinds: number;
  ms: number;
  /** Why it ended: every planned decision made, the time bound, or the server closing. */
  ended: 'done' | 'time' | 'stopped';
}

/**
 * Reviews to warm up with: per kind the webhook judges, objects spread over the cache (namespaced ones
 * outside the root namespace: the others go to the reference decision, which the warm-up skips),
 * taken kind after kind so every kind's rules warm up together; each as an UPDATE adding a label, then as a
 * CREATE of a copy under a name no object has. `judged`: the kinds the webhook judges, as `group/Kind`
 * (`/Service` for the core group).
 */
export function warmUpReviews(resources: Iterable<Resource>, judged: ReadonlySet<string>, rootNamespace: string, max: number): AdmissionRequest[] {
  const byKind = new Map<string, Resource[]>();
  for (const r of resources) {
    if (!r.namespace || r.namespace === rootNamespace) continue;
    const key = `${r.group}/${r.kind}`;
    if (!judged.has(key)) continue;
    const list = byKind.get(key);
    if (list) list.push(r);
    else byKind.set(key, [r]);
  }
  const kinds = [...byKind.values()];
  if (!kinds.length || max <= 0) return [];
  // Each kind's share, its objects taken evenly across the cache (not all from its first namespace).
  const perKind = Math.ceil(max / (2 * kinds.length));
  const picked = kinds.map((list) => {
    const n = Math.min(perKind, list.length);
    return Array.from({ length: n }, (_, k) => list[Math.floor((k * list.length) / n)]);
  });
  // Kind after kind, so every kind's rules warm up from the start.
  const reviews: AdmissionRequest[] = [];
  const rounds = Math.max(...picked.map((p) => p.length));
  for (let k = 0; k < rounds; k++) {
    for (const list of picked) {
      if (k >= list.length) continue;
      reviews.push(reviewOf(list[k], 'UPDATE', reviews.length), reviewOf(list[k], 'CREATE', reviews.length + 1));
    }
  }
  return reviews.slice(0, max);
}

function reviewOf(r: Resource, operation: 'CREATE' | 'UPDATE', n: number): AdmissionRequest {
  const group = r.group;
  const version = r.apiVersion.slice(r.apiVersion.indexOf('/') + 1);
  const obj = (r.obj ?? {}) as Record<string, unknown>;
  const meta = typeof obj.metadata === 'object' && obj.metadata !== null ? (obj.metadata as Record<string, unknown>) : {};
  // A name no object has: the copy is a new object beside the others of its namespace. An UPDATE
  // changes a label: an unchanged object is decided without running a rule (decide-fast.ts), so it
  // would warm nothing up.
  const name = operation === 'CREATE' ? `${r.name.slice(0, 200)}-meshward-warm-up-${n}` : r.name;
  const labels = typeof meta.labels === 'object' && meta.labels !== null ? meta.labels : {};
  const object = operation === 'CREATE' ? { ...obj, metadata: { ...meta, name, namespace: r.namespace } } : { ...obj, metadata: { ...meta, labels: { ...labels, 'meshward.io/warm-up': String(n) } } };
  return {
    uid: `meshward-warm-up-${n}`,
    kind: { group, version, kind: r.kind },
    resource: { group, version, resource: '' },
    namespace: r.namespace,
    name,
    operation,
    object,
    oldObject: operation === 'UPDATE' ? obj : null,
    dryRun: true,
    userInfo: { username: 'meshward:warm-up', groups: [] },
  };
}

/**
 * Decides `reviews` on `decider` in slices, giving the event loop back between them. Each kind gets an
 * equal share of the time, and a kind whose reviews average over HEAVY_DECISION_MS gets no more: a review
 * of a Service or a PeerAuthentication recomputes the posture (tens of milliseconds at 20,000 objects,
 * code the base's analysis has just run) where a Deployment's takes a fraction of one.
 */
export async function warmUp(decider: FastDecider, state: DecisionState, reviews: readonly AdmissionRequest[], opts: WarmUpOptions = {}): Promise<WarmUpResult> {
  const started = performance.now();
  const maxMs = opts.maxMs ?? DEFAULT_WARM_UP_MS;
  const kindOf = (r: AdmissionRequest) => `${r.kind.group}/${r.kind.kind}`;
  const heavyMs = opts.heavyMs ?? HEAVY_DECISION_MS;
  const spent = new Map<string, number>();
  const made = new Map<string, number>();
  for (const r of reviews) spent.set(kindOf(r), 0);
  const share = maxMs / Math.max(1, spent.size);
  let i = 0;
  let decisions = 0;
  const result = (ended: WarmUpResult['ended']): WarmUpResult => ({ decisions, kinds: spent.size, ms: Math.round(performance.now() - started), ended });
  while (i < reviews.length) {
    const sliceEnd = performance.now() + SLICE_MS;
    for (let now = performance.now(); i < reviews.length && now < sliceEnd; ) {
      const r = reviews[i++];
      const kind = kindOf(r);
      const used = spent.get(kind)!;
      if (used >= share) continue;
      decider.warm(r, state);
      decisions++;
      const after = performance.now();
      const n = (made.get(kind) ?? 0) + 1;
      made.set(kind, n);
      const total = used + (after - now);
      // Decisions this slow on average build the posture from scratch, code the base's own analysis
      // has just run hot; more of them would only fill the heap (each is a whole posture of garbage).
      spent.set(kind, n >= HEAVY_AFTER && total / n > heavyMs ? share : total);
      now = after;
    }
    if (i >= reviews.length) break;
    if (performance.now() - started >= maxMs) return result('time');
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (opts.stopped?.()) return result('stopped');
  }
  return result('done');
}
