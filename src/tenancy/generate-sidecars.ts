import { Glob, isGlob } from '../engine/glob.js';
import type { MeshModel } from '../model/model.js';
import { isEmptySelector } from '../model/selectors.js';
import { isObject } from '../model/workloads.js';
import { renderJson, renderYamlStream } from './yaml-out.js';
import { DNS_LABEL_RULE, isNamespaceName } from '../model/names.js';
import { plural } from '../posture/util.js';

/**
 * `meshward generate sidecars`: one namespace-wide `Sidecar` per tenant namespace, so that the
 * namespace's proxies import routing configuration (VirtualServices, DestinationRules,
 * ServiceEntries) only from namespaces it has reason to trust: itself, the mesh root namespace, the
 * other namespaces of its tenant and the namespaces its tenant `trusts`. A VirtualService another
 * tenant writes for a host is then not programmed into these proxies (ISTIO-SECURITY-2026-002).
 */

export const GENERATED_BY_ANNOTATION = 'meshward.io/generated-by';
export const TENANT_ANNOTATION = 'meshward.io/tenant';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export interface SidecarPlan {
  namespace: string;
  /** The namespace's tenant: the policy's name for it, or the namespace itself without one. */
  tenant: string;
  /** A policy tenant placed it (not the one-namespace-per-tenant default). */
  policyTenant: boolean;
  /** Other namespaces of the same tenant. */
  sameTenant: string[];
  /** Namespaces the tenant's `trusts` expand to. */
  trusted: string[];
  /** `ns/*` entries, `./*` and the root namespace first. */
  egressHosts: string[];
}

export interface SidecarGeneration {
  rootNamespace: string;
  plans: SidecarPlan[];
  /** Things the operator should know: replaced Sidecars, globs expanded against the input only, ambient namespaces. */
  notes: string[];
}

export { isGlob };

/**
 * Works out the Sidecars for the tenant namespaces of `model` (whose tenancy carries the policy, if
 * any): every non-platform namespace the manifests name, plus every plain (non-glob) namespace name a
 * policy tenant lists. Globs and label selectors can only be expanded against the namespaces in the
 * input; the notes say so.
 */
export function planSidecars(model: MeshModel, opts: { rootNamespace?: string } = {}): SidecarGeneration {
  const tenancy = model.tenancy;
  const policy = tenancy.policy;
  const root = opts.rootNamespace ?? model.rootNamespace;
  const notes: string[] = [];

  // Every namespace known: the input's, then the plain names the policy gives its tenants. A name no
  // namespace can have (`*`, from a file the API server never saw) would widen an `ns/*` host to every
  // namespace: it gets no Sidecar and no Sidecar imports it.
  const known = new Set<string>();
  const invalid = new Set<string>();
  for (const name of model.namespaces().map((n) => n.name)) (isNamespaceName(name) ? known : invalid).add(name);
  for (const t of policy?.tenants ?? []) for (const p of t.namespaces) if (!isGlob(p)) (isNamespaceName(p) ? known : invalid).add(p);
  if (invalid.size) {
    const shown = [...invalid].slice(0, 3).map((n) => JSON.stringify(n.slice(0, 64)));
    notes.push(`${plural(invalid.size, 'namespace')} of the input ${invalid.size === 1 ? 'is' : 'are'} not named as a namespace can be (${shown.join(', ')}${invalid.size > 3 ? ', ...' : ''}; ${DNS_LABEL_RULE}): no Sidecar was written for ${invalid.size === 1 ? 'it' : 'them'}, and none imports ${invalid.size === 1 ? 'it' : 'them'}.`);
  }
  const isTenantNs = (ns: string) => ns !== root && !tenancy.isPlatform(ns);

  // Group namespaces by tenant. Policy tenants and the implicit one-namespace tenants are kept apart
  // even when a namespace happens to carry a policy tenant's name.
  const keyOf = (ns: string) => {
    const t = tenancy.tenantOf(ns);
    return t.explicit ? `tenant:${t.name}` : `ns:${ns}`;
  };
  const members = new Map<string, string[]>();
  const sorted = [...known].sort();
  for (const ns of sorted) {
    if (!isTenantNs(ns)) continue;
    const k = keyOf(ns);
    const list = members.get(k);
    if (list) list.push(ns);
    else members.set(k, [ns]);
  }

  const tenantNames = new Set(tenancy.tenantNames());
  const expandTrust = (entry: string, forTenant: string): string[] => {
    if (tenantNames.has(entry)) {
      const ns = members.get(`tenant:${entry}`) ?? [];
      if (!ns.length) notes.push(`tenant ${forTenant} trusts tenant ${entry}, but no namespace of ${entry} is in the input or named plainly in the policy; nothing was added for it.`);
      return ns;
    }
    if (isGlob(entry)) {
      const glob = new Glob(entry, `tenant ${forTenant} trusts`);
      const hit = sorted.filter((ns) => ns !== root && glob.test(ns));
      if (!hit.length) notes.push(`tenant ${forTenant} trusts "${entry}", which matches no namespace in the input; nothing was added for it.`);
      return hit;
    }
    return [entry];
  };

  // Say once per tenant when its namespaces came from globs or a label selector.
  for (const t of policy?.tenants ?? []) {
    const globs = t.namespaces.filter(isGlob);
    if (!globs.length && (t.namespaceSelector === undefined || isEmptySelector(t.namespaceSelector))) continue;
    const found = members.get(`tenant:${t.name}`) ?? [];
    const how = [globs.length ? `the glob${globs.length === 1 ? '' : 's'} ${globs.join(', ')}` : '', t.namespaceSelector ? 'a namespaceSelector' : ''].filter(Boolean).join(' and ');
    notes.push(
      `tenant ${t.name} names namespaces by ${how}: Sidecars were written for the matching namespaces in the input (${found.join(', ') || 'none'}); regenerate when namespaces are added.`,
    );
  }

  const plans: SidecarPlan[] = [];
  for (const ns of sorted) {
    if (!isTenantNs(ns)) continue;
    const t = tenancy.tenantOf(ns);
    const sameTenant = (members.get(keyOf(ns)) ?? []).filter((n) => n !== ns);
    const trusted = t.explicit ? uniq(tenancy.trusts(ns).flatMap((e) => expandTrust(e, t.name))).filter((n) => n !== ns && n !== root && isNamespaceName(n)) : [];
    const others = uniq([...sameTenant, ...trusted]).filter((n) => n !== ns && n !== root).sort();
    plans.push({
      namespace: ns,
      tenant: t.name,
      policyTenant: t.explicit,
      sameTenant,
      trusted: trusted.filter((n) => !sameTenant.includes(n)).sort(),
      egressHosts: ['./*', `${root}/*`, ...others.map((n) => `${n}/*`)],
    });
  }

  // Existing namespace-wide Sidecars: Istio honours one per namespace (the oldest), so the generated
  // `default` replaces one of that name and conflicts with one of any other name.
  const planned = new Set(plans.map((p) => p.namespace));
  for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
    if (!planned.has(sc.namespace)) continue;
    const spec = sc.obj?.spec;
    if (isObject(spec) && !isEmptySelector(spec.workloadSelector?.labels)) continue;
    if (sc.name === 'default') notes.push(`the generated Sidecar ${sc.namespace}/default replaces the one in the input (applying it overwrites that object).`);
    else notes.push(`namespace ${sc.namespace} already has the namespace-wide Sidecar ${sc.name}; Istio uses only one per namespace (the oldest), so delete ${sc.name} when applying the generated default.`);
  }
  const ambient = plans.filter((p) => model.namespace(p.namespace).mode === 'ambient').map((p) => p.namespace);
  if (ambient.length) {
    notes.push(
      `${ambient.join(', ')} ${ambient.length === 1 ? 'runs' : 'run'} in ambient mode: Sidecar resources scope sidecar proxies only, not ztunnel or waypoints; use the admission policy (meshward generate admission-policy) there.`,
    );
  }
  return { rootNamespace: root, plans, notes };
}

