// Every admission rule's documented examples as AdmissionReviews through the real HTTPS server: each
// object of the `bad` example is sent with the rest of the example in the cache, and the rule must be
// among what the webhook reports (denied at or above --deny-on, a warning below); the `good` example
// must not introduce the rule. Generated from the rule docs, so a new rule is covered when it is added.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { severityRank } from '../engine/finding.js';
import { admissionRules, admissionKinds } from './admission-kinds.js';
import { admissionReview, startTestWebhook, type TestWebhook } from '../testing/webhook.js';

let wh: TestWebhook;
before(async () => {
  // The root namespace is judged here: several examples live in istio-system.
  wh = await startTestWebhook({ exempt: new Set(['meshward', 'kube-system']), denyOn: 'high' });
});
after(async () => {
  await wh.close();
});

/**
 * Rules whose findings are on objects the webhook is never sent (admission-kinds.ts): the mesh config
 * (the `istio` ConfigMap: ConfigMaps are read by the cache but not intercepted) and webhook
 * configurations (the API server sends them to no webhook). Scans report them.
 */
const NOT_AT_ADMISSION: ReadonlyMap<string, string> = new Map([
  ['EGR001', 'the mesh config’s outboundTrafficPolicy (a ConfigMap)'],
  ['HJK012', 'the mesh config’s default exportTo (a ConfigMap)'],
  ['BYP014', 'overlapping injection webhooks (MutatingWebhookConfigurations, which the API server sends to no webhook)'],
  ['BYP015', 'an injection webhook’s missing Service (a MutatingWebhookConfiguration, which the API server sends to no webhook)'],
]);

const intercepted = new Set(admissionKinds().map((k) => `${k.group}/${k.kind}`));
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

function docs(yaml: string): Array<Record<string, any>> {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Record<string, any> | null)
    .filter((o): o is Record<string, any> => !!o && typeof o === 'object' && typeof o.kind === 'string');
}

/** What the webhook says about each object of an example sent with the others cached. */
async function judgeEach(yaml: string) {
  const objects = docs(yaml);
  const out: Array<{ object: Record<string, any>; response: any; findings: Array<{ rule: string; severity: string }> }> = [];
  for (const [i, object] of objects.entries()) {
    if (!intercepted.has(`${groupOf(String(object.apiVersion))}/${object.kind}`)) continue;
    wh.cache.clear();
    for (const [j, other] of objects.entries()) if (j !== i) wh.cache.apply(other);
    const response = await wh.review(admissionReview('CREATE', object));
    const findings = String(response.auditAnnotations?.findings ?? '')
      .split(',')
      .filter(Boolean)
      .map((s) => ({ rule: s.split(':')[0], severity: s.split(':')[1] }));
    out.push({ object, response, findings });
  }
  return out;
}

for (const rule of admissionRules()) {
  test(`${rule.meta.id}: its bad example is refused or warned about, its good example is not`, async (t) => {
    const bad = await judgeEach(rule.meta.docs.bad ?? '');
    const hits = bad.filter((b) => b.findings.some((f) => f.rule === rule.meta.id));
    if (NOT_AT_ADMISSION.has(rule.meta.id)) {
      assert.deepEqual(hits, [], `${rule.meta.id} is listed as not judged at admission but a review introduced it: update the list`);
      t.diagnostic(`${rule.meta.id} is not judged at admission: ${NOT_AT_ADMISSION.get(rule.meta.id)}`);
      return;
    }
    assert.ok(hits.length, `${rule.meta.id}: no review of its bad example (${docs(rule.meta.docs.bad ?? '').map((o) => o.kind).join(', ')}) introduced it`);
    for (const h of hits) {
      const f = h.findings.find((x) => x.rule === rule.meta.id)!;
      if (severityRank(f.severity as never) >= severityRank('high')) {
        assert.equal(h.response.allowed, false, `${rule.meta.id} ${f.severity} denies`);
        assert.match(h.response.status.message, new RegExp(`\\[${rule.meta.id} ${f.severity}\\]`));
        assert.match(h.response.status.message, new RegExp(`meshward explain ${rule.meta.id}`));
      } else {
        assert.ok(h.response.warnings?.some((w: string) => w.startsWith(`meshward ${rule.meta.id} (${f.severity})`)), `${rule.meta.id} ${f.severity} warns`);
      }
    }
    if (rule.meta.docs.good) {
      const good = await judgeEach(rule.meta.docs.good);
      for (const g of good) assert.ok(!g.findings.some((f) => f.rule === rule.meta.id), `${rule.meta.id}: good ${g.object.kind} ${g.object.metadata?.name} is reported`);
    }
  });
}
