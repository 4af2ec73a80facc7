/**
 * The relay's Node options do what node-options.ts says: Node accepts them in NODE_OPTIONS (where some
 * V8 flags are refused) and the young generation grows past Node's default bound under them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AGENT_NODE_OPTIONS, SERVER_NODE_OPTIONS } from './node-options.js';

/** The young generation's size after a burst of objects that stay alive (V8 grows it up to its bound). */
function youngGenerationBytes(nodeOptions: string): number {
  const script = "const keep=[];for(let i=0;i<3e6;i++)keep.push({i});process.stdout.write(String(require('v8').getHeapSpaceStatistics().find(s=>s.space_name==='new_space').space_size))";
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  return Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

const DEFAULT_BOUND = 2 * 16 * 1024 * 1024; // Node 20: two 16 MB semi-spaces at most

test('relay Node options: control, without options the young generation stays within the default bound', () => {
  assert.ok(youngGenerationBytes('') <= DEFAULT_BOUND);
});

for (const [who, options] of [['agent', AGENT_NODE_OPTIONS], ['server', SERVER_NODE_OPTIONS]] as const) {
  test(`${who} Node options: accepted in NODE_OPTIONS, and the young generation grows past the default bound`, () => {
    const tuned = youngGenerationBytes(options);
    assert.ok(tuned > DEFAULT_BOUND, `with ${options} the young generation reached ${tuned} bytes`);
  });
}
