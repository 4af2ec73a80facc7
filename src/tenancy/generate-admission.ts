import { createHash } from 'node:crypto';
import { expandBraces as expandGlobBraces, GlobError } from '../engine/glob.js';
import { SERVICE_ACCOUNT_SUBJECT, type TenantPolicyFile } from './policy.js';
import { renderYamlStream } from './yaml-out.js';
import { UNSAFE_CHARS } from '../engine/text.js';
import { CLIENT_SIDE_APPLY_BYTES, formatBytes, jsonBytes, MAX_OBJECT_BYTES, tooLargeMessage } from './admission-size.js';
import { mayShareNamespace } from './tenant-overlap.js';

/**
 * `meshward generate admission-policy`: admission control that keeps each tenant's routing objects
 * inside its own hosts. A VirtualService, ServiceEntry, DestinationRule, Istio Gateway or Gateway API
 * route created in a tenant namespace may only name:
 *   - the namespace's own Services: short names without dots, and anything under `.<ns>.svc.<domain>`
 *     (which includes the wildcard `*.<ns>.svc.<domain>`);
 *   - the external host patterns the tenant policy gives the namespace's tenant.
 * A wildcard claim (`*`, `*.example.com`) passes only when an allowed pattern covers it. Platform
 * namespaces and platform subjects are exempt. Two outputs: a Kubernetes ValidatingAdmissionPolicy
 * with its binding (CEL) and a Kyverno ClusterPolicy (JMESPath).
 *
 * The tenant map is written into the policy itself: CEL map literals in `variables` for the VAP, one
 * rule per tenant for Kyverno. Namespace globs become anchored regular expressions built from an
 * allow-list of characters, every regex metacharacter escaped.
 */

export class AdmissionPolicyError extends Error {}

export interface AdmissionOptions {
  /** Platform namespaces besides the policy's `platform.namespaces`: the system namespaces and the mesh root. */
  systemNamespaces: string[];
  clusterDomain: string;
  /** enforce: reject; audit: admit, but warn the client and record the violation in the audit log. */
  mode: 'enforce' | 'audit';
  /** Name of the generated objects. */
  name: string;
}

export const DEFAULT_POLICY_NAME = 'meshward-tenant-hosts';

type LabelSelector = NonNullable<TenantPolicyFile['tenants'][number]['namespaceSelector']>;

export interface CompiledTenant {
  name: string;
  /** The tenant's namespace names and globs, braces expanded (Kyverno's `namespaces` takes `*` and `?`). */
  namespaceGlobs: string[];
  /** Anchored regex matching those names; null when the tenant is defined by a label selector only. */
  namespaceRegex: string | null;
  selector: LabelSelector | undefined;
  hosts: string[];
  /** Anchored regex matching every host (or wildcard) the tenant's patterns cover; null without patterns. */
  hostRegex: string | null;
}

export interface CompiledPolicy {
  tenants: CompiledTenant[];
  /** Platform namespaces written plainly. */
  platformNames: string[];
  /** Platform namespace globs, braces expanded. */
  platformGlobs: string[];
  platformRegex: string | null;
  /** Platform subjects (`user:`, `group:`, `serviceaccount:ns:name`), braces expanded. */
  subjects: string[];
  subjectRegex: string | null;
  clusterDomain: string;
}

// ------------------------------------------------------------------------------------------------
// Globs, host patterns and regular expressions

/** Characters a glob may hold literally. Anything else (brackets, parentheses, `!`, backslash…) is refused. */
const LITERAL_CHAR = /^[A-Za-z0-9._:@/#=+-]$/;
const REGEX_META = /[\\^$.|?*+()[\]{}]/;

/** `{a,b}` alternatives expanded into separate globs, as the scan's matcher (engine/glob.ts) expands them. */
export function expandBraces(glob: string, what: string): string[] {
  try {
    return expandGlobBraces(glob, what);
  } catch (err) {
    if (err instanceof GlobError) throw new AdmissionPolicyError(err.message);
    throw err;
  }
}

/**
 * Regex body (no anchors) for a brace-free glob, with the meaning engine/glob.ts gives it: `*` is any run of
 * characters but `/`, `?` one character but `/`. Literal characters come from an allow-list and
 * regex metacharacters among them are escaped, so the result can be no more than what it says.
 */
export function globRegexBody(glob: string, what: string): string {
  if (glob.startsWith('!')) throw new AdmissionPolicyError(`${what} "${glob}": negated globs cannot be translated`);
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (LITERAL_CHAR.test(c)) out += REGEX_META.test(c) ? `\\${c}` : c;
    else throw new AdmissionPolicyError(`${what} "${glob}": the character ${JSON.stringify(c)} cannot be used in an admission policy; use letters, digits, ".", "-", ":", "@", "/", "*", "?" and {a,b}`);
  }
  return out;
}

