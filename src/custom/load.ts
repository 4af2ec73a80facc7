/**
 * Reads declarative rule files (`--rules FILE|DIR`, `.meshward.yaml` `rules:`), validates them with
 * file:line:field errors, refuses hostile ones, and compiles each rule once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseValidated, ValidationError } from '../config/validated-yaml.js';
import { readSideText, SideFileError } from '../engine/side-file.js';
import { SEVERITIES } from '../engine/finding.js';
import { badReference } from '../engine/markdown.js';
import { terminalSafe } from '../engine/text.js';
import { CATEGORY_TITLES, type Category, type Rule } from '../rules/types.js';
import { parsePath } from './path.js';
import { batchRules, compileDeclarative, type CustomRule, type DeclarativeSpec, type KindRef } from './rule.js';
import { CustomRuleError } from './base.js';

/** IDs of custom rules: `X-` and upper-case words, so they can never clash with built-in IDs (ABC123). */
export const CUSTOM_ID = /^X-[A-Z0-9]+(-[A-Z0-9]+)*$/;
const MAX_ID_LENGTH = 64;
export const MAX_RULE_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 200;
export const MAX_RULES = 1000;
const HELP = 'See docs/custom-rules.md for the format.';

export { CustomRuleError };

/** Kinds named without a group, and the groups they live in (Gateway is in two). */
const KNOWN_GROUPS: Record<string, string[]> = {
  VirtualService: ['networking.istio.io'],
  DestinationRule: ['networking.istio.io'],
  Gateway: ['networking.istio.io', 'gateway.networking.k8s.io'],
  ServiceEntry: ['networking.istio.io'],
  Sidecar: ['networking.istio.io'],
  EnvoyFilter: ['networking.istio.io'],
  WorkloadEntry: ['networking.istio.io'],
  WorkloadGroup: ['networking.istio.io'],
  ProxyConfig: ['networking.istio.io'],
  PeerAuthentication: ['security.istio.io'],
  AuthorizationPolicy: ['security.istio.io'],
  RequestAuthentication: ['security.istio.io'],
  Telemetry: ['telemetry.istio.io'],
  WasmPlugin: ['extensions.istio.io'],
  IstioOperator: ['install.istio.io'],
  HTTPRoute: ['gateway.networking.k8s.io'],
  GRPCRoute: ['gateway.networking.k8s.io'],
  TCPRoute: ['gateway.networking.k8s.io'],
  TLSRoute: ['gateway.networking.k8s.io'],
  UDPRoute: ['gateway.networking.k8s.io'],
  ReferenceGrant: ['gateway.networking.k8s.io'],
  GatewayClass: ['gateway.networking.k8s.io'],
  Deployment: ['apps'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps'],
  ReplicaSet: ['apps'],
  Job: ['batch'],
  CronJob: ['batch'],
  Role: ['rbac.authorization.k8s.io'],
  ClusterRole: ['rbac.authorization.k8s.io'],
  RoleBinding: ['rbac.authorization.k8s.io'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io'],
  NetworkPolicy: ['networking.k8s.io'],
  Ingress: ['networking.k8s.io'],
  MutatingWebhookConfiguration: ['admissionregistration.k8s.io'],
  ValidatingWebhookConfiguration: ['admissionregistration.k8s.io'],
};
const CORE_KINDS = new Set(['Pod', 'Service', 'Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Endpoints', 'Node', 'ReplicationController', 'PersistentVolumeClaim']);

const text = (max: number) => z.string().min(1).max(max);
const name = z.string().min(1).max(253);
const selector = z.record(z.string().max(317), z.unknown());
const severity = z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(SEVERITIES, { error: `a severity: one of ${SEVERITIES.join(', ')}` }));
const categories = Object.keys(CATEGORY_TITLES) as [Category, ...Category[]];

const ruleSchema = z
  .object({
    id: z
      .string()
      .max(MAX_ID_LENGTH, `at most ${MAX_ID_LENGTH} characters`)
      .regex(CUSTOM_ID, 'an ID starting with X- and made of upper-case letters, digits and single dashes (e.g. X-PAYMENTS-TIMEOUT): custom IDs can never clash with built-in ones'),
    title: text(200),
    severity,
    category: z.enum(categories, { error: `a category: one of ${categories.join(', ')}` }).default('custom'),
    match: z
      .object({
        kinds: z.array(z.string().regex(/^([a-z0-9.-]+\/)?[A-Z][A-Za-z0-9]*$/, 'a kind such as VirtualService or networking.istio.io/VirtualService')).min(1).max(20),
        namespaces: z.array(name).max(1000).optional(),
        excludeNamespaces: z.array(name).max(1000).optional(),
        labels: selector.optional(),
        namespaceLabels: selector.optional(),
      })
      .strict(),
    condition: text(4096),
    message: text(1000),
    path: z.union([z.string().max(500), z.array(z.union([z.string().max(253), z.number().int().min(0)])).max(40)]).optional(),
    fix: text(4000),
    docs: z
      .object({
        summary: text(4000),
        why: text(4000),
        fix: text(4000).optional(),
        bad: z.string().max(20000).optional(),
        good: z.string().max(20000).optional(),
        // Checked with badReference() below, where the error can name the rule.
        references: z.array(z.string().max(500)).max(20).optional(),
      })
      .strict(),
  })
  .strict();

const fileSchema = z
  .object({
    apiVersion: z.literal('meshward.io/v1alpha1', { error: 'meshward.io/v1alpha1' }).optional(),
    kind: z.literal('RuleSet', { error: 'RuleSet' }).optional(),
    rules: z.array(ruleSchema).min(1, 'at least one rule').max(MAX_RULES),
  })
  .strict();

export interface LoadedRules {
  rules: CustomRule[];
  /** The files read, in order. */
  files: string[];
}

export interface LoadRulesOptions {
  /** IDs already taken (built-in rules): a custom rule may not take them, even with a prefix. */
  builtIn?: readonly Rule[];
  budgetMs?: number;
}

/** Characters refused anywhere in a rule file except newlines and tabs in long texts. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/**
 * Loads every rule from these files and folders (a folder: its .yaml/.yml files, not recursive, in
 * name order). `shown` is how each path is named in errors. Throws CustomRuleError.
 */
export async function loadRuleFiles(paths: ReadonlyArray<{ path: string; shown: string }>, opts: LoadRulesOptions = {}): Promise<LoadedRules> {
  const files: Array<{ path: string; shown: string }> = [];
  for (const p of paths) {
    let st;
    try {
      st = await fs.stat(p.path);
    } catch {
      throw new CustomRuleError(`${terminalSafe(p.shown)}: no such rule file or folder; check --rules or rules: in .meshward.yaml`);
    }
    if (st.isDirectory()) {
      const names = (await fs.readdir(p.path)).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
      for (const n of names) files.push({ path: path.join(p.path, n), shown: path.join(p.shown, n) });
    } else files.push(p);
    if (files.length > MAX_FILES) throw new CustomRuleError(`${terminalSafe(p.shown)}: more than ${MAX_FILES} rule files; merge rules into fewer files`);
  }
  const rules: CustomRule[] = [];
  const seen = new Map<string, string>();
  const builtIn = new Set((opts.builtIn ?? []).map((r) => r.meta.id));
  for (const f of files) {
    let source: string;
    try {
      source = await readSideText(f.path, MAX_RULE_FILE_BYTES);
    } catch (err) {
      if (err instanceof SideFileError) throw new CustomRuleError(`${terminalSafe(f.shown)}: cannot read rule file: ${err.reason}`);
      throw err;
    }
    for (const spec of parseRuleFile(source, f.shown)) {
      const where = `${terminalSafe(spec.source.file)}:${spec.source.line}`;
      const earlier = seen.get(spec.id);
      if (earlier) throw new CustomRuleError(`${where}: id: rule ${spec.id} is defined twice (first at ${earlier}); rule IDs are an API, give each rule its own`);
      const suffix = spec.id.slice(2);
      if (builtIn.has(suffix) || builtIn.has(spec.id)) throw new CustomRuleError(`${where}: id: ${spec.id} looks like the built-in rule ${suffix}; pick an ID of your own (e.g. X-TEAM-CHECK)`);
      seen.set(spec.id, where);
      if (seen.size > MAX_RULES) throw new CustomRuleError(`${where}: more than ${MAX_RULES} custom rules`);
      try {
        rules.push(compileDeclarative(spec, { budgetMs: opts.budgetMs }));
      } catch (err) {
        throw new CustomRuleError(`${where}: rule ${spec.id}: ${terminalSafe((err as Error).message)}. ${HELP}`);
      }
    }
  }
  // One batch: each kind's objects are walked once for all the rules (rule.ts).
  batchRules(rules);
  return { rules, files: files.map((f) => f.shown) };
}

/** Validates one rule file's text into specs (not compiled). Throws CustomRuleError with file:line: field: problem. */
export function parseRuleFile(source: string, file: string): DeclarativeSpec[] {
  const shown = terminalSafe(file);
  let parsed;
  try {
    parsed = parseValidated(source, shown, z.unknown(), HELP);
  } catch (err) {
    if (err instanceof ValidationError) throw new CustomRuleError(err.message);
    throw err;
  }
  const hostile = findHostile(parsed.value, []);
  if (hostile) throw new CustomRuleError(`${shown}:${parsed.lineOf(hostile.path)}: ${hostile.path.join('.') || '(top level)'}: ${hostile.problem}`);
  // One rule at the top level, or a RuleSet with `rules:`.
  const value = isRecord(parsed.value) && 'id' in parsed.value ? { rules: [parsed.value] } : parsed.value;
  const single = value !== parsed.value;
  const result = fileSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const p = (single ? issue.path.slice(2) : issue.path) as (string | number)[];
    throw new CustomRuleError(`${shown}:${parsed.lineOf(p)}: ${p.length ? p.join('.') : '(top level)'}: ${issue.message}. ${HELP}`);
  }
  return result.data.rules.map((r, i) => {
    const at = (...p: (string | number)[]) => parsed.lineOf(single ? p : ['rules', i, ...p]);
    const line = at();
    const fail = (field: (string | number)[], problem: string) => new CustomRuleError(`${shown}:${at(...field)}: ${(single ? field : ['rules', i, ...field]).join('.')}: ${problem}. ${HELP}`);
    const kinds: KindRef[] = [];
    for (const [k, raw] of r.match.kinds.entries()) {
      const slash = raw.lastIndexOf('/');
      if (slash >= 0) kinds.push({ group: raw.slice(0, slash), kind: raw.slice(slash + 1) });
      else if (CORE_KINDS.has(raw)) kinds.push({ group: '', kind: raw });
      else if (Object.hasOwn(KNOWN_GROUPS, raw)) for (const g of KNOWN_GROUPS[raw]) kinds.push({ group: g, kind: raw });
      else throw fail(['match', 'kinds', k], `kind ${raw} is not one meshward knows the API group of; write it as group/Kind (e.g. example.com/${raw})`);
    }
    const badRef = badReference(r.docs.references ?? []);
    if (badRef) throw fail(['docs', 'references', badRef.index], `rule ${r.id}: reference ${badRef.reason}`);
    let fieldPath;
    try {
      fieldPath = parsePath(r.path ?? []);
    } catch (err) {
      throw fail(['path'], (err as Error).message);
    }
    return {
      id: r.id,
      title: r.title,
      severity: r.severity,
      category: r.category,
      kinds,
      namespaces: r.match.namespaces,
      excludeNamespaces: r.match.excludeNamespaces,
      labels: r.match.labels,
      namespaceLabels: r.match.namespaceLabels,
      condition: r.condition,
      message: r.message,
      path: fieldPath,
      fix: r.fix,
      docs: { summary: r.docs.summary, why: r.docs.why, fix: r.docs.fix ?? r.fix, bad: r.docs.bad, good: r.docs.good, references: r.docs.references },
      source: { file: shown, line },
    };
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Control characters outside the long texts (keys that would reach prototypes are refused by parseValidated, before this runs). */
function findHostile(v: unknown, at: (string | number)[]): { path: (string | number)[]; problem: string } | null {
  if (typeof v === 'string') {
    const longText = typeof at[at.length - 1] === 'string' && ['bad', 'good', 'summary', 'why', 'fix', 'condition', 'message'].includes(at[at.length - 1] as string);
    const s = longText ? v.replace(/[\n\t\r]/g, ' ') : v;
    return CONTROL.test(s) ? { path: at, problem: 'holds control or invisible characters; write plain text' } : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const h = findHostile(v[i], [...at, i]);
      if (h) return h;
    }
    return null;
  }
  if (isRecord(v)) {
    for (const k of Object.keys(v)) {
      if (CONTROL.test(k)) return { path: at, problem: 'holds a key with control or invisible characters' };
      const h = findHostile(v[k], [...at, k]);
      if (h) return h;
    }
  }
  return null;
}
