import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseValidated, ValidationError } from './validated-yaml.js';
import { readSideText, SideFileError } from '../engine/side-file.js';
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../engine/finding.js';
import { DEFAULT_TRUSTED_PROXY_IMAGES, type RuleSettings } from './settings.js';

export const CONFIG_FILE_NAMES = ['.meshward.yaml', '.meshward.yml'];
const MAX_CONFIG_BYTES = 1024 * 1024;

const ruleId = z.string().regex(/^[A-Z]{3}\d{3}$/, 'a rule ID such as BYP001');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const schema = z
  .object({
    /** Per rule: `off` to disable, or a severity to override the default. */
    rules: z.record(ruleId, z.union([z.literal('off'), z.enum(SEVERITIES)])).optional(),
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
        annotationSuppressions: z.boolean().optional(),
      })
      .strict()
      .optional(),
    failOn: z.enum(SEVERITIES).optional(),
  })
  .strict();

export interface IgnoreEntry {
  rule: string;
  /** Glob over `Kind/namespace/name` (`Kind/name` for cluster-scoped objects); absent means every resource. */
  resource?: string;
  reason: string;
  expires?: string;
  /** Line of the entry in the config file, for messages. */
  line: number;
}

export interface MeshwardConfig {
  /** The file it came from, or null for built-in defaults. */
  file: string | null;
  disabled: Set<string>;
  severityOverrides: Record<string, Severity>;
  ignores: IgnoreEntry[];
  settings: RuleSettings;
  /** Whether `meshward.io/ignore` annotations on objects are honoured. */
  annotationSuppressions: boolean;
  failOn: Severity | null;
}

export class ConfigError extends Error {}

export function defaultConfig(): MeshwardConfig {
  return {
    file: null,
    disabled: new Set(),
    severityOverrides: {},
    ignores: [],
    settings: { trustedProxyImages: [...DEFAULT_TRUSTED_PROXY_IMAGES], systemNamespaces: [] },
    annotationSuppressions: true,
    failOn: null,
  };
}

/** `--config FILE` when given, else the nearest `.meshward.yaml` from `cwd` upward, else defaults. */
export async function loadConfig(explicit: string | undefined, cwd: string): Promise<MeshwardConfig> {
  const file = explicit ?? (await findUpward(cwd));
  if (!file) return defaultConfig();
  let text: string;
  try {
    text = await readSideText(file, MAX_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new ConfigError(`${file}: cannot read config file: ${err.reason}; check --config`);
    throw err;
  }
  return parseConfig(text, file);
}

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
  for (const [id, v] of Object.entries(c.rules ?? {})) {
    if (v === 'off') cfg.disabled.add(id);
    else cfg.severityOverrides[id] = v as Severity;
  }
  cfg.ignores = (c.ignore ?? []).map((e, i) => ({ ...e, line: parsed.lineOf(['ignore', i]) }));
  if (c.settings?.trustedProxyImages) cfg.settings.trustedProxyImages = c.settings.trustedProxyImages;
  if (c.settings?.systemNamespaces) cfg.settings.systemNamespaces = c.settings.systemNamespaces;
  if (c.settings?.annotationSuppressions !== undefined) cfg.annotationSuppressions = c.settings.annotationSuppressions;
  cfg.failOn = c.failOn ?? null;
  return cfg;
}

async function findUpward(start: string): Promise<string | null> {
  let dir = path.resolve(start);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      try {
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        /* keep looking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
