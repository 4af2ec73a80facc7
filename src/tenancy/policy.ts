import { readSideText, SideFileError } from '../engine/side-file.js';
import { z } from 'zod';
import { parseValidated, ValidationError } from '../config/validated-yaml.js';
import { expandBraces, Glob, GlobError, isGlob } from '../engine/glob.js';

const MAX_POLICY_BYTES = 4 * 1024 * 1024;

const labelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }).strict())
      .optional(),
  })
  .strict();

const hostPattern = z
  .string()
  .min(1)
  .regex(/^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/, 'a host such as shop.example.com, *.shop.example.com or *');
const gatewayRef = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/[a-z0-9*]([a-z0-9.*-]*)?$/i, 'a gateway as namespace/name');

/** `serviceaccount:NAMESPACE:NAME`, brace-free: what the scan, the webhook and both admission outputs match. */
export const SERVICE_ACCOUNT_SUBJECT = /^serviceaccount:[^:]+:[^:]+$/;

/**
 * A service account subject names its namespace and its name. `serviceaccount:NS` alone used to be
 * accepted and then meant nothing for the scan, the webhook and the VAP (they match
 * `serviceaccount:NS:NAME`) but every service account of NS for Kyverno: refused, with the spelling that
 * says "every service account" on purpose. Checked per brace alternative; a malformed brace is left to
 * checkGlobs, which says what is wrong with it.
 */
function isWholeServiceAccount(subject: string): boolean {
  if (!subject.startsWith('serviceaccount:')) return true;
  try {
    return expandBraces(subject, 'platform subject').every((s) => SERVICE_ACCOUNT_SUBJECT.test(s));
  } catch (err) {
    if (err instanceof GlobError) return true;
    throw err;
  }
}

const platformSubject = z
  .string()
  .regex(/^(user|group|serviceaccount):.+$/, 'user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME')
  .refine(isWholeServiceAccount, {
    error: (iss) => {
      const s = String(iss.input);
      const ns = /^serviceaccount:([^:{}]+)$/.exec(s)?.[1];
      const hint = ns ? `; write "serviceaccount:${ns}:*" for every service account of namespace ${ns}` : '';
      return `"${s}" is not serviceaccount:NAMESPACE:NAME: a service account subject names one namespace and one name${hint}`;
    },
  });

export const tenantPolicySchema = z
  .object({
    apiVersion: z.literal('meshward.io/v1').optional(),
    kind: z.literal('TenantPolicy').optional(),
    platform: z
      .object({
        /** Namespaces (names or globs) run by the platform team: may configure anything. */
        namespaces: z.array(z.string().min(1)).default([]),
        /** RBAC subjects that may configure anything: `user:NAME`, `group:NAME`, `serviceaccount:NS:NAME` (globs allowed). */
        subjects: z.array(platformSubject).default([]),
      })
      .strict()
      .default({ namespaces: [], subjects: [] }),
    tenants: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** Namespace names or globs. */
            namespaces: z.array(z.string().min(1)).default([]),
            /** Namespaces whose labels match also belong to the tenant. */
            namespaceSelector: labelSelector.optional(),
            /** External hosts the tenant may claim (its own Services' hosts are always its own). */
            hosts: z.array(hostPattern).default([]),
            /** Shared gateways the tenant may bind routes to, as namespace/name. */
            gateways: z.array(gatewayRef).default([]),
            /** Other tenants (by name) or namespaces whose services this tenant's workloads may call. */
            trusts: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type TenantPolicyFile = z.infer<typeof tenantPolicySchema>;

export class TenantPolicyError extends Error {}

export async function loadTenantPolicy(file: string, shown = file): Promise<TenantPolicyFile> {
  let text: string;
  try {
    text = await readSideText(file, MAX_POLICY_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new TenantPolicyError(`${shown}: cannot read tenant policy: ${err.reason}; check --tenants`);
    throw err;
  }
  return parseTenantPolicy(text, shown);
}

export function parseTenantPolicy(text: string, file: string): TenantPolicyFile {
  try {
    const { value } = parseValidated(text, file, tenantPolicySchema, 'See docs/tenancy.md for the tenant policy format.');
    const names = new Set<string>();
    for (const t of value.tenants) {
      if (names.has(t.name)) throw new TenantPolicyError(`${file}: tenant "${t.name}" is defined twice; merge the two entries`);
      names.add(t.name);
      if (!t.namespaces.length && !t.namespaceSelector) throw new TenantPolicyError(`${file}: tenant "${t.name}" has no namespaces and no namespaceSelector, so it owns nothing`);
    }
    checkGlobs(value);
    return value;
  } catch (err) {
    if (err instanceof ValidationError) throw new TenantPolicyError(err.message);
    if (err instanceof GlobError) throw new TenantPolicyError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Compiles every glob of the policy once, so a pattern meshward cannot match is an error at load time. */
function checkGlobs(value: TenantPolicyFile): void {
  for (const p of value.platform.namespaces) new Glob(p, 'platform namespace');
  for (const p of value.platform.subjects) new Glob(p, 'platform subject');
  for (const t of value.tenants) {
    for (const p of t.namespaces) new Glob(p, `tenant ${JSON.stringify(t.name)} namespace`);
    for (const p of t.gateways) new Glob(p, `tenant ${JSON.stringify(t.name)} gateway`);
    for (const p of t.trusts) if (isGlob(p)) new Glob(p, `tenant ${JSON.stringify(t.name)} trusts`);
  }
}

// Tenancy (who owns what) lives in ./tenancy.ts: the model uses it on every scan, and it must not load
// zod and the yaml library, which only reading a policy file needs. Re-exported for existing importers.
export { Tenancy, type TenantOf } from './tenancy.js';
