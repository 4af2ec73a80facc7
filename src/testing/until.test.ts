import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from './until.js';

// Stop 47's CI failed when the machine's wall clock stepped during a wait: until() measured its wait with
// Date.now() and gave up after 191 ms of a 10 s wait. It reads the monotonic clock now.
test('until() is not ended by a step of the wall clock', async () => {
  const realNow = Date.now;
  let calls = 0;
  try {
    // Each reading of the wall clock is an hour later than the last.
    Date.now = () => realNow() + 3_600_000 * ++calls;
    let polls = 0;
    const got = await until('the third poll', () => ++polls >= 3 && polls, { timeoutMs: 10_000, everyMs: 1 });
    assert.equal(got, 3);
  } finally {
    Date.now = realNow;
  }
});

test('until() still gives up after its wait, naming what it waited for', async () => {
  await assert.rejects(until('a condition that never holds', () => false, { timeoutMs: 30, everyMs: 5 }), /timed out waiting for a condition that never holds/);
});
