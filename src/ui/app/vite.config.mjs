// The dashboard's build: `npm run build` type-checks this folder (its own tsconfig: DOM, Preact JSX)
// and bundles it into dist/ui, which `meshward server` serves from the API port under /ui/.
// No plugin is needed: esbuild compiles Preact's JSX itself. The output has no inline script or style
// (the server's Content-Security-Policy forbids both) and loads nothing from another origin.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Vite's module-preload polyfill is an inline script: the CSP would refuse it, and every browser
    // the dashboard supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