/** Anchored regex matching any of the globs (each brace-free). */
export function globsRegex(globs: string[], what: string): string | null {
  if (!globs.length) return null;
  return `^(?:${uniq(globs.map((g) => globRegexBody(g, what))).join('|')})$`;
}

/**
 * Regex body for a tenant host pattern with Istio's wildcard meaning (`hostCovers`): `*` covers every
 * host and wildcard; `*.example.com` covers every name, and every wildcard, ending in `.example.com`.
 * A wildcard is only ever a whole leading label (`*` or `*.…`); malformed ones such as `a*b.example.com`
 * or `*x.example.com` match nothing, as Istio refuses them too.
 */
export function hostPatternRegexBody(pattern: string): string {
  if (pattern === '*') return '(?:\\*|(?:\\*\\.)?[^*]+)';
  if (pattern.startsWith('*.')) return `(?:\\*|\\*\\.[^*]+|[^*]+)${escapeRegex(pattern.slice(1))}`;
  if (pattern.includes('*')) throw new AdmissionPolicyError(`host pattern "${pattern}": only a leading "*." is a wildcard`);
  return escapeRegex(pattern);
}

/**
 * Anchored regex for claims on cluster Services, which external host patterns never license (a
 * tenant allowed `*` may claim any external host, not other tenants' Services): names under
 * `.svc.<domain>`, the `name.ns.svc` short form, and the wildcards that cover `x.svc.<domain>`
 * (`*`, `*.local`, `*.cluster.local`, `*.svc.cluster.local` for cluster.local).
 */
export function clusterHostsRegex(domain: string): string {
  const labels = `svc.${domain}`.split('.');
  const suffixes = labels.map((_, i) => escapeRegex(labels.slice(i).join('.'))).reverse();
  return `^(?:.*${escapeRegex(`.svc.${domain}`)}|.*\\.svc|\\*|\\*\\.(?:${suffixes.join('|')}))$`;
}

function escapeRegex(s: string): string {
  return [...s].map((c) => (REGEX_META.test(c) ? `\\${c}` : c)).join('');
}

