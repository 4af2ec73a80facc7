import { redactUrl } from '../engine/redact.js';
import { terminalSafe } from '../engine/text.js';
import { isClusterName } from '../relay/protocol.js';
import { UsageError } from './io.js';
import { DEFAULT_WINDOW, telemetryPlan } from './telemetry.js';
export const DEFAULT_TELEMETRY_INTERVAL = '5m';
/** Shortest interval: the server takes RELAY_LIMITS.telemetryPerMinute reports a minute per cluster. */
const MIN_INTERVAL_MS = 60_000;
const MAX_INTERVAL_MS = 24 * 3600_000;
const collect = (v, prev) => [...(prev ?? []), v];
export function addRelayTelemetryOptions(command, who) {
    command
        .option('--prometheus <url>', who === 'agent'
        ? "query this in-cluster Prometheus for Istio metrics over --window and relay the traffic aggregates to the server (docs/telemetry.md)"
        : "CLUSTER=URL: query this cluster's Prometheus from the server over --window (repeatable; for clusters whose agent does not relay telemetry)", collect)
        .option('--window <duration>', `the traffic window asked of --prometheus, 1m to 30d (default: ${DEFAULT_WINDOW})`)
        .option('--telemetry-interval <duration>', `how often --prometheus is queried, 1m to 24h (default: ${DEFAULT_TELEMETRY_INTERVAL})`)
        .option('--prometheus-timeout <duration>', 'longest one Prometheus query may take, e.g. 10s (default: 30s)');
    return command;
}
function parseInterval(v) {
    const m = /^([0-9]{1,5})(s|m|h)$/.exec(v.trim());
    const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3600_000) : NaN;
    if (!(ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS))
        throw new UsageError(`--telemetry-interval ${terminalSafe(v.slice(0, 40))}: give a duration from 1m to 24h, e.g. 5m`);
    return ms;
}
/** The agent's telemetry, or null without --prometheus. */
export function agentTelemetryPlan(flags, io) {
    if (!flags.prometheus?.length) {
        if (flags.window || flags.telemetryInterval || flags.prometheusTimeout)
            throw new UsageError('--window, --telemetry-interval and --prometheus-timeout set how --prometheus is queried; give --prometheus URL too');
        return null;
    }
    if (flags.prometheus.length > 1)
        throw new UsageError('the agent queries one Prometheus (its own cluster\'s): give --prometheus once');
    const plan = telemetryPlan({ prometheus: flags.prometheus, window: flags.window, prometheusTimeout: flags.prometheusTimeout }, io, { perCluster: false });
    if (!plan || plan.shared?.kind !== 'prometheus')
        throw new UsageError('--prometheus needs an http:// or https:// URL');
    return { url: plan.shared.url, windowSeconds: plan.windowSeconds, intervalMs: parseInterval(flags.telemetryInterval ?? DEFAULT_TELEMETRY_INTERVAL), ...(plan.timeoutMs ? { timeoutMs: plan.timeoutMs } : {}) };
}
/** The server's own telemetry queries, or null without --prometheus. */
export function serverTelemetryPlan(flags, io) {
    if (!flags.prometheus?.length) {
        if (flags.window || flags.telemetryInterval || flags.prometheusTimeout)
            throw new UsageError('--window, --telemetry-interval and --prometheus-timeout set how --prometheus is queried; give --prometheus CLUSTER=URL too');
        return null;
    }
    const plan = telemetryPlan({ prometheus: flags.prometheus, window: flags.window, prometheusTimeout: flags.prometheusTimeout }, io, { perCluster: true });
    if (!plan)
        return null;
    if (plan.shared)
        throw new UsageError(`--prometheus ${plan.shared.kind === 'prometheus' ? redactUrl(plan.shared.url) : ''}: the server needs to know whose Prometheus it is: give CLUSTER=URL`);
    for (const name of plan.perCluster.keys()) {
        if (!isClusterName(name))
            throw new UsageError(`--prometheus ${terminalSafe(name)}=...: ${terminalSafe(name)} is not a cluster name (a DNS label, as register-cluster takes)`);
    }
    return { targets: plan.perCluster, windowSeconds: plan.windowSeconds, intervalMs: parseInterval(flags.telemetryInterval ?? DEFAULT_TELEMETRY_INTERVAL), ...(plan.timeoutMs ? { timeoutMs: plan.timeoutMs } : {}) };
}
