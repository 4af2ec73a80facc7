import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { describe } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { shown } from './proxy.js';
import { injectionWebhooks, webhookLabel } from './webhooks.js';

export default defineRule({
  meta: {
    id: 'BYP015',
    title: 'Sidecar injection webhook calls a Service that does not exist',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: ['admissionregistration.k8s.io/MutatingWebhookConfiguration', 'Service'],
    docs: {
      summary:
        "A sidecar injection webhook (MutatingWebhookConfiguration entry named *sidecar-injector.istio.io or calling /inject) names in clientConfig.service a Service that is not in the input, or a Service without the port it calls (clientConfig.service.port, 443 when unset). To keep partial inputs quiet, it is judged only when the input holds at least one Service of that namespace: a scan of application manifests alone, without istio-system's Services, says nothing. Graded by the webhook's failurePolicy: Ignore is high (pods are created without a sidecar), Fail (the default) is medium (pods in injected namespaces cannot be created). Equivalent to the missing-Service half of istioctl analyze IST0139.",
      why:
        "The API server cannot reach the injector. With failurePolicy: Ignore every pod in an injected namespace is admitted without a sidecar and nobody is told: its traffic is plaintext and no AuthorizationPolicy protects it. With failurePolicy: Fail no pod can be created there, and the usual emergency fix, switching to Ignore or removing the namespace label, takes the namespace out of the mesh. A webhook left pointing at a removed revision's istiod is the common cause.",
      fix:
        "Point the webhook at the istiod Service of a revision that is installed (istioctl tag set / istioctl uninstall --revision remove stale webhooks), or reinstall the missing revision. Keep failurePolicy: Fail on injection webhooks so a broken injector is visible rather than silent.",
      bad: 'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: istio-sidecar-injector-1-22\nwebhooks:\n- name: rev.namespace.sidecar-injector.istio.io\n  failurePolicy: Ignore\n  clientConfig:\n    service: {name: istiod-1-22, namespace: istio-system, path: /inject}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: istiod-1-26, namespace: istio-system}\nspec:\n  ports: [{port: 443, targetPort: 15017}]',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0139/',
        'https://istio.io/latest/docs/ops/common-problems/injection/',
        'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy',
      ],
    },
  },
  check({ model, report }) {
    for (const hook of injectionWebhooks(model)) {
      const cc = hook.spec.clientConfig;
      if (!isObject(cc) || !isObject(cc.service)) continue;
      const { name, namespace } = cc.service;
      if (typeof name !== 'string' || typeof namespace !== 'string' || !name || !namespace) continue;
      const services = model.ofKindInNamespace('', 'Service', namespace);
      if (services.length === 0) continue; // that namespace's Services are not in the input: unknown, not missing
      const port = cc.service.port === undefined ? 443 : cc.service.port;
      const ignore = hook.spec.failurePolicy === 'Ignore';
      const severity: Severity = ignore ? 'high' : 'medium';
      const effect = ignore
        ? 'with failurePolicy Ignore, pods in the namespaces it selects are created without a sidecar, silently'
        : 'pods in the namespaces it selects cannot be created until it is fixed (failurePolicy Fail)';
      const svc = services.find((s) => s.name === name);
      if (!svc) {
        report({
          resource: hook.config,
          path: [...hook.path, 'clientConfig', 'service', 'name'],
          severity,
          key: `${hook.index}/service`,
          message: `${webhookLabel(hook)} calls Service ${shown(`${namespace}/${name}`, 160)}, which is not in the input although ${services.length} other Service${services.length === 1 ? '' : 's'} of namespace ${shown(namespace, 80)} ${services.length === 1 ? 'is' : 'are'}: the injector cannot be reached, and ${effect}.`,
        });
        continue;
      }
      const ports = svc.obj?.spec?.ports;
      const served = Array.isArray(ports) && ports.some((p: unknown) => isObject(p) && Number(p.port) === Number(port));
      if (!served) {
        report({
          resource: hook.config,
          path: [...hook.path, 'clientConfig', 'service', cc.service.port === undefined ? 'name' : 'port'],
          severity,
          key: `${hook.index}/port`,
          message: `${webhookLabel(hook)} calls port ${shown(port, 20)} of ${describe(svc)}, which does not serve that port: the injector cannot be reached, and ${effect}.`,
          evidence: [{ role: 'service', description: `${describe(svc)} has no port ${shown(port, 20)}`, resource: svc, path: ['spec', 'ports'] }],
        });
      }
    }
  },
});
