/**
 * A real browser for the dashboard's tests: Debian's Chromium (/usr/bin/chromium, installed by
 * scripts/test-setup.js) driven by playwright-core. Never a downloaded browser.
 *
 * Every page a test opens is watched: a console error, an uncaught page error, a CSP violation or any
 * request to another origin fails the test through `problems()` (tests assert it is empty), so a
 * dashboard that quietly breaks or phones home cannot pass.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
export const CHROMIUM_PATH = '/usr/bin/chromium';
export async function launchBrowser() {
    if (!existsSync(CHROMIUM_PATH)) {
        throw new Error(`${CHROMIUM_PATH} is missing: run \`node scripts/test-setup.js\` as root (it installs Debian's chromium), or \`apt-get install -y chromium\``);
    }
    const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
        ],
    });
    return {
        browser,
        async page(opts = {}) {
            const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: { width: 1280, height: 860 }, offline: opts.offline ?? false });
            const page = await context.newPage();
            const problems = [];
            page.on('console', (m) => {
                if (m.type() === 'error')
                    problems.push(`console error: ${m.text()}`);
            });
            page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
            page.on('request', (r) => {
                const u = r.url();
                if (u.startsWith('data:') || u.startsWith('blob:') || u.startsWith('file:'))
                    return;
                if (opts.origin && !u.startsWith(opts.origin))
                    problems.push(`request to another origin: ${u}`);
            });
            return { page, context, problems: () => [...problems] };
        },
        async close() {
            await browser.close().catch(() => undefined);
        },
    };
}
