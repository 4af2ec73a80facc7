/**
 * Sidecar injection MutatingWebhookConfigurations as Istio's charts (1.20 to 1.30) render them, for
 * BYP014 / BYP015 tests. Not a test file itself.
 */
const NOT_FALSE = '    - {key: sidecar.istio.io/inject, operator: NotIn, values: ["false"]}';
/** The four entries of a revision's injector; `rev` null is the default revision without a tag. */
export function injectorWebhookConfig(o) {
    const svc = `    clientConfig:\n      service: {name: ${o.service}, namespace: ${o.namespace ?? 'istio-system'}, path: /inject, port: 443}\n      caBundle: ""\n    failurePolicy: ${o.failurePolicy ?? 'Fail'}\n    sideEffects: None\n    admissionReviewVersions: [v1beta1, v1]\n    rules:\n    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}\n`;
    const off = '    namespaceSelector:\n      matchExpressions:\n      - {key: istio.io/deactivated, operator: In, values: [never-match]}\n    objectSelector:\n      matchExpressions:\n      - {key: istio.io/deactivated, operator: In, values: [never-match]}\n';
    const rev = o.rev ?? 'default';
    const entries = [
        `  - name: rev.namespace.sidecar-injector.istio.io\n${svc}${o.deactivated ? off : `    namespaceSelector:\n      matchExpressions:\n      - {key: istio.io/rev, operator: In, values: [${rev}]}\n      - {key: istio-injection, operator: DoesNotExist}\n    objectSelector:\n      matchExpressions:\n  ${NOT_FALSE}\n`}`,
        `  - name: rev.object.sidecar-injector.istio.io\n${svc}${o.deactivated ? off : `    namespaceSelector:\n      matchExpressions:\n      - {key: istio.io/rev, operator: DoesNotExist}\n      - {key: istio-injection, operator: DoesNotExist}\n    objectSelector:\n      matchExpressions:\n  ${NOT_FALSE}\n      - {key: istio.io/rev, operator: In, values: [${rev}]}\n`}`,
    ];
    if (o.rev === null) {
        entries.push(`  - name: namespace.sidecar-injector.istio.io\n${svc}${o.deactivated ? off : `    namespaceSelector:\n      matchExpressions:\n      - {key: istio-injection, operator: In, values: [enabled]}\n    objectSelector:\n      matchExpressions:\n  ${NOT_FALSE}\n`}`, `  - name: object.sidecar-injector.istio.io\n${svc}${o.deactivated ? off : `    namespaceSelector:\n      matchExpressions:\n      - {key: istio-injection, operator: DoesNotExist}\n      - {key: istio.io/rev, operator: DoesNotExist}\n    objectSelector:\n      matchExpressions:\n      - {key: sidecar.istio.io/inject, operator: In, values: ["true"]}\n      - {key: istio.io/rev, operator: DoesNotExist}\n`}`);
    }
    return `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: ${o.name}
  labels: {app: sidecar-injector, istio.io/rev: ${rev}}
webhooks:
${entries.join('')}`;
}
export function service(name, namespace = 'istio-system', port = 443) {
    return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {app: istiod}
  ports:
  - {name: https-webhook, port: ${port}, targetPort: 15017}
`;
}
