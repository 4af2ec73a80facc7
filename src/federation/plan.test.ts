import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPlan, PLAN_LIMITS } from './plan.js';
import { ValidationError } from '../config/validated-yaml.js';
import { TWO_MESH_PLAN } from './fixtures.js';
import { REPO_ROOT } from '../testing/kit.js';

const cert = (name: string) => readFileSync(path.join(REPO_ROOT, 'examples/federation/certs', `${name}.pem`), 'utf8');
const testCert = (name: string) => readFileSync(path.join(REPO_ROOT, 'src/federation/testdata', `${name}.pem`), 'utf8');
const block = (pem: string, indent: number) => `|\n${pem.trim().split('\n').map((l) => ' '.repeat(indent) + l).join('\n')}`;

async function refused(text: string, pattern: RegExp): Promise<string> {
  try {
    await loadPlan(text, 'plan.yaml');
  } catch (err) {
    assert.ok(err instanceof ValidationError, `not a ValidationError: ${err}`);
    assert.match((err as Error).message, pattern);
    return (err as Error).message;
  }
  assert.fail(`plan accepted, expected ${pattern}`);
}

test('the two-mesh plan loads, with a same-root trust path for the pair', async () => {
  const p = await loadPlan(TWO_MESH_PLAN, 'plan.yaml');
  assert.deepEqual([...p.meshes.keys()], ['east', 'west']);
  assert.deepEqual(p.trust.get('east→west'), { kind: 'same-root' });
});

test('the three-mesh example: a shared trust anchor for east and west, explicit trust with north', async () => {
  const p = await loadPlan(readFileSync(path.join(REPO_ROOT, 'examples/federation/plan.yaml'), 'utf8'), 'plan.yaml');
  assert.deepEqual(p.trust.get('east→west'), { kind: 'shared-anchor', anchor: 'corp-root' });
  assert.deepEqual(p.trust.get('west→east'), { kind: 'shared-anchor', anchor: 'corp-root' });
  assert.deepEqual(p.trust.get('east→north'), { kind: 'explicit' });
  assert.deepEqual(p.trust.get('north→east'), { kind: 'explicit' });
});

test('schema errors name the file, the line and the field', async () => {
  const msg = await refused(TWO_MESH_PLAN.replace('network: net-west', 'network: Net West'), /^plan\.yaml:15: meshes\.1\.network: network must be a DNS-1123 label/);
  assert.match(msg, /docs\/federation\.md/);
  await refused(TWO_MESH_PLAN.replace('exports', 'exprots'), /^plan\.yaml:2: meshes\.0: Unrecognized key: "exprots"/);
  await refused('meshes: []\n', /meshes: a federation needs at least two meshes/);
  await refused('meshes: [\n', /plan\.yaml:\d+: invalid YAML/);
});

test('two meshes with one trust domain are refused', async () => {
  await refused(TWO_MESH_PLAN.replace('trustDomain: west.example.com', 'trustDomain: east.example.com'), /plan\.yaml:14: meshes\.1\.trustDomain: meshes "east" and "west" share the trust domain "east\.example\.com"/);
});

test('an importer that is not a declared mesh, or the exporter itself, is refused', async () => {
  await refused(TWO_MESH_PLAN.replace('{mesh: west,', '{mesh: south,'), /plan\.yaml:12: meshes\.0\.exports\.0\.importers\.0\.mesh: "south" is not a mesh of this plan; declare it under meshes/);
  await refused(TWO_MESH_PLAN.replace('{mesh: west,', '{mesh: east,'), /mesh "east" imports its own service payments\/card-api/);
});

test('different roots without a shared anchor or mutual explicit trust are refused', async () => {
  const distinct = TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}\n$/, `rootCA: {sha256: "${'cd'.repeat(32)}"}\n`);
  await refused(distinct, /meshes "east" and "west" have different roots and no common trust anchor/);
  // Explicit trust needs the roots themselves (their PEM goes into caCertificates), and both ways.
  const east = cert('east');
  const north = cert('north');
  const pems = TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    pem: ${block(east, 6)}`).replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    pem: ${block(north, 6)}`);
  await refused(pems, /different roots/);
  await refused(pems.replace('  exports:', '  trusts: [west]\n  exports:'), /different roots/);
  const mutual = pems.replace('  exports:', '  trusts: [west]\n  exports:') + '  trusts: [east]\n';
  assert.deepEqual((await loadPlan(mutual, 'plan.yaml')).trust.get('east→west'), { kind: 'explicit' });
});

test('a CA that only claims the anchor as issuer (same name, other key) does not chain to it', async () => {
  const plan = (west: string) => `trustAnchors:
- name: corp-root
  pem: ${block(cert('anchor'), 4)}
${TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    pem: ${block(cert('east'), 6)}`).replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    pem: ${block(west, 6)}`)}`;
  assert.deepEqual((await loadPlan(plan(cert('west')), 'plan.yaml')).trust.get('east→west'), { kind: 'shared-anchor', anchor: 'corp-root' });
  await refused(plan(testCert('fake')), /different roots and no common trust anchor/);
});

