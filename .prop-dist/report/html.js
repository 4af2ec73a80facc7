/**
 * `--format html`: one self-contained file (the report app of src/ui/app/report, its script and styles
 * inline, the report as JSON) that opens from a CI artifact on any laptop, offline. A CSP meta tag
 * allows exactly the inlined script and stylesheet (by hash) and nothing else: no network at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonArrayChunks } from './json.js';
import { joinChunks } from './types.js';
/** Where `npm run build` puts the report app (vite.report.config.mjs). */
const APP_DIR = fileURLToPath(new URL('../report-ui', import.meta.url));
let shell = null;
const sha256 = (s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
/** JSON that is safe inside <script>: no `<` (so no `</script>` or `<!--`), no U+2028/2029. */
export function scriptSafeJson(json) {
    return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
/** The built report page split around the place the data goes, with its assets inlined. */
function loadShell() {
    if (shell)
        return shell;
    let html;
    try {
        html = readFileSync(path.join(APP_DIR, 'index.html'), 'utf8');
    }
    catch {
        throw new Error(`the HTML report's app is not built (${APP_DIR} is missing): run \`npm run build\` in the meshward checkout`);
    }
    const script = /<script type="module" crossorigin src="\.\/(assets\/[\w.-]+\.js)"><\/script>/.exec(html);
    const style = /<link rel="stylesheet" crossorigin href="\.\/(assets\/[\w.-]+\.css)">/.exec(html);
    if (!script || !style)
        throw new Error(`${APP_DIR}/index.html does not have the one script and one stylesheet the HTML report expects: rebuild with \`npm run build\``);
    const js = readFileSync(path.join(APP_DIR, script[1]), 'utf8');
    const css = readFileSync(path.join(APP_DIR, style[1]), 'utf8');
    if (/<\/script/i.test(js) || /<\/style/i.test(css))
        throw new Error('the report bundle contains a closing script or style tag and cannot be inlined');
    const csp = `default-src 'none'; script-src ${sha256(js)}; style-src ${sha256(css)}; img-src data:; base-uri 'none'; form-action 'none'`;
    const page = html
        .replace(script[0], () => `<meta http-equiv="Content-Security-Policy" content="${csp}">\n    <script type="module">${js}</script>`)
        .replace(style[0], () => `<style>${css}</style>`);
    const at = page.indexOf('<div id="app"></div>');
    const cut = at + '<div id="app"></div>'.length;
    shell = { head: `${page.slice(0, cut)}\n    <script type="application/json" id="meshward-data">`, tail: `</script>${page.slice(cut)}` };
    return shell;
}
export const htmlChunks = function* (report, ctx) {
    const s = loadShell();
    yield s.head;
    const { findings, ...rest } = report;
    // No timestamp: the same scan gives the same file (the file's own date says when).
    const meta = { version: ctx.version, posture: ctx.posture ?? null, rules: ctx.rules.map((r) => ({ id: r.meta.id, title: r.meta.title, category: r.meta.category, summary: r.meta.docs.summary, why: r.meta.docs.why, fix: r.meta.docs.fix })) };
    yield scriptSafeJson(`${JSON.stringify(meta).slice(0, -1)},"report":{"version":${JSON.stringify(report.version)},"errors":${JSON.stringify(rest.errors)},"summary":${JSON.stringify(rest.summary)},"findings":`);
    for (const chunk of jsonArrayChunks('', findings, 0))
        yield scriptSafeJson(chunk);
    yield '}}';
    yield s.tail;
};
export const htmlReporter = (report, ctx) => joinChunks(htmlChunks(report, ctx));