export function compilePolicy(policy: TenantPolicyFile, opts: Pick<AdmissionOptions, 'systemNamespaces' | 'clusterDomain'>): CompiledPolicy {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(opts.clusterDomain)) {
    throw new AdmissionPolicyError(`cluster domain "${opts.clusterDomain}" is not a DNS name`);
  }
  const tenants = policy.tenants.map((t): CompiledTenant => {
    if (/[{}'"\\]/.test(t.name) || [...t.name].some(isUnsafeChar)) throw new AdmissionPolicyError(`tenant name ${JSON.stringify(t.name)}: braces, quotes, backslashes and control characters cannot be written into admission policies`);
    const what = `tenant ${t.name}: namespace`;
    const namespaceGlobs = uniq(t.namespaces.flatMap((g) => expandBraces(g, what)));
    return {
      name: t.name,
      namespaceGlobs,
      namespaceRegex: globsRegex(namespaceGlobs, what),
      selector: t.namespaceSelector,
      hosts: t.hosts,
      hostRegex: t.hosts.length ? `^(?:${uniq(t.hosts.map(hostPatternRegexBody)).join('|')})$` : null,
    };
  });
  const platform = uniq([...opts.systemNamespaces, ...policy.platform.namespaces].flatMap((g) => expandBraces(g, 'platform namespace')));
  const isPlain = (g: string) => !/[*?]/.test(g);
  const platformGlobs = platform.filter((g) => !isPlain(g));
  for (const g of platform.filter(isPlain)) globRegexBody(g, 'platform namespace'); // refuse odd characters early
  const subjects = uniq(policy.platform.subjects.flatMap((s) => expandBraces(s, 'platform subject')));
  // The loader refuses `serviceaccount:NS` (policy.ts); a policy built in code could still hold one, which
  // Kyverno would read as every service account of NS and the VAP as none.
  const partial = subjects.find((s) => s.startsWith('serviceaccount:') && !SERVICE_ACCOUNT_SUBJECT.test(s));
  if (partial) throw new AdmissionPolicyError(`platform subject "${partial}" is not serviceaccount:NAMESPACE:NAME; name the service account, or write NAMESPACE:* for all of the namespace's`);
  return {
    tenants,
    platformNames: platform.filter(isPlain).sort(),
    platformGlobs,
    platformRegex: globsRegex(platformGlobs, 'platform namespace'),
    subjects,
    subjectRegex: globsRegex(subjects, 'platform subject'),
    clusterDomain: opts.clusterDomain,
  };
}

// ------------------------------------------------------------------------------------------------
// ValidatingAdmissionPolicy (CEL)

/**
 * A CEL single-quoted string literal for untrusted text. Backslash and quote are escaped; every
 * control, line-separator and bidi character (UNSAFE_CHARS) becomes a `\uXXXX` escape, so the literal
 * stays on one line and reads as what it holds. A lone surrogate has no CEL spelling: refused.
 */
export function celString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code >= 0xd800 && code <= 0xdfff) throw new AdmissionPolicyError(`cannot write ${JSON.stringify(s)} into a CEL string: it holds a lone UTF-16 surrogate`);
    else if (ch.length === 1 && isUnsafeChar(ch)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

function isUnsafeChar(ch: string): boolean {
  UNSAFE_CHARS.lastIndex = 0;
  return UNSAFE_CHARS.test(ch);
}

function celList(xs: string[]): string {
  return `[${xs.map(celString).join(', ')}]`;
}

function celMap(entries: Array<[string, string]>): string {
  return `{${entries.map(([k, v]) => `${celString(k)}: ${celString(v)}`).join(', ')}}`;
}

/** CEL over `variables.nsLabels` for a Kubernetes label selector, with selectorMatches' meaning. */
export function celSelector(sel: LabelSelector): string {
  const L = 'variables.nsLabels';
  const terms: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) terms.push(`(${celString(k)} in ${L} && ${L}[${celString(k)}] == ${celString(v)})`);
  for (const e of sel.matchExpressions ?? []) {
    const k = celString(e.key);
    const vals = celList(e.values ?? []);
    if (e.operator === 'In') terms.push(`(${k} in ${L} && ${L}[${k}] in ${vals})`);
    else if (e.operator === 'NotIn') terms.push(`(!(${k} in ${L}) || !(${L}[${k}] in ${vals}))`);
    else if (e.operator === 'Exists') terms.push(`(${k} in ${L})`);
    else terms.push(`!(${k} in ${L})`);
  }
  return terms.length ? terms.join(' && ') : 'true';
}

const ISTIO = 'networking.istio.io';
const GATEWAY_API = 'gateway.networking.k8s.io';

/** CEL: may the creating namespace name host `h` (an expression)? */
function celHostOk(h: string): string {
  return `((${h} != '' && !${h}.contains('.') && !${h}.contains('*')) || ${h}.endsWith(variables.ownSuffix) || (variables.allowedHosts != '' && !${h}.matches(variables.clusterHosts) && ${h}.matches(variables.allowedHosts)))`;
}

/** CEL: is `p` a namespace the creating namespace's tenant may open a Gateway host (or attach a route) to? */
function celOwnNamespace(p: string): string {
  return `(${p} == '.' || ${p} == request.namespace || (${p} != '' && variables.tenantNamespaces != '' && ${p}.matches(variables.tenantNamespaces)))`;
}

function celGatewayHostOk(h: string): string {
  const parts = `${h}.split('/')`;
  return `(size(${parts}) == 2 && ${celOwnNamespace(`${parts}[0]`)} && ${celHostOk(`${parts}[1]`)})`;
}

