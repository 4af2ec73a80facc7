import type { MeshwardConfig } from '../../config/config.js';
import { isCustomRuleError, loadCustomRules, type CustomRules } from '../../custom/index.js';
import { UsageError, type CliIO } from '../io.js';

/** Custom rules from --rules and the config (rule files, plugins); a bad one is a usage error naming file and line. */
export async function customRulesFor(cliPaths: readonly string[], config: MeshwardConfig, io: CliIO): Promise<CustomRules> {
  let custom: CustomRules;
  try {
    custom = await loadCustomRules({ cliPaths, config, cwd: io.cwd, env: io.env });
  } catch (err) {
    if (isCustomRuleError(err)) throw new UsageError(err.message);
    throw err;
  }
  for (const w of custom.warnings) io.stderr.write(`meshward: warning: ${w}\n`);
  return custom;
}

