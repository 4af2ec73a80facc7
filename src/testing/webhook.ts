/**
 * The webhook's test kit: a real HTTPS server on 127.0.0.1 (port 0) over a StaticCache, a throwaway
 * CA and certificate, its JSON log captured in memory, and AdmissionReview builders.
 */
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { defaultSettings } from '../config/settings.js';
import type { ClusterCache } from '../cluster/cache-types.js';
import { parseTenantPolicy } from '../tenancy/policy.js';
import { TenantPolicyHolder } from '../webhook/reload.js';
import { startWebhookServer, type WebhookServer, type WebhookServerOptions } from '../webhook/server.js';
import type { AdmissionRequest } from '../webhook/types.js';
import { createCertificateAuthority, type CertificateAuthority } from './apiserver/pki.js';
import { StaticCache } from './static-cache.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

export interface TestWebhook {
  server: WebhookServer;
  cache: StaticCache;
  tenants: TenantPolicyHolder;
  ca: CertificateAuthority;
  dir: string;
  certFile: string;
  keyFile: string;
  /** Every log line written so far, parsed. */
  logs: () => Array<Record<string, any>>;
  /** Everything written to the log, raw. */
  logText: () => string;
  agent: https.Agent;
  request: (method: string, urlPath: string, body?: string | Buffer, headers?: Record<string, string>) => Promise<HttpAnswer>;
  /** POSTs a review to /validate and returns the AdmissionReview response's `response`. */
  review: (review: unknown) => Promise<any>;
  close: () => Promise<void>;
}

export interface TestWebhookOptions extends Partial<Omit<WebhookServerOptions, 'cache' | 'tenants' | 'logger'>> {
  /** Serve from this cache (an informer-backed one) instead of the StaticCache. */
  liveCache?: ClusterCache;
  cacheYaml?: string;
  synced?: boolean;
  tenantsYaml?: string;
  /** Reload the tenant file (written into the temp folder) every this many ms. */
  tenantsFile?: boolean;
  /** The log's level (default debug: every review's line). */
  logLevel?: 'debug' | 'info';
}

let sharedCa: Promise<CertificateAuthority> | null = null;
/** One CA per test process: making keys is the slow part. */
export function testCa(): Promise<CertificateAuthority> {
  return (sharedCa ??= createCertificateAuthority('meshward-webhook-test-ca'));
}

export async function startTestWebhook(opts: TestWebhookOptions = {}): Promise<TestWebhook> {
  const ca = await testCa();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-webhook-'));
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  const leaf = await ca.issueServer();
  await fs.writeFile(certFile, leaf.certPem);
  await fs.writeFile(keyFile, leaf.keyPem);
  const cache = new StaticCache({ synced: opts.synced ?? true });
  if (opts.cacheYaml) cache.applyYaml(opts.cacheYaml);
  const lines: string[] = [];
  // Debug by default, so tests see every review's line (the webhook logs clean allows at debug).
  const logger = pino({ base: null, level: opts.logLevel ?? 'debug' }, { write: (s: string) => void lines.push(s) });
  let tenants = TenantPolicyHolder.none();
  if (opts.tenantsFile && opts.tenantsYaml !== undefined) {
    const file = path.join(dir, 'tenants.yaml');
    await fs.writeFile(file, opts.tenantsYaml);
    tenants = await TenantPolicyHolder.fromFile(file, 3_600_000, {
      onLoaded: (f) => logger.info({ event: 'tenants-reloaded', file: f }),
      onRefused: (f, reason) => logger.error({ event: 'tenants-reload-refused', file: f, reason }),
    });
  } else if (opts.tenantsYaml !== undefined) {
    tenants = TenantPolicyHolder.fixed(parseTenantPolicy(opts.tenantsYaml, 'tenants.yaml'));
  }
  const { cacheYaml: _c, synced: _s, tenantsYaml: _t, tenantsFile: _f, logLevel: _l, liveCache, ...serverOpts } = opts;
  const server = await startWebhookServer({
    cache: liveCache ?? cache,
    // Tests change the in-memory cache and review at once, so they want the exact decision; the live
    // cache (informers, as in production) keeps the server's default.
    staleness: liveCache ? undefined : 'wait',
    tenants,
    settings: defaultSettings(),
    tlsCertFile: certFile,
    tlsKeyFile: keyFile,
    port: 0,
    host: '127.0.0.1',
    logger,
    mode: 'enforce',
    denyOn: 'high',
    unsynced: 'allow',
    exempt: new Set(['meshward', 'kube-system', 'istio-system']),
    reloadIntervalMs: 3_600_000,
    defaultMetrics: false,
    ...serverOpts,
  });
  const agent = new https.Agent({ keepAlive: true, ca: ca.certPem, maxSockets: 8 });
  const request = (method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: server.port, method, path: urlPath, agent, servername: 'localhost', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    server,
    cache,
    tenants,
    ca,
    dir,
    certFile,
    keyFile,
    logs: () => lines.map((l) => JSON.parse(l)),
    logText: () => lines.join(''),
    agent,
    request,
    review: async (review: unknown) => {
      const a = await request('POST', '/validate', JSON.stringify(review));
      if (a.status !== 200) throw new Error(`review answered ${a.status}: ${a.body}`);
      if (a.json?.apiVersion !== 'admission.k8s.io/v1' || a.json?.kind !== 'AdmissionReview') throw new Error(`not an AdmissionReview: ${a.body.slice(0, 200)}`);
      return a.json.response;
    },
    close: async () => {
      agent.destroy();
      await server.close(2_000);
      tenants.close();
      await cache.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

const PLURALS: Record<string, string> = { NetworkPolicy: 'networkpolicies', Gateway: 'gateways' };

/** An AdmissionReview for an object (or, for DELETE, the old object), as the API server sends it. */
export function admissionReview(
  operation: AdmissionRequest['operation'],
  object: Record<string, any> | null,
  oldObject: Record<string, any> | null = null,
  extra: { dryRun?: boolean; username?: string; groups?: string[]; uid?: string } = {},
): Record<string, unknown> {
  const o = (object ?? oldObject)!;
  const apiVersion = String(o.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(o.kind);
  const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(kind);
  const namespace = clusterScoped ? '' : (o.metadata?.namespace ?? 'default');
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: extra.uid ?? randomUUID(),
      kind: { group, version, kind },
      resource: { group, version, resource: PLURALS[kind] ?? `${kind.toLowerCase()}s` },
      requestKind: { group, version, kind },
      namespace,
      name: o.metadata?.name ?? '',
      operation,
      userInfo: { username: extra.username ?? 'jane@example.com', groups: extra.groups ?? ['system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'CREATE' ? null : oldObject,
      dryRun: extra.dryRun ?? false,
      options: null,
    },
  };
}
