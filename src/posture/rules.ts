/**
 * Walking AuthorizationPolicy rules safely: every accessor checks types and returns the field path
 * for findings. A rule is `{from: [{source}], to: [{operation}], when: [{key, values, notValues}]}`.
 */
import type { Resource } from '../model/resource.js';
import { isObject, nonEmpty, strings, type Path } from './util.js';
import { OwnMemo } from '../model/own-memo.js';

export interface RuleView {
  index: number;
  /** The rule, or null when it is not a mapping (Istio rejects such a policy). */
  rule: Record<string, any> | null;
  path: Path;
  /** Parsed on first use and kept: many rules read the same policy. */
  cache?: { sources?: FieldView[]; operations?: FieldView[]; conditions?: ConditionView[] };
}

export interface FieldView {
  /** The field name, e.g. `principals`, `notPaths`. */
  field: string;
  values: string[];
  path: Path;
}

export const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
export const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

/** Fields ztunnel cannot evaluate (HTTP attributes); `when` keys other than these L4 ones count too. */
export const L7_SOURCE_FIELDS = new Set(['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks']);
export const L7_OPERATION_FIELDS = new Set(['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']);
export const L4_CONDITION_KEYS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);

const parsed = new OwnMemo<Resource, readonly RuleView[]>('authz-rule-views');
const NO_RULES: readonly RuleView[] = Object.freeze([]);

/** The rules of an AuthorizationPolicy (parsed once per object; treat as read-only). */
export function rulesOf(r: Resource): readonly RuleView[] {
  let out = parsed.get(r);
  if (!out) {
    const rules = r.obj?.spec?.rules;
    out = Array.isArray(rules) ? rules.map((rule, index) => ({ index, rule: isObject(rule) ? rule : null, path: ['spec', 'rules', index] })) : NO_RULES;
    parsed.set(r, out);
  }
  return out;
}

/** Non-empty string-list fields of every `from[].source` of a rule. */
export function sourceFields(rv: RuleView): FieldView[] {
  const c = (rv.cache ??= {});
  return (c.sources ??= listFields(rv, 'from', 'source', SOURCE_FIELDS));
}

/** Non-empty string-list fields of every `to[].operation` of a rule. */
export function operationFields(rv: RuleView): FieldView[] {
  const c = (rv.cache ??= {});
  return (c.operations ??= listFields(rv, 'to', 'operation', OPERATION_FIELDS));
}

export interface ConditionView {
  key: string;
  values: string[];
  notValues: string[];
  path: Path;
}

export function conditions(rv: RuleView): ConditionView[] {
  const c = (rv.cache ??= {});
  return (c.conditions ??= parseConditions(rv));
}

function parseConditions(rv: RuleView): ConditionView[] {
  const out: ConditionView[] = [];
  const when = rv.rule?.when;
  if (!Array.isArray(when)) return out;
  when.forEach((c, i) => {
    if (!isObject(c) || typeof c.key !== 'string') return;
    out.push({ key: c.key, values: strings(c.values), notValues: strings(c.notValues), path: [...rv.path, 'when', i] });
  });
  return out;
}

/** A rule with no `from`, `to` or `when`: it matches every request. */
export function matchesEverything(rv: RuleView): boolean {
  const r = rv.rule;
  if (!r) return false;
  for (const k of ['from', 'to', 'when']) {
    const v = r[k];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || v.length > 0) return false;
  }
  return true;
}

function listFields(rv: RuleView, list: 'from' | 'to', inner: 'source' | 'operation', fields: readonly string[]): FieldView[] {
  const out: FieldView[] = [];
  const items = rv.rule?.[list];
  if (!nonEmpty(items)) return out;
  items.forEach((item, i) => {
    const body = isObject(item) ? item[inner] : undefined;
    if (!isObject(body)) return;
    for (const f of fields) {
      const values = strings(body[f]);
      if (values.length) out.push({ field: f, values, path: [...rv.path, list, i, inner, f] });
    }
  });
  return out;
}

const l7Cache = new OwnMemo<Resource, string[]>('authz-l7');

/** HTTP-only attributes a policy uses (what ztunnel cannot enforce); computed once per object. */
export function l7FieldsOf(r: Resource): string[] {
  let out = l7Cache.get(r);
  if (!out) l7Cache.set(r, (out = findL7(r)));
  return out;
}

function findL7(r: Resource): string[] {
  const found = new Set<string>();
  for (const rv of rulesOf(r)) for (const use of l7Uses(rv)) found.add(use.name);
  return [...found].sort();
}

/** The HTTP-only attributes one rule uses (what ztunnel cannot enforce), with their paths: sources, then operations, then conditions. */
export function* l7Uses(rv: RuleView): Generator<{ name: string; path: Path }> {
  for (const f of sourceFields(rv)) if (L7_SOURCE_FIELDS.has(f.field)) yield { name: f.field, path: f.path };
  for (const f of operationFields(rv)) if (L7_OPERATION_FIELDS.has(f.field)) yield { name: f.field, path: f.path };
  for (const c of conditions(rv)) if (!L4_CONDITION_KEYS.has(c.key)) yield { name: c.key, path: c.path };
}
