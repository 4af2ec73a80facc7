import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readSideText, SideFileError } from '../engine/side-file.js';
import type { Severity } from '../engine/finding.js';
import { DEFAULT_TRUSTED_PROXY_IMAGES, type RuleSettings } from './settings.js';

export const CONFIG_FILE_NAMES = ['.meshward.yaml', '.meshward.yml'];
const MAX_CONFIG_BYTES = 1024 * 1024;

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
  /** `settings.federationPlan`, resolved against the config file's folder. */
  federationPlanFile?: string;
  /** Whether `meshward.io/ignore` annotations on objects are honoured. */
  annotationSuppressions: boolean;
  failOn: Severity | 'none' | null;
  /** Every rule ID the file names (under `rules` and in `ignore` entries) with its line, to check they exist. */
  ruleRefs: Array<{ id: string; line: number; where: string }>;
  /** Custom rule files and folders (`rules:` as a list, `ruleFiles:`), resolved against the config's folder. */
  ruleFiles: string[];
  /** Plugins as written in the config (`plugins:`), with the folder they are resolved from. */
  plugins: Array<{ spec: string; line: number }>;
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
    ruleRefs: [],
    ruleFiles: [],
    plugins: [],
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
  // The schema (zod) is loaded only when there is a config file to check: most runs have none.
  return (await import('./config-file.js')).parseConfig(text, file);
}

/**
 * The nearest config file from `start` upward, stopping at the repository root (the first folder with
 * a `.git` entry, file or folder): a config above the repository belongs to someone else.
 */
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
    if (await exists(path.join(dir, '.git'))) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The repository root: the nearest folder from `start` upward holding a `.git` entry (a folder, or a
 * file in worktrees and submodules). Found by looking, never by running git. Null outside a repository.
 */
export async function findRepositoryRoot(start: string): Promise<string | null> {
  let dir = path.resolve(start);
  for (;;) {
    if (await exists(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