export function buildVap(policy: TenantPolicyFile, opts: AdmissionOptions): Array<Record<string, unknown>> {
  const c = compilePolicy(policy, opts);
  const meta = generatedMeta(opts.name);

  const platformTerms: string[] = [];
  if (c.platformNames.length) platformTerms.push(`request.namespace in ${celList(c.platformNames)}`);
  if (c.platformRegex) platformTerms.push(`request.namespace.matches(${celString(c.platformRegex)})`);
  const matchConditions: Array<Record<string, string>> = [];
  if (platformTerms.length) matchConditions.push({ name: 'exclude-platform-namespaces', expression: `!(${platformTerms.join(' || ')})` });
  if (c.subjectRegex) {
    const re = celString(c.subjectRegex);
    const subject = "(request.userInfo.username.startsWith('system:serviceaccount:') ? 'serviceaccount:' + request.userInfo.username.substring(22) : 'user:' + request.userInfo.username)";
    matchConditions.push({
      name: 'exclude-platform-subjects',
      expression: `!(${subject}.matches(${re}) || request.userInfo.groups.exists(g, ('group:' + g).matches(${re})))`,
    });
  }

  // Tenant of the request's namespace: the first policy tenant whose names or selector match. A flat
  // list, one element per tenant, then its first non-empty entry, so the expression's depth does not
  // depend on the tenant count. The nested `c1 ? 't1' : (c2 ? …)` it replaces grew one level per tenant
  // and passed cel-js's depth limit (250) at 124 tenants; cel-go, the API server's parser, has a
  // recursion limit too. Every condition is evaluated, as the nested form did for a namespace of no tenant.
  const tenantTerms = c.tenants.flatMap((t) => {
    const terms: string[] = [];
    if (t.namespaceRegex) terms.push(`request.namespace.matches(${celString(t.namespaceRegex)})`);
    if (t.selector) terms.push(`(${celSelector(t.selector)})`);
    return terms.length ? [`(${terms.join(' || ')}) ? ${celString(t.name)} : ''`] : [];
  });
  const tenantExpr = tenantTerms.length ? `([${tenantTerms.join(', ')}].filter(t, t != '') + [''])[0]` : "''";
  const hostRegexes = celMap(c.tenants.filter((t) => t.hostRegex).map((t) => [t.name, t.hostRegex!]));
  const nsRegexes = celMap(c.tenants.filter((t) => t.namespaceRegex).map((t) => [t.name, t.namespaceRegex!]));
  const hostLists = celMap(c.tenants.filter((t) => t.hosts.length).map((t) => [t.name, t.hosts.join(', ')]));
  const kindIs = (group: string, kinds: string[]) => `request.kind.group == ${celString(group)} && ${kinds.length === 1 ? `request.kind.kind == ${celString(kinds[0])}` : `request.kind.kind in ${celList(kinds)}`}`;

  const variables = [
    { name: 'nsLabels', expression: 'has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {}' },
    { name: 'tenant', expression: tenantExpr },
    // The tenant map, written into the policy: host regex, host patterns (for messages) and namespace regex per tenant.
    { name: 'tenantHostRegex', expression: hostRegexes },
    { name: 'tenantHostList', expression: hostLists },
    { name: 'tenantNamespaceRegex', expression: nsRegexes },
    { name: 'allowedHosts', expression: "variables.tenant in variables.tenantHostRegex ? variables.tenantHostRegex[variables.tenant] : ''" },
    { name: 'allowedHostList', expression: "variables.tenant in variables.tenantHostList ? variables.tenantHostList[variables.tenant] : ''" },
    { name: 'tenantNamespaces', expression: "variables.tenant in variables.tenantNamespaceRegex ? variables.tenantNamespaceRegex[variables.tenant] : ''" },
    { name: 'ownSuffix', expression: `'.' + request.namespace + ${celString(`.svc.${c.clusterDomain}`)}` },
    { name: 'clusterHosts', expression: celString(clusterHostsRegex(c.clusterDomain)) },
    {
      name: 'hosts',
      expression: [
        `${kindIs(ISTIO, ['VirtualService', 'ServiceEntry'])} ? (has(object.spec) && has(object.spec.hosts) ? object.spec.hosts : []) :`,
        `${kindIs(ISTIO, ['DestinationRule'])} ? (has(object.spec) && has(object.spec.host) ? [object.spec.host] : []) :`,
        `${kindIs(GATEWAY_API, ['HTTPRoute', 'GRPCRoute', 'TLSRoute'])} ? (has(object.spec) && has(object.spec.hostnames) ? object.spec.hostnames : []) :`,
        '[]',
      ].join(' '),
    },
    { name: 'deniedHosts', expression: `variables.hosts.filter(h, !${celHostOk('h')})` },
    {
      name: 'deniedGatewayHosts',
      expression: `${kindIs(ISTIO, ['Gateway'])} && has(object.spec) && has(object.spec.servers) ? object.spec.servers.map(s, has(s.hosts) ? s.hosts.filter(h, !${celGatewayHostOk('h')}) : []).filter(l, size(l) > 0).map(l, l.join(', ')) : []`,
    },
    {
      name: 'foreignParents',
      expression: `request.kind.group == '${GATEWAY_API}' && has(object.spec) && (!has(object.spec.hostnames) || size(object.spec.hostnames) == 0) && has(object.spec.parentRefs) ? object.spec.parentRefs.filter(r, (!has(r.group) || r.group == '${GATEWAY_API}') && (!has(r.kind) || r.kind == 'Gateway') && has(r.namespace) && !${celOwnNamespace('r.namespace')}).map(r, r.namespace + '/' + (has(r.name) ? r.name : '')) : []`,
    },
    {
      name: 'allowance',
      expression: `'its own Services (short names, *' + variables.ownSuffix + ')' + (variables.allowedHostList != '' ? ' and tenant ' + variables.tenant + ${celString("'s hosts ")} + variables.allowedHostList : '')`,
    },
  ];

  const validations = [
    {
      expression: 'size(variables.deniedHosts) == 0',
      messageExpression: `request.kind.kind + ' in namespace ' + request.namespace + ' names hosts outside its allowance: ' + variables.deniedHosts.join(', ') + '. Allowed: ' + variables.allowance + '.'`,
      message: 'The object names hosts outside its namespace\'s allowance (its own Services and its tenant\'s hosts in the meshward tenant policy).',
      reason: 'Forbidden',
    },
    {
      expression: 'size(variables.deniedGatewayHosts) == 0',
      messageExpression: `'Gateway in namespace ' + request.namespace + ' has server hosts that are not namespace/host with its own namespace (or ./) and an allowed host: ' + variables.deniedGatewayHosts.join(', ') + '. Allowed hosts: ' + variables.allowance + '.'`,
      message: 'Gateway server hosts must be written namespace/host, with the Gateway\'s own namespace (or ./) and a host the namespace may claim.',
      reason: 'Forbidden',
    },
    {
      expression: 'size(variables.foreignParents) == 0',
      messageExpression: `request.kind.kind + ' in namespace ' + request.namespace + ' has no hostnames but attaches to Gateways of other tenants (' + variables.foreignParents.join(', ') + '), so it would take every hostname of their listeners; list spec.hostnames within ' + variables.allowance + '.'`,
      message: 'A route without hostnames attaching to another tenant\'s Gateway takes every hostname of its listeners; list spec.hostnames.',
      reason: 'Forbidden',
    },
  ];

  const vap = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: meta,
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [
          { apiGroups: [ISTIO], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['virtualservices', 'serviceentries', 'destinationrules', 'gateways'], scope: 'Namespaced' },
          { apiGroups: [GATEWAY_API], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['httproutes', 'grpcroutes', 'tlsroutes'], scope: 'Namespaced' },
        ],
      },
      ...(matchConditions.length ? { matchConditions } : {}),
      variables,
      validations,
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: generatedMeta(opts.name),
    spec: {
      policyName: opts.name,
      validationActions: opts.mode === 'enforce' ? ['Deny'] : ['Warn', 'Audit'],
    },
  };
  const size = jsonBytes(vap);
  if (size > MAX_OBJECT_BYTES) {
    throw new AdmissionPolicyError(tooLargeMessage('ValidatingAdmissionPolicy', c.tenants.length, size, 'use the meshward admission webhook (`meshward webhook`, docs/webhook.md), which reads the tenant policy itself'));
  }
  return [vap, binding];
}

