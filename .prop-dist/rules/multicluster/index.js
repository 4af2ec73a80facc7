import { makeKubeconfigRules } from '../../kubeconfig/rules.js';
import { kubeconfigSources } from '../../multicluster/credentials.js';
import MCL001 from './MCL001-istiod-insecure-kubeconfig-options.js';
import MCL002 from './MCL002-cacerts-root-key.js';
import MCL003 from './MCL003-trust-accepts-other-mesh.js';
import MCL004 from './MCL004-fleet-blast-radius.js';
import MCL005 from './MCL005-shared-intermediate.js';
import MCL006 from './MCL006-mixed-roots.js';
import MCL007 from './MCL007-shared-root-across-meshes.js';
/**
 * The rules of this domain, in ID order: the kubeconfig rules (KCF, judging the kubeconfigs that
 * Istio, Kiali, Argo CD and Linkerd keep in Secrets) and the multi-cluster trust rules (MCL;
 * MCL004 to MCL007 are found only across clusters, see fleet.ts).
 */
export const rules = [...makeKubeconfigRules(kubeconfigSources), MCL001, MCL002, MCL003, MCL004, MCL005, MCL006, MCL007];
