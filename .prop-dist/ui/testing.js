/** Opens the dashboard with `token` in its session storage, as the sign-in form would leave it. */
export async function signIn(page, baseUrl, token) {
    // Before any of the app's scripts run (so no page asks the API without it). A string expression:
    // this file compiles without the DOM's types.
    await page.addInitScript(`sessionStorage.setItem('meshward.token', ${JSON.stringify(token)})`);
    await page.goto(baseUrl + '/ui/');
}
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
/**
 * axe-core's serious and critical violations on `url` (signed in with `token`). axe is injected as a
 * script, which the dashboard's CSP refuses: this context (and only this one) bypasses the CSP.
 */
export async function axeViolations(browser, baseUrl, url, token, ready) {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    try {
        const page = await context.newPage();
        await signIn(page, baseUrl, token);
        await page.goto(baseUrl + url);
        await ready(page);
        await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
        const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`));
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${url}: ${v.id} (${v.impact}) at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
    }
    finally {
        await context.close();
    }
}