// ------------------------------------------------------------------------------------------------
// Kyverno ClusterPolicy (JMESPath)

const KY_HOST_KINDS = [
  `${ISTIO}/*/VirtualService`,
  `${ISTIO}/*/ServiceEntry`,
  `${ISTIO}/*/DestinationRule`,
  `${GATEWAY_API}/*/HTTPRoute`,
  `${GATEWAY_API}/*/GRPCRoute`,
  `${GATEWAY_API}/*/TLSRoute`,
];
const KY_GATEWAY_KINDS = [`${ISTIO}/*/Gateway`];
const KY_ROUTE_KINDS = [`${GATEWAY_API}/*/HTTPRoute`, `${GATEWAY_API}/*/GRPCRoute`, `${GATEWAY_API}/*/TLSRoute`];

/** The hosts a VirtualService / ServiceEntry (spec.hosts), DestinationRule (spec.host) or route (spec.hostnames) names. */
export const KY_HOSTS_LIST = 'request.object.spec.hosts || request.object.spec.hostnames || (request.object.spec.host && [request.object.spec.host]) || `[]`';
export const KY_GATEWAY_HOSTS_LIST = 'request.object.spec.servers[].hosts[] || `[]`';
export const KY_PARENTS_LIST = 'request.object.spec.parentRefs || `[]`';

