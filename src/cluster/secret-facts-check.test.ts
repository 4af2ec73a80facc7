import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanPaths } from '../engine/scan.js';
import { REPO_ROOT } from '../testing/kit.js';
import { secretFactsOf } from './secret-facts.js';
import { checkSecretFacts, secretFactsProblem } from './secret-facts-check.js';

const FIXTURES = ['test/fixtures/secrets/credential-secrets.yaml', 'examples/multicluster'].map((p) => path.join(REPO_ROOT, p));

test('the facts every fixture Secret gets pass the check unchanged (the check matches the type field for field)', async () => {
  const res = await scanPaths(FIXTURES, { rules: [] });
  const secrets = res.model.ofKind('', 'Secret');
  assert.ok(secrets.length >= 10);
  let kubeconfigs = 0;
  for (const s of secrets) {
    // As the wire carries them: JSON.
    const facts = JSON.parse(JSON.stringify(secretFactsOf(s)));
    kubeconfigs += facts.kubeconfigs.length;
    assert.deepEqual(checkSecretFacts(facts), facts, `${s.namespace}/${s.name}`);
  }
  assert.ok(kubeconfigs >= 3, 'the fixtures hold kubeconfig Secrets');
});

test('malformed facts are refused naming the field; unknown fields are dropped', async () => {
  const res = await scanPaths(FIXTURES, { rules: [] });
  const remote = res.model.ofKind('', 'Secret').find((s) => s.name === 'istio-remote-secret-east')!;
  const good = JSON.parse(JSON.stringify(secretFactsOf(remote)));
  const bad = (mutate: (f: any) => void): string | null => {
    const f = structuredClone(good);
    mutate(f);
    return secretFactsProblem(f);
  };
  assert.equal(secretFactsProblem('x'), 'secretFacts is not an object');
  assert.match(secretFactsProblem({})!, /^secretFacts\.version is not 1/);
  assert.match(bad((f) => (f.kubeconfigs = 'x'))!, /^secretFacts\.kubeconfigs is not a list/);
  assert.match(bad((f) => (f.kubeconfigs[0].users = null))!, /^secretFacts\.kubeconfigs\[0\]\.users is not a list/);
  assert.match(bad((f) => (f.kubeconfigs[0].users[0].servers = [5]))!, /^secretFacts\.kubeconfigs\[0\]\.users\[0\]\.servers\[0\] is not a string/);
  assert.match(bad((f) => (f.kubeconfigs[0].judged.findings = [{ ...f.kubeconfigs[0].judged.findings[0], severity: 'fatal' }]))!, /severity is not one of/);
  assert.match(bad((f) => (f.pem = [null]))!, /^secretFacts\.pem\[0\] is not an object/);
  assert.match(bad((f) => (f.flavour = 'helm'))!, /^secretFacts\.flavour is not one of/);
  assert.match(bad((f) => (f.skippedKeys = -1))!, /skippedKeys is not a whole number/);
  assert.match(bad((f) => (f.kubeconfigs[0].view.clusters[0].fields = { a: { b: undefined, c: () => 1 } }))!, /fields\.<key>\.<key> is not JSON data/);
  const extra = checkSecretFacts({ ...good, extra: 1, kubeconfigs: good.kubeconfigs.map((k: object) => ({ ...k, more: true })) });
  assert.deepEqual(extra, good);
});
