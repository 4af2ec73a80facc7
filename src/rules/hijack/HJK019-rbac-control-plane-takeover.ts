import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { bindingReaches, rbacOf, ruleAllows, type RbacRule } from '../../model/rbac.js';
import { RBAC_KINDS, reportEachSubject, RuleJudgements } from './rbac-grants.js';

/**
 * Three footholds that give whoever holds them the whole mesh, not one namespace's traffic:
 *
 * - `webhook`: writing MutatingWebhookConfigurations. Istio's sidecar injector is one; whoever can
 *   change it decides what every new pod of the mesh is given (or that it gets no proxy at all). The
 *   objects are cluster-scoped, so only a ClusterRoleBinding grants this (bindingReaches).
 * - `config`: writing the root namespace's `istio` ConfigMap (the mesh config: mTLS and egress defaults,
 *   extension providers) or `istio-sidecar-injector` (the template every injected pod's proxy is made
 *   from: its image, its arguments), or a revision's (`istio-<rev>`, `istio-sidecar-injector-<rev>`).
 * - `ca-read`, `ca-write`: reading or replacing the mesh CA's Secret in the root namespace (`cacerts`, a
 *   plugged-in CA; `istio-ca-secret`, istiod's self-signed one): the CA's private key mints any
 *   workload's identity, and istiod signs with whatever CA it finds there.
 *
 * Kubernetes facts the checks follow: a rule with `resourceNames` never allows `create` (the name is
 * not known when the request is authorized), and allows other verbs only on the names it lists.
 */
type Foothold = 'webhook' | 'config' | 'ca-read' | 'ca-write';

interface Target {
  foothold: Foothold;
  group: string;
  resource: string;
  verbs: string[];
  /** Whether a name a rule lists is one of the objects that matter. */
  names: (name: string) => boolean;
}

const INJECTOR_WEBHOOK = /^istio-(sidecar-injector|revision-tag-)/;
// `istio-<rev>` is a revision's mesh config; the other `istio-` ConfigMaps of the root namespace are
// istiod's leader elections and the root certificate every namespace gets, not configuration.
const NOT_CONFIG = /^istio-ca-root-cert$|leader$|election$/;
const MESH_CONFIG = (name: string) => (name === 'istio' || name.startsWith('istio-')) && !NOT_CONFIG.test(name);
const CA_SECRETS = new Set(['cacerts', 'istio-ca-secret']);

