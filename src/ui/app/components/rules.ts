import { useApi } from './use-api.js';
import type { RuleInfo } from '../types.js';

/** The rules' metadata by ID (category filter, explain text); null until loaded or when it fails. */
export function useRules(): Map<string, RuleInfo> | null {
  const rules = useApi<{ items: RuleInfo[] }>('/api/rules');
  if (rules.state !== 'ok') return null;
  return new Map(rules.data.items.map((r) => [r.id, r]));
}
