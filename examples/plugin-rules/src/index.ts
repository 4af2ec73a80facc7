/**
 * An example meshward plugin. Its rules are written exactly like meshward's own (docs/adding-a-rule.md):
 * metadata for the docs and reports, and a check that reads the model through its indexes and reports
 * the field at fault. Every object is hostile input: check types before use.
 */
import { defineRule, get, isObject, type Resource } from 'meshward';

const MAX_ATTEMPTS = 5;

const retriesUnbounded = defineRule({
  meta: {
    id: 'X-EXAMPLE-RETRY-STORM',
    title: 'A VirtualService route retries more than 5 times',
    severity: 'medium',
    category: 'custom',
    reads: ['networking.istio.io/VirtualService'],
    docs: {
      summary: `A VirtualService HTTP route sets retries.attempts above ${MAX_ATTEMPTS}.`,
      why: 'Every retry multiplies load on a struggling upstream: a burst of failures becomes a retry storm that keeps it down.',
      fix: `Keep retries.attempts at ${MAX_ATTEMPTS} or fewer and set a perTryTimeout.`,
      bad: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\nspec:\n  hosts: [api]\n  http:\n    - retries: {attempts: 50}\n      route: [{destination: {host: api}}]\n',
    },
  },
  check({ model, report }) {
    for (const vs of model.ofKind('networking.istio.io', 'VirtualService')) {
      const http = get(vs.obj, ['spec', 'http']);
      if (!Array.isArray(http)) continue;
      http.forEach((route: unknown, i: number) => {
        const attempts = isObject(route) ? get(route, ['retries', 'attempts']) : undefined;
        if (typeof attempts !== 'number' || attempts <= MAX_ATTEMPTS) return;
        report({
          resource: vs as Resource,
          path: ['spec', 'http', i, 'retries', 'attempts'],
          message: `VirtualService ${vs.namespace}/${vs.name} route ${i} retries ${attempts} times (at most ${MAX_ATTEMPTS})`,
          key: String(i),
        });
      });
    }
  },
});

export default [retriesUnbounded];
