// The dashboard's build: `npm run build` type-checks this folder (its own tsconfig: DOM, Preact JSX)
// and bundles it into dist/ui, which `meshward server` serves from the API port under /ui/.
// No plugin is needed: esbuild compiles Preact's JSX itself. The output has no inline script or style
// (the server's Content-Security-Policy forbids both) and loads nothing from another origin.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../../dist/ui', import.meta.url));
// dist/ui also holds tsc's output for src/ui/*.ts (the server's serve.js, the tests): emptying the
// folder would delete them, so only the previous bundle is removed.
rmSync(`${outDir}/assets`, { recursive: true, force: true });
rmSync(`${outDir}/index.html`, { force: true });

export default defineConfig({
  root: here,
  base: '/ui/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: false,
    // Vite's module-preload polyfill is an inline script: the CSP would refuse it, and every browser
    // the dashboard supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
