/** A raw HTTPS client for hostile-agent tests: any body, any headers, any (or no) client certificate. */
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import type { AgentCredentials } from '../relay/identity-types.js';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

export function rawRequest(url: URL, opts: { method?: string; path: string; caPem: string; creds?: AgentCredentials | null; body?: Buffer; headers?: Record<string, string> }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(opts.path, url),
      {
        method: opts.method ?? (opts.body ? 'POST' : 'GET'),
        ca: opts.caPem,
        ...(opts.creds ? { cert: opts.creds.certificatePem, key: opts.creds.keyPem } : {}),
        agent: false,
        headers: { ...(opts.body ? { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(opts.body.length) } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function gz(v: unknown): Buffer {
  return gzipSync(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
}
