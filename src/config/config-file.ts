/**
 * The config file's schema and its reading into a MeshwardConfig. Apart from ./config.ts so that
 * zod, which only checking a file needs, is loaded when a config file is found and not on every run.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseValidated, ValidationError } from './validated-yaml.js';
import { SEVERITIES, type Severity } from '../engine/finding.js';
import { DEFAULT_SYSTEM_NAMESPACES } from '../model/namespaces.js';
import { ConfigError, defaultConfig, type MeshwardConfig } from './config.js';

/** A built-in rule ID (BYP001) or a custom rule's (X-PAYMENTS-TIMEOUT, docs/custom-rules.md). */
const ruleId = z.string().regex(/^([A-Z]{3}\d{3}|X-[A-Z0-9]+(-[A-Z0-9]+)*)$/, 'a rule ID such as BYP001 or X-MY-RULE');
/** A path in the config, relative to the config file. */
const configPath = z.string().min(1).max(4096);
const SEVERITY_LIST = SEVERITIES.join(', ');
/** Severities are matched case-insensitively (`HIGH` as on the command line); the message lists the valid ones. */
const ruleSetting = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum(['off', ...SEVERITIES], { error: `"off" or a severity: one of ${SEVERITY_LIST}` }),
);
const failOn = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum([...SEVERITIES, 'none'], { error: `a severity (one of ${SEVERITY_LIST}) or none` }),
);
/** A real calendar date: 2027-02-30 matches the pattern but is refused (Date would roll it to March). */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'a date that exists in the calendar (check the day of the month)');

export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * `rules:` as a list names custom rule files (docs/custom-rules.md): it is read as `ruleFiles:`, so that
 * a map of settings is validated (and its errors worded) as before.
 */
const schema = z.preprocess(
  (v) => {
    if (v === null || typeof v !== 'object' || !Array.isArray((v as { rules?: unknown }).rules)) return v;
    const { rules, ...rest } = v as { rules: unknown[]; ruleFiles?: unknown };
    return { ...rest, ruleFiles: [...rules, ...(Array.isArray(rest.ruleFiles) ? rest.ruleFiles : [])] };
  },
  z
  .object({
    /**
     * Per rule: `off` to disable, or a severity to override the default. Or, as a list, custom rule
     * files and folders (docs/custom-rules.md); `ruleFiles` does the same next to a map of settings.
     */
    rules: z.record(ruleId, ruleSetting).optional(),
    ruleFiles: z.array(configPath).max(100).optional(),
    /** Plugin packages (from the project's node_modules) or paths (relative to the config) exporting rules. */
    plugins: z.array(configPath).max(50).optional(),
    ignore: z
      .array(
        z
          .object({
            rule: z.union([ruleId, z.literal('*')]),
            resource: z.string().min(1).optional(),
            reason: z.string().min(3, 'a reason of a few words'),
            expires: isoDate.optional(),
          })
          .strict(),
      )
      .optional(),
    settings: z
      .object({
        trustedProxyImages: z.array(z.string().min(1)).optional(),
        systemNamespaces: z.array(z.string().min(1)).optional(),
        extraSystemNamespaces: z.array(z.string().min(1)).optional(),
        annotationSuppressions: z.boolean().optional(),
        /** Federation plan for the FED rules, relative to the config file (docs/federation.md). */
        federationPlan: z.string().min(1).max(4096).optional(),
      })
      .strict()
      .optional(),
    failOn: failOn.optional(),
  })
  .strict(),
);

export function parseConfig(text: string, file: string): MeshwardConfig {
  let parsed;
  try {
    parsed = parseValidated(text, file, schema, 'See "Configuration" in the README for the format.');
  } catch (err) {
    if (err instanceof ValidationError) throw new ConfigError(err.message);
    throw err;
  }
  const c = parsed.value;
  const cfg = defaultConfig();
  cfg.file = file;
  const dir = path.dirname(file);
  for (const p of c.ruleFiles ?? []) cfg.ruleFiles.push(path.resolve(dir, p));
  cfg.plugins = (c.plugins ?? []).map((spec, i) => ({ spec, line: parsed.lineOf(['plugins', i]) }));
  for (const [id, v] of Object.entries(c.rules ?? {})) {
    if (v === 'off') cfg.disabled.add(id);
    else cfg.severityOverrides[id] = v as Severity;
    cfg.ruleRefs.push({ id, line: parsed.lineOf(['rules', id]), where: 'rules' });
  }
  cfg.ignores = (c.ignore ?? []).map((e, i) => ({ ...e, line: parsed.lineOf(['ignore', i]) }));
  for (const e of cfg.ignores) if (e.rule !== '*') cfg.ruleRefs.push({ id: e.rule, line: e.line, where: 'ignore' });
  if (c.settings?.trustedProxyImages) cfg.settings.trustedProxyImages = c.settings.trustedProxyImages;
  // systemNamespaces replaces the built-in list (kube-system, istio-system...); extraSystemNamespaces adds to it.
  const base = c.settings?.systemNamespaces ?? (c.settings?.extraSystemNamespaces ? [...DEFAULT_SYSTEM_NAMESPACES] : []);
  const systemNamespaces = [...base, ...(c.settings?.extraSystemNamespaces ?? [])];
  if (systemNamespaces.length) cfg.settings.systemNamespaces = [...new Set(systemNamespaces)];
  if (c.settings?.annotationSuppressions !== undefined) cfg.annotationSuppressions = c.settings.annotationSuppressions;
  if (c.settings?.federationPlan !== undefined) cfg.federationPlanFile = path.resolve(path.dirname(file), c.settings.federationPlan);
  cfg.failOn = (c.failOn as Severity | 'none' | undefined) ?? null;
  return cfg;
}
