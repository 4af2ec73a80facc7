import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../testing/kit.js';

test('meshward tenants maps owners and claims, and marks conflicts', async () => {
  const r = await runCli(['tenants', 'examples/insecure']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /tenant payments {2}\(namespaces: payments\)\n {2}owns 1 service host: payments-api\.payments\.svc\.cluster\.local/);
  assert.match(r.stdout, /claims payments-api\.payments\.svc\.cluster\.local by VirtualService shop\/payments-debug on mesh exportTo \* {2}✖ covers hosts of payments/);
  const j = JSON.parse((await runCli(['tenants', 'examples/insecure', '--format', 'json'])).stdout);
  const shop = j.tenants.find((t: any) => t.name === 'shop');
  const claim = shop.claims.find((c: any) => c.name === 'payments-debug');
  assert.deepEqual(claim.conflictsWith, ['payments']);
  assert.deepEqual(claim.attachment, ['mesh']);
  const secure = await runCli(['tenants', 'examples/secure']);
  assert.match(secure.stdout, /claims storefront \(storefront\.shop\.svc\.cluster\.local\) by VirtualService shop\/storefront on mesh exportTo shop\n/);
});

test('a tenant policy merges namespaces into tenants, for tenants and scan alike', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-tenants-'));
  const policy = path.join(dir, 'policy.yaml');
  await fs.writeFile(policy, 'tenants:\n  - name: commerce\n    namespaces: [shop, payments]\n  - name: data\n    namespaces: [analytics, legacy]\n');
  const r = await runCli(['tenants', 'examples/insecure', '--tenants', policy]);
  assert.match(r.stdout, /tenant commerce {2}\(namespaces: payments, shop\)/);
  assert.doesNotMatch(r.stdout, /payments-debug.*covers hosts/, 'same tenant: not a conflict');
  assert.match(r.stdout, /catch-analytics.*covers hosts of data/);
  const scan = JSON.parse((await runCli(['scan', 'examples/insecure', '--tenants', policy, '--only', 'HJK001', '-f', 'json'])).stdout);
  assert.deepEqual(
    scan.findings.map((f: any) => f.resource.name),
    ['catch-analytics'],
  );
  await fs.writeFile(policy, 'tenants:\n  - name: x\n');
  const bad = await runCli(['scan', 'examples/insecure', '--tenants', policy]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /tenant "x" has no namespaces/);
});
