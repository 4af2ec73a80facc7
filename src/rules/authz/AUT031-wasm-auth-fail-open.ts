import { defineRule } from '../types.js';
import { wasmReach, wasmSource, wasmSpec } from '../../model/wasm-plugins.js';

/** The phases Istio places before its own authentication and authorization filters (wasm.proto PluginPhase). */
const AUTH_PHASES: ReadonlySet<string> = new Set(['AUTHN', 'AUTHZ']);

export default defineRule({
  meta: {
    id: 'AUT031',
    title: 'WasmPlugin in the authentication or authorization phase fails open: when it cannot load or crashes, requests pass unchecked',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: ['extensions.istio.io/WasmPlugin'],
    docs: {
      summary:
        'A WasmPlugin in the `AUTHN` or `AUTHZ` phase (the phases meant for authentication and authorization plugins) with `failStrategy: FAIL_OPEN`. When its module cannot be fetched, the istio-agent replaces the plugin with a filter that allows everything; when the plugin fails at run time, Envoy skips it. Either way requests go on as if the plugin had passed them. Medium: the phase says where the plugin runs, not what it does (plugins that only add headers are put there too, to run early); for a plugin that authenticates, authorizes or filters requests (a WAF) it is a way around the check. `FAIL_CLOSE` (the default) and `FAIL_RELOAD` are left out, as are plugins of other phases.',
      why:
        "Whoever can make the plugin fail turns the check off for every request: a registry or web server that is down, slow or rate-limiting, a deleted tag, an egress policy that blocks the download, or a crafted request that crashes the plugin's VM. Nothing refuses the requests it lets through, and nothing in the WasmPlugin object changes. Istio's own API reference says fail-open is not recommended for authentication or authorization plugins.",
      fix:
        'Leave `failStrategy` unset (`FAIL_CLOSE`): a plugin that cannot run then fails requests with a 5xx instead of passing them. Use `FAIL_RELOAD` to recover from run-time errors by starting a new plugin instance. If availability matters more, keep the authentication in an Istio RequestAuthentication with an AuthorizationPolicy, which does not depend on a download.',
      bad: 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: openid, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  url: oci://registry.example.com/openid@sha256:1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210\n  phase: AUTHN\n  failStrategy: FAIL_OPEN',
      good: 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: openid, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  url: oci://registry.example.com/openid@sha256:1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210\n  phase: AUTHN\n  failStrategy: FAIL_RELOAD',
      references: ['https://istio.io/latest/docs/reference/config/proxy_extensions/wasm-plugin/#FailStrategy', 'https://istio.io/latest/docs/reference/config/proxy_extensions/wasm-plugin/#PluginPhase'],
    },
  },
  check({ model, report }) {
    for (const r of model.ofKind('extensions.istio.io', 'WasmPlugin')) {
      const spec = wasmSpec(r);
      if (spec.failStrategy !== 'FAIL_OPEN' || typeof spec.phase !== 'string' || !AUTH_PHASES.has(spec.phase)) continue;
      const source = wasmSource(spec);
      // A module in the proxy image cannot fail to download; it can still fail at run time.
      const fetched = source !== null && source.scheme !== 'file';
      const when = fetched ? `when its module cannot be fetched${source.host ? ` from ${source.host}` : ''} or the plugin fails at run time` : 'when the plugin fails at run time';
      const reach = wasmReach(r, spec, model.rootNamespace);
      report({
        resource: r,
        path: ['spec', 'failStrategy'],
        message: `WasmPlugin ${r.namespace}/${r.name} runs in the ${spec.phase} phase with failStrategy FAIL_OPEN: ${when}, ${reach.text} ${reach.plural ? 'skip it and pass' : 'skips it and passes'} requests on unchecked: if it authenticates, authorizes or filters requests, that check is off until it loads again.`,
      });
    }
  },
});
