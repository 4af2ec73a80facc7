/**
 * The webhook's Prometheus metrics, on a registry of its own (never prom-client's global one, so two
 * servers in one process, as in tests, do not collide). Label values come from a fixed set or from the
 * admission kinds and rule IDs: never from a review's free text, so a hostile review cannot grow them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
export function createMetrics(cache, opts = {}) {
    const registry = new Registry();
    if (opts.defaultMetrics !== false)
        collectDefaultMetrics({ register: registry, prefix: 'meshward_webhook_' });
    const requestDuration = new Histogram({
        name: 'meshward_webhook_request_duration_seconds',
        help: 'Time from a review arriving to its answer being written, by kind, operation and verdict',
        labelNames: ['kind', 'operation', 'verdict'],
        // Decisions are expected in milliseconds; the top buckets show reviews near the 2 s budget and the 10 s webhook timeout.
        buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        registers: [registry],
    });
    const denials = new Counter({ name: 'meshward_webhook_denials_total', help: 'Reviews denied, by the rule whose finding denied them', labelNames: ['rule'], registers: [registry] });
    const ruleFailures = new Counter({ name: 'meshward_webhook_rule_failures_total', help: 'Rules that threw during a decision (the review was allowed with a warning)', labelNames: ['rule'], registers: [registry] });
    const overBudget = new Counter({ name: 'meshward_webhook_decisions_over_budget_total', help: 'Reviews allowed unchecked because the decision took longer than its budget', registers: [registry] });
    const badReviews = new Counter({ name: 'meshward_webhook_bad_requests_total', help: 'Requests refused before any decision (malformed, oversized, wrong method or path), by HTTP status', labelNames: ['status'], registers: [registry] });
    const reloads = new Counter({ name: 'meshward_webhook_reloads_total', help: 'Reloads of the tenant policy and the TLS certificate, by result', labelNames: ['what', 'result'], registers: [registry] });
    new Gauge({
        name: 'meshward_webhook_cache_age_seconds',
        help: 'Seconds since the cache last applied a change or bookmark (-1 before the first)',
        registers: [registry],
        collect() {
            const at = cache()?.status().lastEventAt ?? null;
            this.set(at === null ? -1 : Math.max(0, (Date.now() - at) / 1000));
        },
    });
    new Gauge({
        name: 'meshward_webhook_cache_objects',
        help: 'Objects in the cluster cache',
        registers: [registry],
        collect() {
            this.set(cache()?.status().size ?? 0);
        },
    });
    new Gauge({
        name: 'meshward_webhook_cache_synced',
        help: '1 once every watched kind has completed its first list',
        registers: [registry],
        collect() {
            this.set(cache()?.status().synced ? 1 : 0);
        },
    });
    return { registry, requestDuration, denials, ruleFailures, overBudget, badReviews, reloads };
}
