import { defineRule } from '../types.js';
import type { Workload } from '../../model/workloads.js';
import { computePosture, type MtlsMode, type WorkloadPosture } from '../../posture/index.js';
import { NAMESPACE, PA, WORKLOADS, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { listSome, plural } from '../../posture/util.js';
import { postureReads } from '../../posture/reads.js';
import { WEBHOOK_CONFIG_KINDS, webhookBackend } from './webhook-backends.js';
import { describe } from '../../model/resource.js';

export default defineRule({
  meta: {
    id: 'AUT002',
    title: 'PeerAuthentication allows plaintext (PERMISSIVE or DISABLE) for a namespace, workload or port',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(PA, NAMESPACE, ...WORKLOADS, ...WEBHOOK_CONFIG_KINDS.map((k) => `admissionregistration.k8s.io/${k}`)),
    docs: {
      summary:
        'A namespace-wide or workload PeerAuthentication sets `mtls.mode` to PERMISSIVE or DISABLE, or a `portLevelMtls` entry does so for one port. The finding sits on the field that sets it and lists the workloads whose effective mode it decides (levels below it that say UNSET inherit it). DISABLE is high, PERMISSIVE medium. A workload policy whose selector matches no workload in the input is still reported (its pods may simply live elsewhere), one grade lower: DISABLE medium, PERMISSIVE low. A port-level exception on a port that serves an admission webhook of the input (a Mutating- or ValidatingWebhookConfiguration calling a Service that sends to that port) is low: the API server calls webhooks without a mesh certificate, so STRICT there would refuse it. Namespaces without a Namespace object are assumed in the mesh, as `meshward posture` does.',
      why:
        'On those workloads or ports, a caller without a mesh certificate is accepted: any pod in the cluster (or anything that reaches the pod network) can connect in plaintext, unauthenticated and unencrypted, and AuthorizationPolicy rules on principals or namespaces do not see it. A port-level exception is often added for a health check or a legacy client and then forgotten; it opens that port to everyone. In ambient mode ztunnel ignores DISABLE, which leaves the workload as open as PERMISSIVE.',
      fix:
        'Set STRICT (or remove the override so the mesh-wide STRICT applies). If one port must take plaintext, limit the exception to that port with `portLevelMtls` on a selector, protect it with an AuthorizationPolicy on `ipBlocks` and a NetworkPolicy, and track its removal.',
      bad: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}',
      good: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  mtls: {mode: STRICT}',
      references: [
        'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
        'https://istio.io/latest/docs/ops/best-practices/security/#mutual-tls',
        'https://istio.io/latest/docs/ambient/usage/l4-policy/#peer-authentication',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const pa of posture.peerAuthentications) {
      if (pa.scope !== 'namespace' && pa.scope !== 'workload') continue;
      const r = pa.resource;
      const decided = posture.mtlsDecides.get(r) ?? [];
      const nsMode = model.namespace(r.namespace).mode;
      const scopeText = pa.scope === 'namespace' ? `namespace ${r.namespace}` : `the workloads it selects in ${r.namespace}`;

      if (pa.mode === 'PERMISSIVE' || pa.mode === 'DISABLE') {
        // Workloads that take this policy's top-level mode (directly or through an UNSET port).
        const affected = decided.filter((w) => takesTop(posture.of(w), r));
        if (pa.scope === 'workload' && !pa.targets.length) {
          // Its pods are not in the input (often they live in another repository): still a weakening, graded lower.
          report({
            resource: r,
            path: ['spec', 'mtls', 'mode'],
            severity: pa.mode === 'DISABLE' && nsMode !== 'ambient' ? 'medium' : 'low',
            message: `PeerAuthentication ${r.namespace}/${r.name} sets ${pa.mode} for the workloads it selects (${selectorText(r.obj?.spec?.selector?.matchLabels)}) in ${r.namespace}: none is in the input, but whatever pods carry those labels in the cluster ${pa.mode === 'DISABLE' ? 'accept only plaintext' : 'accept plaintext beside mutual TLS'}, from any caller, without identity.`,
          });
        } else if (affected.length || (pa.scope === 'namespace' && nsMode !== 'none')) {
          report({
            resource: r,
            path: ['spec', 'mtls', 'mode'],
            severity: pa.mode === 'DISABLE' && nsMode !== 'ambient' ? 'high' : 'medium',
            message: `PeerAuthentication ${r.namespace}/${r.name} sets ${pa.mode} for ${scopeText}: ${consequence(pa.mode, affected, nsMode === 'ambient')}.`,
            evidence: workloadEvidence(affected, (w) => `${wname(w)} is ${pa.mode}${posture.of(w)?.dataplane === 'ambient' && pa.mode === 'DISABLE' ? ' (ambient: behaves as PERMISSIVE)' : ''}`),
          });
        }
      }
      for (const pl of pa.portLevel) {
        if (pl.mode !== 'PERMISSIVE' && pl.mode !== 'DISABLE') continue;
        const affected = decided.filter((w) => posture.of(w)?.mtls.ports.some((p) => p.port === pl.port && p.origin.level === 'port' && p.origin.resource === r));
        const unseen = pa.scope === 'workload' && !pa.targets.length;
        // The API server calls admission webhooks without a mesh certificate: a webhook's port must take
        // callers without one, and the webhook serves its own TLS there. The deliberate exception is low.
        // The workloads it decides the port of; failing those (their namespace outside the mesh in the
        // input), the ones it selects.
        const serving = affected.length ? affected : pa.scope === 'workload' ? pa.targets : [];
        const webhooks = serving.map((w) => webhookBackend(posture, w, pl.port));
        const webhook = webhooks.length && webhooks.every((b) => b !== null) ? webhooks[0] : null;
        if (webhook) {
          report({
            resource: r,
            path: ['spec', 'portLevelMtls', pl.key, 'mode'],
            key: `port:${pl.key}`,
            severity: 'low',
            message: `PeerAuthentication ${r.namespace}/${r.name} sets ${pl.mode} on port ${pl.port} of ${scopeText}, which serves the admission webhook ${webhook.name || '(unnamed)'} of ${describe(webhook.config)} (through Service ${webhook.service.namespace}/${webhook.service.name}): the API server calls webhooks without a mesh certificate, so STRICT there would refuse it. Callers without a mesh identity reach the port; only the webhook's own TLS and authentication check them. Keep the exception to this port alone.`,
            evidence: [
              { role: 'webhook', description: `webhook ${webhook.name || '(unnamed)'} calls Service ${webhook.service.namespace}/${webhook.service.name}, port ${pl.port} of its pods`, resource: webhook.config, path: webhook.path },
              ...workloadEvidence(affected, (w) => `${wname(w)} port ${pl.port} is ${pl.mode}`),
            ],
          });
          continue;
        }
        report({
          resource: r,
          path: ['spec', 'portLevelMtls', pl.key, 'mode'],
          key: `port:${pl.key}`,
          severity: unseen ? (pl.mode === 'DISABLE' && nsMode !== 'ambient' ? 'medium' : 'low') : pl.mode === 'DISABLE' && nsMode !== 'ambient' ? 'high' : 'medium',
          message: `PeerAuthentication ${r.namespace}/${r.name} sets ${pl.mode} on port ${pl.port} of ${scopeText}: ${consequence(pl.mode, affected, nsMode === 'ambient', pl.port)}.`,
          evidence: workloadEvidence(affected, (w) => `${wname(w)} port ${pl.port} is ${pl.mode}`),
        });
      }
    }
  },
});

function selectorText(ml: unknown): string {
  if (!ml || typeof ml !== 'object') return 'every workload';
  const pairs = Object.entries(ml as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return pairs.length ? listSome(pairs, 4) : 'every workload';
}

function takesTop(wp: WorkloadPosture | undefined, r: object): boolean {
  if (!wp) return false;
  if (wp.mtls.origin.resource === r) return true;
  return wp.mtls.ports.some((p) => p.origin.resource === r && p.origin.level !== 'port');
}

function consequence(mode: MtlsMode, affected: readonly Workload[], ambient: boolean, port?: number): string {
  const what = port ? `port ${port} of ` : '';
  const how = mode === 'DISABLE' ? (ambient ? 'ztunnel ignores DISABLE, so plaintext is still accepted' : 'mutual TLS is off, so only plaintext is accepted') : 'plaintext is accepted beside mutual TLS';
  if (!affected.length) return `${how}; no workload in the input takes this setting yet`;
  return `${how} on ${what}${plural(workloadCount(affected), 'workload')} (${workloadList(affected)}), from any caller, without identity`;
}