/**
 * A JMESPath raw string literal. go-jmespath (Kyverno) and the JMESPath spec agree only when the
 * content has no quote and no doubled backslash; braces could be mistaken for Kyverno's `{{ }}`
 * variables. Anything of the kind is refused.
 */
export function jpString(s: string): string {
  if (s.includes("'") || s.includes('\\\\') || s.endsWith('\\') || s.includes('{') || s.includes('}')) {
    throw new AdmissionPolicyError(`cannot write ${JSON.stringify(s)} safely into a Kyverno JMESPath expression`);
  }
  return `'${s}'`;
}

function jpHostOk(el: string, t: CompiledTenant | null, domain: string): string {
  const terms = [`regex_match('^[^.*]+$', ${el})`, `ends_with(${el}, join('', ['.', request.namespace, ${jpString(`.svc.${domain}`)}]))`];
  if (t?.hostRegex) terms.push(`(!regex_match(${jpString(clusterHostsRegex(domain))}, ${el}) && regex_match(${jpString(t.hostRegex)}, ${el}))`);
  return `(${terms.join(' || ')})`;
}

function jpOwnNamespace(p: string, t: CompiledTenant | null): string {
  const terms = [`${p} == '.'`, `${p} == request.namespace`];
  if (t?.namespaceRegex) terms.push(`(${p} != '' && regex_match(${jpString(t.namespaceRegex)}, ${p}))`);
  return `(${terms.join(' || ')})`;
}

function kyvernoRuleName(tenant: string | null, suffix: string): string {
  if (tenant === null) return `untenanted-${suffix}`;
  let base = tenant.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const max = 63 - suffix.length - 1;
  if (!base || base !== tenant || base.length > max) {
    const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 6);
    base = `${(base || 'tenant').slice(0, max - 7).replace(/-+$/, '')}-${hash}`;
  }
  return `${base}-${suffix}`;
}

function kyvernoSubjects(subjects: string[]): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const s of subjects) {
    const i = s.indexOf(':');
    const kind = s.slice(0, i);
    const rest = s.slice(i + 1);
    if (kind === 'user') out.push({ kind: 'User', name: rest });
    else if (kind === 'group') out.push({ kind: 'Group', name: rest });
    else {
      const j = rest.indexOf(':'); // compilePolicy refused subjects without one
      out.push({ kind: 'ServiceAccount', namespace: rest.slice(0, j), name: rest.slice(j + 1) });
    }
  }
  return out;
}