/** The `Sidecar` object for a plan. */
export function sidecarObject(plan: SidecarPlan): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: {
      name: 'default',
      namespace: plan.namespace,
      labels: { [MANAGED_BY_LABEL]: 'meshward' },
      annotations: { [GENERATED_BY_ANNOTATION]: 'meshward generate sidecars', [TENANT_ANNOTATION]: plan.tenant },
    },
    spec: {
      egress: [{ hosts: plan.egressHosts }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    },
  };
}

export interface RenderOptions {
  format: 'yaml' | 'json';
  /** The tenant policy file, as the user named it; null without one. */
  policyFile: string | null;
  version: string;
}

/** YAML with a header and a comment per Sidecar, or a JSON `v1 List`. */
export function renderSidecars(gen: SidecarGeneration, opts: RenderOptions): string {
  const objects = gen.plans.map(sidecarObject);
  if (opts.format === 'json') return renderJson({ apiVersion: 'v1', kind: 'List', items: objects });
  // Header and comments hold namespace, tenant and file names: renderYamlStream escapes them.
  const header = [
    `Generated by meshward ${opts.version} (meshward generate sidecars). Do not edit by hand: change the`,
    'tenant policy or the manifests and generate again.',
    '',
    'One namespace-wide Sidecar per tenant namespace. Its proxies import routing configuration',
    '(VirtualService, DestinationRule, ServiceEntry) only from the namespaces listed in egress.hosts: the',
    `namespace itself, the mesh root namespace (${gen.rootNamespace}), the other namespaces of its tenant and the`,
    "namespaces its tenant trusts. Another tenant's mesh-wide VirtualService for a host is then not",
    'programmed into these proxies (ISTIO-SECURITY-2026-002). outboundTrafficPolicy REGISTRY_ONLY also',
    'blocks calls to anything outside that registry: calls to other namespaces fail until the tenant',
    'policy trusts them, and external hosts need a ServiceEntry in a listed namespace.',
    `Tenant policy: ${opts.policyFile ?? 'none (each namespace is its own tenant)'}.`,
  ];
  if (!objects.length) return renderYamlStream([...header, 'No tenant namespace was found: nothing to generate.'], []);
  const docs = gen.plans.map((p, i) => {
    let why = p.policyTenant ? `${p.namespace}: tenant ${p.tenant}` : `${p.namespace}: its own tenant`;
    if (p.sameTenant.length) why += `; same tenant: ${p.sameTenant.join(', ')}`;
    if (p.trusted.length) why += `; trusted: ${p.trusted.join(', ')}`;
    return { object: objects[i], comment: [why] };
  });
  return renderYamlStream(header, docs);
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
