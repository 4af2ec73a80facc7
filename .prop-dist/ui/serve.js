/**
 * Serves the dashboard (the Vite build in dist/ui) from the API listener, under /ui/.
 *
 * The files are read once at start-up into memory (a few hundred KB): a request can only ever get one
 * of those files, so no path from a URL ever reaches the file system. Every client-side route
 * (/ui/findings?..., /ui/findings/CLUSTER/FP) answers index.html; the app routes from there.
 *
 * Content-Security-Policy: scripts, styles, fetches and workers from this origin only; no inline script
 * or style, no eval, no frames, no plugins. Data shown comes from agents (hostile names and
 * annotations): the app renders it as text, and the CSP is the second line if it ever did not.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
export const DASHBOARD_PREFIX = '/ui/';
export const DASHBOARD_CSP = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
].join('; ');
const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.json': 'application/json; charset=utf-8',
    '.woff2': 'font/woff2',
    '.txt': 'text/plain; charset=utf-8',
};
/** Where the build puts the dashboard: dist/ui beside dist/server. */
export function defaultDashboardDir() {
    return fileURLToPath(new URL('../ui', import.meta.url));
}
/** Reads every file of the build into a Map keyed by its URL path under /ui/. */
export function loadDashboardAssets(dir) {
    const assets = new Map();
    const walk = (d, rel) => {
        for (const name of readdirSync(d)) {
            // dist/ui also holds the server's own compiled files (serve.js, tests): only the bundle is served.
            if (rel === '' && name !== 'index.html' && name !== 'assets')
                continue;
            const full = path.join(d, name);
            const st = statSync(full);
            if (st.isDirectory())
                walk(full, `${rel}${name}/`);
            else if (st.isFile() && st.size <= 16 * 1024 * 1024) {
                const body = readFileSync(full);
                const type = TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
                assets.set(`${rel}${name}`, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, immutable: rel.startsWith('assets/') });
            }
        }
    };
    if (existsSync(dir))
        walk(dir, '');
    return assets;
}
function send(reply, asset, ifNoneMatch) {
    reply.header('content-security-policy', DASHBOARD_CSP);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('etag', asset.etag);
    // The server's onSend hook sets no-store on everything; hashed assets may be cached.
    reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (ifNoneMatch === asset.etag)
        return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
}
/**
 * Registers GET /ui/* (and / → /ui/). Without a build (a checkout that skipped `vite build`), /ui/
 * answers 503 with how to build it, and the API still works.
 */
export function registerDashboard(app, opts = {}) {
    const assets = loadDashboardAssets(opts.dir ?? defaultDashboardDir());
    const index = assets.get('index.html');
    app.get('/', async (_req, reply) => reply.redirect(DASHBOARD_PREFIX, 302));
    app.get('/ui', async (_req, reply) => reply.redirect(DASHBOARD_PREFIX, 302));
    app.get('/ui/*', async (req, reply) => {
        if (!index) {
            return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built in this installation: run `npm run build` in the meshward checkout (it runs vite build into dist/ui).\n');
        }
        const rest = req.params['*'] ?? '';
        const asset = assets.get(rest);
        const inm = req.headers['if-none-match'];
        if (asset)
            return send(reply, asset, typeof inm === 'string' ? inm : undefined);
        // A missing hashed asset is a real 404 (an old tab after an upgrade), not the app.
        if (rest.startsWith('assets/'))
            return reply.code(404).send({ error: 'not-found', message: 'no such dashboard file (reload the page)' });
        return send(reply, index, typeof inm === 'string' ? inm : undefined);
    });
    return { files: assets.size };
}
