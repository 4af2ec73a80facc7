/**
 * How the CLI tells a user that a rule failed. A failure is meshward's bug (or a custom rule's), so the
 * user gets one line they can act on and paste into a report; the stack trace only on request, since
 * it is noise for most readers and a rule's error message may quote input (escaped either way).
 */
import type { RuleFailure } from '../engine/run.js';
import { terminalSafe } from '../engine/text.js';

/** Set to 1 to print each failed rule's stack trace after its line. */
export const DEBUG_ENV = 'MESHWARD_DEBUG';

export function describeRuleFailure(failure: RuleFailure, env: NodeJS.ProcessEnv = process.env): string {
  const [first, ...frames] = failure.message.split('\n');
  const head = `meshward: rule ${terminalSafe(failure.ruleId)} failed and was skipped: ${terminalSafe(first)}`;
  if (frames.length === 0) return `${head}\n`;
  if (env[DEBUG_ENV] === '1') return `${head}\n${frames.map((f) => `  ${terminalSafe(f.trim())}`).join('\n')}\n`;
  return `${head} (${DEBUG_ENV}=1 prints the stack trace)\n`;
}
