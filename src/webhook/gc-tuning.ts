/**
 * V8 settings for the webhook process (issue 12, docs/webhook.md "Performance").
 *
 * Allocation-site pretenuring is turned off. V8 watches where objects are allocated, and a site whose
 * objects mostly survive their first minor GC is switched to allocating straight into old space. The
 * webhook trains exactly the wrong sites at start-up: ingesting the cache and building the base
 * model sanitize, index and resolve 20,000 objects that all live on, and the same functions (the
 * sanitizer, the policy resolver, the model's indexes) then run for every review, where everything
 * they make is garbage a millisecond later. Pretenured, that garbage fills old space and is only
 * reclaimed by full mark-compact collections, whose pauses were the p99 of the bench. Measured with
 * bench/decide.js (3,000 reviews, 20,000 objects): per-review old-space growth from 10 KB to 2.5 KB
 * (Deployments), worst GC pause 63 ms to 19 ms. The cost is that start-up copies the base's objects
 * once through the young generation instead of allocating them old (a fraction of the build time).
 *
 * The flag is read by V8 at allocation-site creation and at every GC, so setting it before the cache
 * is read takes effect. An explicit `node --allocation-site-pretenuring` wins.
 */
import v8 from 'node:v8';

export function tuneGcForWebhook(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--(no-)?allocation[-_]site[-_]pretenuring/.test(a))) return false;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}
