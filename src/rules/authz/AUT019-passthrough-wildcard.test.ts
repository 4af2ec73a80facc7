import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT019-passthrough-wildcard.js';
import { findingsFor } from '../../testing/kit.js';
import { docs, gateway } from './fixtures.js';

const gw = (mode: string, hosts: string[]) => docs(gateway('istio-system', 'cross-network', { istio: 'eastwestgateway' }, [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts, tls: { mode } }]));

test('AUTO_PASSTHROUGH for *.local: high, on the hosts', async () => {
  const f = await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.local']));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.servers[0].hosts');
  assert.equal(f[0].message, 'Gateway istio-system/cross-network server 0 (port 15443) passes TLS through automatically for *.local: anyone who reaches the gateway can connect to any service of the mesh by naming it in SNI.');
});

test('PASSTHROUGH for * is medium; the cluster domain wildcards count as broad', async () => {
  const f = await findingsFor(rule, gw('PASSTHROUGH', ['*']));
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /passes TLS through for \*: it accepts any SNI/);
  assert.equal((await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['ns/*.svc.cluster.local'])))[0].severity, 'high');
  assert.equal((await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.cluster.local'])))[0].severity, 'high');
});

test('negatives: narrow hosts, terminating modes', async () => {
  assert.deepEqual(await findingsFor(rule, gw('AUTO_PASSTHROUGH', ['*.payments.svc.cluster.local'])), []);
  assert.deepEqual(await findingsFor(rule, gw('PASSTHROUGH', ['db.example.com'])), []);
  assert.deepEqual(await findingsFor(rule, gw('SIMPLE', ['*'])), []);
  assert.deepEqual(await findingsFor(rule, gw('ISTIO_MUTUAL', ['*.local'])), []);
});