export function buildKyverno(policy: TenantPolicyFile, opts: AdmissionOptions): Record<string, unknown> {
  const c = compilePolicy(policy, opts);
  const action = opts.mode === 'enforce' ? 'Enforce' : 'Audit';
  const platformNs = [...c.platformNames, ...c.platformGlobs];
  const nsFilters = (t: CompiledTenant, kinds: string[], withOps: boolean) => {
    const base = withOps ? { kinds, operations: ['CREATE', 'UPDATE'] } : { kinds };
    const out: Array<Record<string, unknown>> = [];
    if (t.namespaceGlobs.length) out.push({ resources: { ...base, namespaces: t.namespaceGlobs } });
    if (t.selector) out.push({ resources: { ...base, namespaceSelector: t.selector } });
    return out;
  };
  // A namespace belongs to the first tenant that matches it: a tenant's rules exclude the earlier
  // tenants that could match one of its namespaces (tenant-overlap.ts), their names merged into one filter.
  const excludes = (earlier: CompiledTenant[], kinds: string[]) => {
    const any: Array<Record<string, unknown>> = [];
    if (platformNs.length) any.push({ resources: { kinds, namespaces: platformNs } });
    if (c.subjects.length) any.push({ subjects: kyvernoSubjects(c.subjects) });
    const names = uniq(earlier.flatMap((e) => e.namespaceGlobs));
    if (names.length) any.push({ resources: { kinds, namespaces: names } });
    for (const e of earlier) if (e.selector) any.push({ resources: { kinds, namespaceSelector: e.selector } });
    return any.length ? { exclude: { any } } : {};
  };
  const allowanceText = (t: CompiledTenant | null) =>
    `its own Services (short names, *.{{ request.namespace }}.svc.${c.clusterDomain})${t?.hosts.length ? ` and tenant ${t.name}'s hosts ${t.hosts.join(', ')}` : ''}`;

  const rulesFor = (t: CompiledTenant | null, earlier: CompiledTenant[]) => {
    const match = (kinds: string[]) => (t ? { any: nsFilters(t, kinds, true) } : { any: [{ resources: { kinds, operations: ['CREATE', 'UPDATE'] } }] });
    const scope = t ? `tenant ${t.name}` : 'namespaces of no tenant';
    return [
      {
        name: kyvernoRuleName(t?.name ?? null, 'hosts'),
        match: match(KY_HOST_KINDS),
        ...excludes(earlier, KY_HOST_KINDS),
        validate: {
          failureAction: action,
          message: `{{ request.object.kind }} in namespace {{ request.namespace }} (${scope}) names hosts outside its allowance: ${allowanceText(t)}.`,
          foreach: [{ list: KY_HOSTS_LIST, deny: { conditions: { any: [{ key: `{{ ${jpHostOk('element', t, c.clusterDomain)} }}`, operator: 'NotEquals', value: true }] } } }],
        },
      },
      {
        name: kyvernoRuleName(t?.name ?? null, 'gateway-hosts'),
        match: match(KY_GATEWAY_KINDS),
        ...excludes(earlier, KY_GATEWAY_KINDS),
        validate: {
          failureAction: action,
          message: `Gateway server hosts in namespace {{ request.namespace }} (${scope}) must be written namespace/host, with the Gateway's own namespace (or ./) and a host within ${allowanceText(t)}.`,
          foreach: [
            {
              list: KY_GATEWAY_HOSTS_LIST,
              deny: {
                conditions: {
                  any: [
                    {
                      key: `{{ (length(split(element, '/')) == \`2\` && ${jpOwnNamespace("split(element, '/')[0]", t)} && ${jpHostOk("split(element, '/')[1]", t, c.clusterDomain)}) }}`,
                      operator: 'NotEquals',
                      value: true,
                    },
                  ],
                },
              },
            },
          ],
        },
      },
      {
        name: kyvernoRuleName(t?.name ?? null, 'route-parents'),
        match: match(KY_ROUTE_KINDS),
        ...excludes(earlier, KY_ROUTE_KINDS),
        validate: {
          failureAction: action,
          message: `{{ request.object.kind }} in namespace {{ request.namespace }} (${scope}) has no hostnames but attaches to another tenant's Gateway, so it would take every hostname of its listeners; list spec.hostnames.`,
          foreach: [
            {
              list: KY_PARENTS_LIST,
              deny: {
                conditions: {
                  any: [
                    {
                      key: `{{ (length(request.object.spec.hostnames || \`[]\`) > \`0\` || !(element.group == \`null\` || element.group == '${GATEWAY_API}') || !(element.kind == \`null\` || element.kind == 'Gateway') || element.namespace == \`null\` || ${jpOwnNamespace('element.namespace', t)}) }}`,
                      operator: 'NotEquals',
                      value: true,
                    },
                  ],
                },
              },
            },
          ],
        },
      },
    ];
  };

  const rules: Array<Record<string, unknown>> = [];
  const matchable = c.tenants.filter((t) => t.namespaceGlobs.length || t.selector);
  // Sizes are added up as the rules are made, so a policy far too large stops at the tenant that passes
  // the limit instead of being built whole first.
  let size = 0;
  const add = (more: Array<Record<string, unknown>>, tenant: number) => {
    rules.push(...more);
    size += more.reduce((n, r) => n + jsonBytes(r) + 1, 0);
    if (size > MAX_OBJECT_BYTES) throw new AdmissionPolicyError(tooLargeMessage('Kyverno ClusterPolicy', matchable.length, size, KYVERNO_TOO_LARGE, tenant));
  };
  matchable.forEach((t, i) => add(rulesFor(t, matchable.slice(0, i).filter((e) => mayShareNamespace(e, t))), i + 1));
  add(rulesFor(null, matchable), matchable.length);

  const clusterPolicy = {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      ...generatedMeta(opts.name),
      annotations: {
        ...generatedMeta(opts.name).annotations,
        'policies.kyverno.io/title': 'Tenant host ownership for Istio and Gateway API routing',
        'policies.kyverno.io/category': 'Multi-Tenancy',
        'policies.kyverno.io/severity': 'high',
        'policies.kyverno.io/subject': 'VirtualService, ServiceEntry, DestinationRule, Gateway, HTTPRoute, GRPCRoute, TLSRoute',
        'policies.kyverno.io/minversion': '1.10.0',
        'policies.kyverno.io/description':
          "Routing objects in a tenant namespace may only name the namespace's own Services and the external hosts the meshward tenant policy gives its tenant; otherwise one tenant can intercept another's traffic mesh-wide (ISTIO-SECURITY-2026-002).",
      },
    },
    spec: {
      // Kyverno 1.13+ reads rules[].validate.failureAction; older versions only this field.
      validationFailureAction: action,
      // Wildcard kinds and request data keep these rules to admission time; `meshward scan` covers existing objects.
      background: false,
      rules,
    },
  };
  const total = jsonBytes(clusterPolicy);
  if (total > MAX_OBJECT_BYTES) throw new AdmissionPolicyError(tooLargeMessage('Kyverno ClusterPolicy', matchable.length, total, KYVERNO_TOO_LARGE));
  return clusterPolicy;
}