const WRITE = ['create', 'update', 'patch', 'delete'];
const TARGETS: Target[] = [
  { foothold: 'webhook', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', verbs: WRITE, names: (n) => INJECTOR_WEBHOOK.test(n) },
  { foothold: 'config', group: '', resource: 'configmaps', verbs: ['create', 'update', 'patch'], names: MESH_CONFIG },
  { foothold: 'ca-read', group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'], names: (n) => CA_SECRETS.has(n) },
  { foothold: 'ca-write', group: '', resource: 'secrets', verbs: ['create', 'update', 'patch'], names: (n) => CA_SECRETS.has(n) },
];

/** Whether `rule` really grants one of the verbs of `t`, with Kubernetes' resourceNames semantics. */
function grantsOn(rule: RbacRule, t: Target): boolean {
  return t.verbs.some((v) => ruleAllows(rule, v, t.group, t.resource) && (rule.resourceNames.length === 0 || (v !== 'create' && rule.resourceNames.some(t.names))));
}

/** Subjects every authenticated (or unauthenticated) caller is a member of. */
const EVERYONE = /^group:system:(authenticated|unauthenticated|serviceaccounts)$/;
/** A namespace's service accounts: controllers, whose compromise is the risk, not their intent. */
const SERVICE_ACCOUNTS = /^(serviceaccount:|group:system:serviceaccounts:)/;

/**
 * How bad a grant is: every caller (critical); a grant made in the root namespace itself, or to people
 * cluster-wide (high); a controller's service account cluster-wide (medium), or low when all it can do is
 * read the CA's Secret, because it reads every Secret of the cluster. Controllers that manage their own
 * webhooks or certificates (cert-manager, Knative, KServe, Kubeflow's operators) hold these rights by
 * design, and many more read every Secret (secret syncers, backup tools, meshward's own agent, which
 * reports facts about them): the finding is that their compromise is the mesh's, worth knowing but not a
 * misconfiguration a CI gate at high should stop.
 */
function grade(subject: string, clusterWide: boolean, footholds: ReadonlySet<Foothold>): Severity {
  if (EVERYONE.test(subject)) return 'critical';
  if (!clusterWide || !SERVICE_ACCOUNTS.test(subject)) return 'high';
  return [...footholds].every((f) => f === 'ca-read') ? 'low' : 'medium';
}

/** What the footholds a binding gives let its subjects do, in the order of their reach. */
function phrases(footholds: ReadonlySet<Foothold>, root: string): string[] {
  const out: string[] = [];
  if (footholds.has('webhook')) out.push("change MutatingWebhookConfigurations, Istio's sidecar injector among them (it decides what every new pod of the mesh is given, and can be pointed elsewhere or told to skip the proxy)");
  if (footholds.has('config')) out.push(`write the mesh config and the injection template in ${root} (ConfigMaps istio and istio-sidecar-injector: the mesh's mTLS and egress defaults, and the proxy every injected pod runs)`);
  const read = footholds.has('ca-read');
  const write = footholds.has('ca-write');
  if (read || write) {
    const verb = read && write ? 'read and replace' : read ? 'read' : 'replace';
    const why = read ? "with it anyone can mint any workload's certificate and pass every AuthorizationPolicy as that workload" : 'istiod signs every workload certificate with the CA it finds there';
    out.push(`${verb} the mesh CA's key in ${root} (Secret cacerts or istio-ca-secret: ${why})`);
  }
  return out;
}

/** For a service account: how to say its namespace runs the platform, when it does. */
function platformHint(subject: string): string {
  const ns = /^(?:serviceaccount:|group:system:serviceaccounts:)([^:]+)/.exec(subject)?.[1];
  return ns ? ` If ${ns} runs platform software, list it under platform.namespaces in the tenant policy.` : '';
}

export default defineRule({
  meta: {
    id: 'HJK019',
    title: "RBAC lets non-platform subjects take over Istio's control plane",
    severity: 'high',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: RBAC_KINDS,
    docs: {
      summary:
        "A ClusterRoleBinding, or a RoleBinding in the mesh's root namespace, gives a user, group or service account that is not the platform one of three footholds on the whole mesh: changing MutatingWebhookConfigurations (Istio's sidecar injector is one), writing the root namespace's mesh config or injection-template ConfigMaps, or reading or writing the mesh CA's Secret (`cacerts`, `istio-ca-secret`). Wildcards, aggregated ClusterRoles and Kubernetes' built-in roles count; a rule limited by `resourceNames` counts only when it names one of Istio's objects, and never for `create`. Graded: critical when the subject is every authenticated user or service account; high for a grant made in the root namespace itself, or to users and groups cluster-wide; medium for a controller's service account cluster-wide (cert-manager's CA injector, Knative's and KServe's controllers hold such rights by design: their compromise is the mesh's), low when all such a service account can do is read the CA's Secret (it reads every Secret of the cluster, as secret syncers, backup tools and meshward's own agent do).",
      why:
        "Each is the mesh, not one namespace of it. The sidecar injector webhook is called for every new pod: whoever rewrites it decides what those pods run, or that they run without a proxy. The injection template is the proxy container itself (its image and arguments) and the mesh config holds the mesh's mTLS and egress defaults. The CA's private key signs every workload certificate: with it an attacker mints the identity of any service account and every AuthorizationPolicy that trusts that principal lets them in. None of this shows in the routing config the other rules read.",
      fix:
        "Keep these rights to the platform: bind them only to istiod's and the Istio operator's service accounts; give a controller that must patch webhooks (cert-manager's CA injector, a policy engine) a ClusterRole limited by `resourceNames` to its own webhooks; never let a role read Secrets in the root namespace unless its holder runs the mesh. If the subject is part of your platform, say so in the tenant policy (`platform.namespaces` or `platform.subjects`) and meshward treats it as such.",
      bad: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: webhook-tuner}\nrules:\n- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [get, list, patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-webhook-tuner}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: webhook-tuner}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: ci}',
      good: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: webhook-tuner}\nrules:\n- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  resourceNames: [ci-defaults]\n  verbs: [get, patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-webhook-tuner}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: webhook-tuner}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: ci}',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
        'https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/',
        'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources',
      ],
    },
  },
  check({ model, report }) {
    const root = model.rootNamespace;
    // What one rule gives, through a ClusterRoleBinding and through a RoleBinding in the root namespace.
    const footholdsOf = (clusterWide: boolean) =>
      new RuleJudgements((rule) => TARGETS.filter((t) => bindingReaches(clusterWide, t.resource) && grantsOn(rule.rule, t)).map((t) => t.foothold));
    const judgements = { cluster: footholdsOf(true), root: footholdsOf(false) };
    for (const b of rbacOf(model).bound) {
      // A RoleBinding elsewhere than the root namespace reaches none of these objects.
      if (b.namespace !== null && b.namespace !== root) continue;
      // Judged once per role, whatever the number of its bindings and their subjects.
      const { gives: footholds, evidence } = (b.namespace === null ? judgements.cluster : judgements.root).of(b.rules);
      if (!evidence.length) continue;
      const what = phrases(footholds, root);
      reportEachSubject({ model, report }, b, evidence, (subject, binding) => ({
        severity: grade(subject, b.namespace === null, footholds),
        message: `${binding} lets ${subject} ${what.join('; and ')} (through ${b.roleKind} ${b.roleName}): whoever holds it can take over the whole mesh.${platformHint(subject)}`,
      }));
    }
  },
});
