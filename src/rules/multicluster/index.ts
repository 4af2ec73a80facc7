import type { Rule } from '../types.js';
import { makeKubeconfigRules } from '../../kubeconfig/rules.js';
import { kubeconfigSources } from '../../multicluster/credentials.js';
import MCL001 from './MCL001-istiod-insecure-kubeconfig-options.js';
import MCL002 from './MCL002-cacerts-root-key.js';
import MCL003 from './MCL003-trust-accepts-other-mesh.js';

/**
 * The rules of this domain, in ID order: the kubeconfig rules (KCF, judging the kubeconfigs that
 * Istio, Kiali, Argo CD and Linkerd keep in Secrets) and the multi-cluster trust rules (MCL).
 */
export const rules: Rule[] = [...makeKubeconfigRules(kubeconfigSources), MCL001, MCL002, MCL003];
