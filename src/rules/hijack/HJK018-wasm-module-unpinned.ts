import { defineRule } from '../types.js';
import { wasmReach, wasmSource, wasmSpec } from '../../model/wasm-plugins.js';

export default defineRule({
  meta: {
    id: 'HJK018',
    title: 'WasmPlugin loads a module whose content nothing checks (no sha256, no digest)',
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['extensions.istio.io/WasmPlugin'],
    docs: {
      summary:
        "A WasmPlugin whose `url` is fetched at run time (`http://`, `https://`, or an OCI image by tag) and that sets no `sha256`, where an OCI reference by digest (`@sha256:...`) does not pin it either. The istio-agent of every pod the plugin applies to then runs whatever bytes the server or registry returns. High over plain `http://` (anyone on the network path can answer); medium for `https://` (whoever can change the file) and for an OCI image by `latest` or no tag (a tag meant to move, pulled again whenever the plugin changes); low for an OCI image by another tag (whoever can push that tag again). `file://` modules are part of the proxy image and are left out.",
      why:
        "A Wasm module runs inside Envoy on every request the plugin sees: it reads and rewrites headers and bodies, tokens included, and decides what reaches the application. Whoever can replace the module (a pushed tag, a changed file on a web server, a man in the middle of a plaintext download) runs their code in those proxies without touching any Istio object, and no review of the WasmPlugin shows the change. An `oci://` tag is pulled again whenever the plugin changes, and on every change for `latest`.",
      fix:
        'Pin the module: set `sha256` to the module\'s checksum, or reference the OCI image by digest (`oci://registry/plugin@sha256:...`). Serve it over `https://` or from a registry, never plain `http://`. Change the pin when you mean to change the code.',
      bad: 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: openid, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  url: http://plugins.example.com/openid.wasm\n  phase: AUTHN',
      good: 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: openid, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  url: https://plugins.example.com/openid.wasm\n  sha256: 1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210\n  phase: AUTHN',
      references: ['https://istio.io/latest/docs/reference/config/proxy_extensions/wasm-plugin/', 'https://istio.io/latest/docs/tasks/extensibility/wasm-module-distribution/'],
    },
  },
  check({ model, report }) {
    for (const r of model.ofKind('extensions.istio.io', 'WasmPlugin')) {
      const spec = wasmSpec(r);
      const source = wasmSource(spec);
      if (!source || source.pinned || source.scheme === 'other') continue;
      const reach = wasmReach(r, spec, model.rootNamespace);
      const run = reach.plural ? 'run' : 'runs';
      const what = `WasmPlugin ${r.namespace}/${r.name} loads ${source.shown}`;
      if (source.scheme === 'http') {
        report({
          resource: r,
          path: ['spec', 'url'],
          severity: 'high',
          message: `${what} over plain HTTP with no sha256: anyone on the network path between the pods and ${source.host || 'the server'} can serve other code, and ${reach.text} ${run} it on every request.`,
        });
      } else if (source.scheme === 'https') {
        report({
          resource: r,
          path: ['spec', 'url'],
          message: `${what} with no sha256: whoever can change the file on ${source.host || 'the server'} changes the code ${reach.text} ${run} on every request, and nothing checks it.`,
        });
      } else {
        // A version tag is how most images are referenced, and is usually not pushed again; `latest` is
        // meant to move, and proxies pull it again on every change of the plugin (PullPolicy default).
        const moving = source.tag === 'latest';
        report({
          resource: r,
          path: ['spec', 'url'],
          severity: moving ? 'medium' : 'low',
          message: `${what} by tag "${source.tag}" with no sha256 or digest: whoever can push that tag${source.host ? ` to ${source.host}` : ''} changes the code ${reach.text} ${run} on every request the next time ${reach.plural ? 'they pull' : 'it pulls'} it${moving ? ', and "latest" is pulled again whenever the plugin changes' : ''}.`,
        });
      }
    }
  },
});
