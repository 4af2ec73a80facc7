import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRuleFailure } from './rule-failures.js';

const withStack = { ruleId: 'X-BUG', message: 'TypeError: cannot read \u001b[31mred\nat check (rule.js:3:1)\nat run (run.js:9:2)' };

test('a failed rule is one escaped line; the stack only with MESHWARD_DEBUG=1', () => {
  const short = describeRuleFailure(withStack, {});
  assert.equal(short.split('\n').length, 2, short);
  assert.match(short, /^meshward: rule X-BUG failed and was skipped: TypeError: cannot read /);
  assert.doesNotMatch(short, /\u001b/, 'control characters escaped');
  assert.match(short, /MESHWARD_DEBUG=1 prints the stack trace/);
  const long = describeRuleFailure(withStack, { MESHWARD_DEBUG: '1' });
  assert.match(long, /\n {2}at check \(rule\.js:3:1\)\n {2}at run \(run\.js:9:2\)\n$/);
});

test('a failure without a stack has no hint', () => {
  assert.equal(describeRuleFailure({ ruleId: 'AUT001', message: 'budget exceeded' }, {}), 'meshward: rule AUT001 failed and was skipped: budget exceeded\n');
});
