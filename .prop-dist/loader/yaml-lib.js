import { createRequire } from 'node:module';
/**
 * The `yaml` library, loaded on first use. It is needed only for positions (locating a finding in its
 * file, a kubeconfig field), for text that may hold an alias (./yaml-bounded.ts) and for config files;
 * plain manifests never need it, and loading it costs each thread 50-150 ms at start-up (a live analysis
 * worker or a parse worker would pay it for nothing). Its Node build is CommonJS, so `require` gives the
 * very module an `import` elsewhere gives: one instance per thread, whichever loads it first.
 */
let yamlLibrary = null;
export function yamlLib() {
    return (yamlLibrary ??= createRequire(import.meta.url)('yaml'));
}
