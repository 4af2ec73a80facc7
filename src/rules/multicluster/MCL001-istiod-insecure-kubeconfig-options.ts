import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import { parseImage } from '../../model/images.js';

const VAR = 'PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS';

export default defineRule({
  meta: {
    id: 'MCL001',
    title: 'istiod re-allows unsafe kubeconfig options for remote secrets',
    severity: 'high',
    category: 'multicluster',
    scope: 'namespace',
    reads: [...WORKLOAD_READS],
    docs: {
      summary: `The istiod container sets ${VAR}, which re-enables kubeconfig features istiod otherwise rejects in remote secrets: exec plugins, token files, certificate and key paths, and auth providers other than oidc.`,
      why:
        'A remote secret is a kubeconfig, and a kubeconfig can run commands and read local files. istiod reads every Secret labelled istio/multiCluster=true in its namespace; with this variable set, whoever can create such a Secret can make istiod run a command of their choice, or send a file from istiod\'s filesystem (its own service-account token included) to a server they control.',
      fix: `Remove ${VAR} from istiod and rewrite remote secrets to use a bearer token or client certificate data (istioctl create-remote-secret does). meshward scan judges every remote secret's kubeconfig (KCF rules).`,
      bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n  namespace: istio-system\nspec:\n  selector:\n    matchLabels: {app: istiod}\n  template:\n    metadata:\n      labels: {app: istiod}\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.26.2\n        env:\n        - name: PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS\n          value: exec,tokenFile\n",
      good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n  namespace: istio-system\nspec:\n  selector:\n    matchLabels: {app: istiod}\n  template:\n    metadata:\n      labels: {app: istiod}\n    spec:\n      containers:\n      - name: discovery\n        image: docker.io/istio/pilot:1.26.2\n",
      references: ['https://istio.io/latest/docs/setup/install/multicluster/', 'https://istio.io/latest/news/security/'],
    },
  },
  check({ model, report }) {
    for (const w of model.workloads) {
      for (const c of w.containers) {
        const isIstiod = c.name === 'discovery' || /\/pilot$/.test(parseImage(c.image)?.repository ?? '');
        if (!isIstiod || !Array.isArray(c.spec.env)) continue;
        c.spec.env.forEach((e: any, i: number) => {
          if (!e || e.name !== VAR) return;
          const value = typeof e.value === 'string' ? e.value : '';
          if (!value && !e.valueFrom) return;
          report({
            resource: w.resource,
            path: [...c.path, 'env', i],
            key: c.name,
            message: `istiod (${w.resource.kind} ${w.resource.namespace}/${w.resource.name}, container "${c.name}") sets ${VAR}=${value ? JSON.stringify(value.slice(0, 80)) : '(from a reference)'}: remote secrets may again use ${value ? value.split(',').map((s: string) => s.trim()).filter(Boolean).join(', ') : 'the options it names'}, so whoever can write a remote secret can make istiod run commands or read its own files.`,
          });
        });
      }
    }
  },
});
