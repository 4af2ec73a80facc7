import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostCovers, mayResolveToCover, resolveHost } from './hosts.js';
import fc from 'fast-check';
import { propertySeed } from '../testing/property-seed.js';

// mayResolveToCover lets a scan skip resolving a config's host: it must pass every host as written
// that resolves (in any namespace, with any namespaces known) to the owned host or to a pattern over it.
test('mayResolveToCover passes every written host that resolves to cover an owned host', () => {
  const owned = ['web.shop.svc.cluster.local', 'api.example.com', 'web.pay.svc.corp.internal', 'x.y', 'db.shop.svc.cluster.local'];
  const label = fc.constantFrom('web', 'WEB', 'api', 'db', 'x', 'y', 'shop', 'pay', 'svc', 'cluster', 'local', 'example', 'com', '*', '', 'İ', ' web', '*web');
  const written = fc.record({
    labels: fc.array(label, { minLength: 1, maxLength: 5 }),
    trailingDot: fc.boolean(),
    shouted: fc.boolean(),
    padded: fc.boolean(),
  }).map(({ labels, trailingDot, shouted, padded }) => {
    let raw = labels.join('.') + (trailingDot ? '.' : '');
    if (shouted) raw = raw.toUpperCase();
    return padded ? ` ${raw} ` : raw;
  });
  let covered = 0;
  let skipped = 0;
  fc.assert(
    fc.property(written, fc.constantFrom('shop', 'pay', 'x'), fc.constantFrom('cluster.local', 'corp.internal'), fc.boolean(), (raw, ns, domain, allKnown) => {
      const resolved = resolveHost(raw, ns, domain, allKnown ? () => true : (s) => s === 'shop');
      for (const host of owned) {
        if (hostCovers(resolved, host)) {
          covered++;
          assert.ok(mayResolveToCover(raw, host), `${JSON.stringify(raw)} in ${ns} resolves to ${resolved}, which covers ${host}`);
        } else if (!mayResolveToCover(raw, host)) skipped++;
      }
    }),
    { numRuns: 20_000, seed: propertySeed('MESHWARD_HOSTS_SEED') },
  );
  // Worth something only if both answers came up often.
  assert.ok(covered > 500 && skipped > 500, `covered ${covered}, skipped ${skipped}`);
});

test('mayResolveToCover on the forms Istio accepts', () => {
  const host = 'web.shop.svc.cluster.local';
  for (const raw of ['web', 'web.shop', 'web.shop.svc', host, 'WEB.Shop', `${host}.`, '*', '*.shop.svc.cluster.local', '*.local']) assert.equal(mayResolveToCover(raw, host), true, raw);
  for (const raw of ['webx', 'api.shop', 'we', 'web-shop', 'shop.web']) assert.equal(mayResolveToCover(raw, host), false, raw);
});
