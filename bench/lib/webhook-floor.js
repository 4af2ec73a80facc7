// The webhook's floor for bench/webhook.js (`--only floor`): the real server of `meshward webhook`
// (src/webhook/server.ts: TLS, the bounded body read, the review parsed and sanitized, namespace mode,
// judge, response, prom-client metrics, a pino log line per review gathered as the CLI gathers them)
// over the same cache, with a decision that finds nothing and does no work. What it answers is not a
// webhook's answer (it allows everything); what it measures is how close to the bare handler any
// decision could bring the webhook: the p99 ratio of the pipeline alone.
//
// With DECISION_US the decision spins that many microseconds of CPU and finds nothing: the p99 a decision
// of exactly that cost, without a tail, would give (the budget a real decision has to fit in).
//
//   node bench/lib/webhook-floor.js CERT KEY OBJECTS.yaml [DECISION_US]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import { pino } from 'pino';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const imp = (p) => import(pathToFileURL(path.join(REPO, 'dist', p)).href);
const { tuneGcForWebhook } = await imp('webhook/gc-tuning.js');
tuneGcForWebhook();
const { startWebhookServer } = await imp('webhook/server.js');
const { ObjectCache } = await imp('webhook/object-cache.js');
const { TenantPolicyHolder } = await imp('webhook/reload.js');
const { defaultSettings } = await imp('config/settings.js');
const { LOG_GATHER_BYTES, LOG_FLUSH_MS } = await imp('cli/commands/webhook.js');

const [cert, key, objects, decisionUs = '0'] = process.argv.slice(2);
const spinMs = Number(decisionUs) / 1000;
const cache = new ObjectCache({ name: 'objects' });
for (const d of yaml.loadAll(fs.readFileSync(objects, 'utf8'), null, { schema: yaml.CORE_SCHEMA })) if (d && typeof d.kind === 'string') cache.apply(d);
// As the CLI logs on a real stdout (src/cli/commands/webhook.ts): asynchronous, lines gathered, flushed periodically.
const out = pino.destination({ dest: 1, sync: false, minLength: LOG_GATHER_BYTES, periodicFlush: LOG_FLUSH_MS });
const logger = pino({ base: { service: 'meshward-webhook' }, timestamp: pino.stdTimeFunctions.isoTime }, out);
const server = await startWebhookServer({
  cache,
  tenants: TenantPolicyHolder.none(),
  settings: defaultSettings(),
  tlsCertFile: cert,
  tlsKeyFile: key,
  port: 0,
  host: '127.0.0.1',
  logger,
  mode: 'enforce',
  denyOn: 'high',
  unsynced: 'allow',
  exempt: new Set(['meshward', 'kube-system', 'istio-system']),
  reloadIntervalMs: 60_000,
  decide: () => {
    for (const until = performance.now() + spinMs; performance.now() < until; );
    return { introduced: [], failures: [] };
  },
});
logger.info({ event: 'listening', port: server.port }, 'webhook floor listening');
out.flushSync();
process.on('SIGTERM', () => server.close(1_000).then(() => out.flush(() => process.exit(0))));