const KYVERNO_TOO_LARGE =
  'use the meshward admission webhook (`meshward webhook`, docs/webhook.md), which reads the tenant policy itself, or `--format vap`, which is some twenty times smaller per tenant';

// ------------------------------------------------------------------------------------------------
// Output

function generatedMeta(name: string): { name: string; labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'meshward' },
    annotations: { 'meshward.io/generated-by': 'meshward generate admission-policy' },
  };
}

export interface AdmissionRenderOptions extends AdmissionOptions {
  format: 'vap' | 'kyverno';
  policyFile: string;
  version: string;
}

export function generateAdmission(policy: TenantPolicyFile, opts: AdmissionRenderOptions): { objects: Array<Record<string, unknown>>; text: string } {
  const objects = opts.format === 'vap' ? buildVap(policy, opts) : [buildKyverno(policy, opts)];
  const c = compilePolicy(policy, opts);
  const lines = [
    `Generated by meshward ${opts.version} (meshward generate admission-policy --format ${opts.format}) from`,
    `the tenant policy ${opts.policyFile}. Do not edit by hand: change the policy and generate again.`,
    '',
    'Rejects VirtualService, ServiceEntry, DestinationRule, Istio Gateway and Gateway API HTTPRoute,',
    "GRPCRoute and TLSRoute objects whose hosts fall outside the creating namespace's allowance: its own",
    `Services (short names, *.<namespace>.svc.${opts.clusterDomain}) and the hosts the policy gives its tenant.`,
    'Wildcard claims pass only when an allowed pattern covers them. Istio Gateway hosts must be written',
    "namespace/host with the Gateway's own namespace (or ./). Routes without hostnames may not attach to",
    "other tenants' Gateways.",
    `Exempt: platform namespaces ${[...c.platformNames, ...c.platformGlobs].join(', ') || '(none)'}${c.subjects.length ? `; platform subjects ${c.subjects.join(', ')}` : ''}.`,
    `Mode: ${opts.mode === 'enforce' ? 'enforce (violations are rejected)' : 'audit (violations are admitted with a warning and recorded)'}.`,
  ];
  if (opts.format === 'vap') {
    lines.push(
      '',
      'Needs Kubernetes 1.30 or later (ValidatingAdmissionPolicy is GA in admissionregistration.k8s.io/v1).',
      'The tenant map is written into spec.variables, so the policy has no parameter object to protect.',
      ...applyLines(objects),
    );
  } else {
    lines.push(
      '',
      'Needs Kyverno 1.10 or later (wildcard kinds, operations in match); Kyverno 1.13 and later read the',
      'per-rule failureAction, older versions spec.validationFailureAction. Each tenant has its own rules;',
      'a namespace that several tenants match belongs to the first, as in meshward itself.',
      ...applyLines(objects),
    );
  }
  // The header names the policy file, platform namespaces and subjects: renderYamlStream escapes them.
  const text = renderYamlStream(lines, objects.map((object) => ({ object })));
  return { objects, text };
}

/** How to apply the file: client-side `kubectl apply` cannot hold an object above 256 KiB in its annotation. */
function applyLines(objects: Array<Record<string, unknown>>): string[] {
  const largest = Math.max(...objects.map(jsonBytes));
  const tryIt = 'try an object against it with: kubectl apply --dry-run=server -f <object>';
  if (largest <= CLIENT_SIDE_APPLY_BYTES) return [`Apply with: kubectl apply -f <this file>; ${tryIt}`];
  return [
    `Apply with: kubectl apply --server-side -f <this file>; ${tryIt}`,
    `(The policy is ${formatBytes(largest)}: client-side kubectl apply copies it into an annotation, and annotations may hold ${formatBytes(CLIENT_SIDE_APPLY_BYTES)}.)`,
  ];
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
