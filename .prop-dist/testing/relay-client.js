/** A raw HTTPS client for hostile-agent tests: any body, any headers, any (or no) client certificate. */
import https from 'node:https';
import { gzipSync } from 'node:zlib';
export function rawRequest(url, opts) {
    return new Promise((resolve, reject) => {
        const req = https.request(new URL(opts.path, url), {
            method: opts.method ?? (opts.body ? 'POST' : 'GET'),
            ca: opts.caPem,
            ...(opts.creds ? { cert: opts.creds.certificatePem, key: opts.creds.keyPem } : {}),
            agent: false,
            headers: { ...(opts.body ? { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(opts.body.length) } : {}), ...opts.headers },
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let body = null;
                try {
                    body = JSON.parse(text);
                }
                catch {
                    body = null;
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
            });
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(opts.body);
    });
}
export function gz(v) {
    return gzipSync(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
}
