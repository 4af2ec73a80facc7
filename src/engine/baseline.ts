import { promises as fs } from 'node:fs';
import type { Finding } from './finding.js';
import { readSideText, SideFileError } from './side-file.js';
import { jsonForOutput } from './text.js';

const MAX_BASELINE_BYTES = 64 * 1024 * 1024;

export class BaselineError extends Error {}

export interface BaselineFile {
  version: 1;
  tool: 'meshward';
  created: string;
  findings: Array<{ fingerprint: string; ruleId: string; resource: string }>;
}

/**
 * Reads a baseline: meshward's own baseline file, or a previous `--format json` report (its
 * findings' fingerprints). Anything else is an error that says how to make one.
 */
export async function readBaseline(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readSideText(file, MAX_BASELINE_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new BaselineError(`${file}: cannot read baseline: ${err.reason}; create one with --write-baseline`);
    throw err;
  }
  let v: any;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BaselineError(`${file}: baseline is not JSON; create one with --write-baseline`);
  }
  if (!v || typeof v !== 'object' || !Array.isArray(v.findings)) {
    throw new BaselineError(`${file}: not a meshward baseline or JSON report (no "findings" list); create one with --write-baseline`);
  }
  const out = new Set<string>();
  for (const f of v.findings) if (f && typeof f.fingerprint === 'string') out.add(f.fingerprint);
  return out;
}

export async function writeBaseline(file: string, findings: readonly Finding[], now: Date): Promise<number> {
  const kept = findings.filter((f) => f.suppressed?.kind !== 'config' && f.suppressed?.kind !== 'annotation');
  const body: BaselineFile = {
    version: 1,
    tool: 'meshward',
    created: now.toISOString(),
    findings: kept.map((f) => ({
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      resource: f.resource.namespace ? `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}` : `${f.resource.kind}/${f.resource.name}`,
    })),
  };
  // Resources are named from manifests: bidi, zero-width and C1 characters are written escaped.
  await fs.writeFile(file, jsonForOutput(body) + '\n');
  return kept.length;
}