test('bad certificates: not PEM, unparsable, not a CA, a fingerprint that does not match', async () => {
  await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, 'rootCA: {pem: "hello"}'), /rootCA\.pem: must be exactly one PEM certificate/);
  await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, 'rootCA: {pem: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"}'), /plan\.yaml:\d+: meshes\.0\.rootCA\.pem: cannot be parsed as an X\.509 certificate/);
  await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    pem: ${block(testCert('leaf'), 6)}`), /is not a CA certificate/);
  await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, `rootCA:\n    sha256: "${'00'.repeat(32)}"\n    pem: ${block(cert('east'), 6)}`), /rootCA\.sha256: does not match the certificate given in pem/);
  await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, 'rootCA: {}'), /give the root certificate as pem, or its sha256 fingerprint/);
  // A private key where the root goes is refused by the PEM grammar, and never echoed.
  const msg = await refused(TWO_MESH_PLAN.replace(/rootCA: \{sha256: "(ab)+"\}/, 'rootCA: {pem: "-----BEGIN PRIVATE KEY-----\\nSECRETKEYMATERIAL\\n-----END PRIVATE KEY-----\\n"}'), /must be exactly one PEM certificate/);
  assert.ok(!msg.includes('SECRETKEYMATERIAL'));
});

test('imported names that would shadow a local service are refused with an alias suggestion', async () => {
  const shadow = TWO_MESH_PLAN + '  localServices: [payments/card-api]\n';
  const msg = await refused(shadow, /importing payments\/card-api of mesh east into mesh west as "card-api\.payments\.svc\.cluster\.local" would shadow its Service payments\/card-api of mesh west/);
  assert.match(msg, /alias: card-api\.payments\.east\.global/);
  // With an alias it loads.
  await loadPlan(shadow.replace('    ports: [{number: 8080', '    alias: card-api.payments.east.global\n    ports: [{number: 8080'), 'plan.yaml');
  // An alias inside the importer's cluster domain could shadow a Service the plan does not list.
  await refused(shadow.replace('    ports: [{number: 8080', '    alias: card-api.shop.svc.cluster.local\n    ports: [{number: 8080'), /lies under mesh west's cluster domain/);
});

test('hostile names never get through: newlines, YAML syntax, __proto__, bidi controls', async () => {
  for (const evil of ['"shop\\nkind: ClusterRoleBinding"', '"a: b"', '__proto__', '"shop\\u202e"', '"*"', '"../etc"', `"${'a'.repeat(64)}"`]) {
    await refused(TWO_MESH_PLAN.replace('namespace: shop', `namespace: ${evil}`), /importers\.0\.namespace: namespace must be a DNS-1123 label/);
  }
  await refused(TWO_MESH_PLAN.replace('name: east', 'name: __proto__'), /mesh name must be a DNS-1123 label/);
  await refused(TWO_MESH_PLAN.replace('address: 198.51.100.10', 'address: "1.2.3.4\\nkind: Secret"'), /address must be an IPv4 address or a DNS name/);
  await refused(TWO_MESH_PLAN.replace('meshes:', '__proto__: {polluted: true}\nmeshes:'), /^plan\.yaml:1: the key "__proto__" is not allowed/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // `constructor` is a valid namespace name: it loads, and is only ever a Map key or a string.
  const p = await loadPlan(TWO_MESH_PLAN.replace('namespace: shop', 'namespace: constructor'), 'plan.yaml');
  assert.equal(p.plan.meshes[0]!.exports[0]!.importers[0]!.namespace, 'constructor');
});

test('huge plans are refused by size and by count', async () => {
  await refused('#'.repeat(PLAN_LIMITS.bytes + 1), /larger than 1024 KiB/);
  const many = TWO_MESH_PLAN.replace(
    '    importers:\n    - {mesh: west, namespace: shop, serviceAccount: checkout}\n',
    `    importers:\n${Array.from({ length: PLAN_LIMITS.importersPerExport + 1 }, (_, i) => `    - {mesh: west, namespace: shop, serviceAccount: sa-${i}}`).join('\n')}\n`,
  );
  await refused(many, /importers/);
  await refused('meshes: &a [*a]\n', /./);
});

test('an east-west gateway selector must pick by at least one label: empty, or a __proto__ key that the schema would drop, is refused', async () => {
  const withSelector = (sel: string) => TWO_MESH_PLAN.replace(/eastWestGateway: \{([^}]*)\}/, (_m, inner) => `eastWestGateway: {${inner}, selector: ${sel}}`);
  assert.notEqual(withSelector('{}'), TWO_MESH_PLAN, 'the fixture has an inline eastWestGateway');
  await refused(withSelector('{}'), /eastWestGateway\.selector: selector needs 1 to 16 labels/);
  await refused(withSelector('{__proto__: eastwestgateway}'), /the key "__proto__" is not allowed/);
  const ok = await loadPlan(withSelector('{istio: eastwestgateway-2}'), 'plan.yaml');
  assert.deepEqual(ok.plan.meshes[0]!.eastWestGateway.selector, { istio: 'eastwestgateway-2' });
});
