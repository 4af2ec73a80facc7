/**
 * Fuzzing the side-file readers: config, tenant policy, baseline and advisory database. Each either
 * returns a value or throws its own error class with a message naming the file, never anything else;
 * tag, alias and anchor names and the text around a JSON syntax error never reach the message.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '../config/config.js';
import { parseConfig } from '../config/config-file.js';
import { parseTenantPolicy, TenantPolicyError } from '../tenancy/policy.js';
import { BaselineError, readBaseline } from '../engine/baseline.js';
import { AdvisoryDatabaseError, loadAdvisoryDatabase } from '../advisories/database.js';
import { canary, CANARY_PATTERN, fuzzParams, hostileString, mutated, nameLike } from './arbitraries.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-fuzz-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Splices `!CANARY…`, `*CANARY…` or `&CANARY…` after a key, where YAML reads it as a tag, alias or anchor. */
function withCanaryNode(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(text, fc.nat(), fc.constantFrom('!', '*', '&'), canary('Node')).map(([t, at, sigil, name]) => {
    const spots = [...t.matchAll(/^\s*(?:- )?[A-Za-z][\w-]*: /gm)].map((m) => m.index! + m[0].length);
    if (!spots.length) return `a: ${sigil}${name} x\n${t}`;
    const i = spots[at % spots.length];
    return `${t.slice(0, i)}${sigil}${name} ${t.slice(i)}`;
  });
}

function expectOnly<E extends Error>(fn: () => unknown, cls: new (...a: any[]) => E, file: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof cls, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.doesNotMatch(err.message, CANARY_PATTERN, err.message);
  }
}

const configText = fc
  .record({
    rules: fc.dictionary(fc.oneof(fc.constantFrom('BYP001', 'AUT002', 'KCF001'), nameLike), fc.oneof(fc.constantFrom('off', 'low', 'high', 'critical'), nameLike), { maxKeys: 3 }),
    ignore: fc.array(fc.record({ rule: fc.constantFrom('BYP001', 'HJK001'), resource: nameLike, reason: hostileString, expires: fc.constantFrom('2030-01-01', '2020-13-45', 'never') }, { requiredKeys: [] }), { maxLength: 2 }),
    settings: fc.record({ trustedProxyImages: fc.array(nameLike, { maxLength: 2 }), systemNamespaces: fc.array(nameLike, { maxLength: 2 }) }, { requiredKeys: [] }),
    failOn: fc.constantFrom('high', 'none', 'HIGH', 'bogus'),
  }, { requiredKeys: [] })
  .map((c) => stringify(c, { lineWidth: 0 }));

const tenantsText = fc
  .record({
    platform: fc.record({ namespaces: fc.array(nameLike, { maxLength: 2 }) }, { requiredKeys: [] }),
    tenants: fc.array(fc.record({ name: nameLike, namespaces: fc.array(fc.oneof(nameLike, fc.constantFrom('shop-*', '{a,b}', '**', '!(x)')), { maxLength: 3 }), hosts: fc.array(fc.constantFrom('shop.example.com', '*.example.com', '*', 'BAD HOST'), { maxLength: 2 }), trusts: fc.array(nameLike, { maxLength: 2 }) }, { requiredKeys: ['name'] }), { maxLength: 3 }),
  }, { requiredKeys: [] })
  .map((t) => stringify(t, { lineWidth: 0 }));

test('fuzz: the config reader returns a config or a ConfigError, never quoting tags or aliases', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.oneof(withCanaryNode(configText), withCanaryNode(mutated(configText))), (text) => {
      expectOnly(() => parseConfig(text, 'fuzz-config.yaml'), ConfigError, 'fuzz-config.yaml');
      return true;
    }),
    fuzzParams(150),
  );
});

test('fuzz: the tenant policy reader returns a policy or a TenantPolicyError, never quoting tags or aliases', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.oneof(withCanaryNode(tenantsText), withCanaryNode(mutated(tenantsText))), (text) => {
      expectOnly(() => parseTenantPolicy(text, 'fuzz-tenants.yaml'), TenantPolicyError, 'fuzz-tenants.yaml');
      return true;
    }),
    fuzzParams(150),
  );
});

/** JSON text with a canary spliced between tokens (after `{`, `[`, `,` or `:` outside strings): always a syntax error. */
function jsonWithCanary(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.tuple(value, fc.nat(), canary('Json')).map(([v, at, c]) => {
    const text = JSON.stringify(v, null, 1) ?? 'null';
    const spots: number[] = [];
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if ('{[,:'.includes(ch)) spots.push(i + 1);
    }
    const i = spots.length ? spots[at % spots.length] : 0;
    return `${text.slice(0, i)} ${c} ${text.slice(i)}`;
  });
}

const baselineValue = fc.oneof(
  fc.record({ version: fc.constant(1), tool: fc.constant('meshward'), findings: fc.array(fc.record({ fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), nameLike), ruleId: nameLike }), { maxLength: 3 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);

test('fuzz: the baseline reader returns fingerprints or a BaselineError, never quoting the file', { timeout: 60_000 }, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(baselineValue.map((v) => JSON.stringify(v)), jsonWithCanary(baselineValue), mutated(baselineValue.map((v) => JSON.stringify(v)))), async (text) => {
      const file = path.join(dir, `baseline-${n++}.json`);
      writeFileSync(file, text);
      try {
        const set = await readBaseline(file);
        assert.ok(set instanceof Set);
      } catch (err) {
        assert.ok(err instanceof BaselineError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.doesNotMatch(err.message, CANARY_PATTERN);
      }
      return true;
    }),
    fuzzParams(80),
  );
});

const MINIMAL_DB = {
  schemaVersion: 1,
  generated: '2026-11-01',
  minors: [{ minor: '1.22', eol: null }],
  bulletins: [{ id: 'ISTIO-SECURITY-2026-001', published: '2026-01-01', url: 'https://istio.io/x', cves: ['CVE-2026-12345'], cvss: 7.5, cvssVector: null, affected: ['1.22.0 to 1.22.3'], fixedIn: ['1.22.4'], summary: 'x' }],
};

test('fuzz: the advisory database reader returns a database or an AdvisoryDatabaseError, never quoting JSON text', { timeout: 60_000 }, () => {
  let n = 0;
  const dbValue = fc.oneof(fc.constant(MINIMAL_DB as unknown), fc.jsonValue({ maxDepth: 3 }), fc.record({ ...Object.fromEntries(Object.entries(MINIMAL_DB).map(([k, v]) => [k, fc.oneof(fc.constant(v), fc.jsonValue({ maxDepth: 2 }))])) }));
  fc.assert(
    fc.property(fc.oneof(jsonWithCanary(dbValue), mutated(dbValue.map((v) => JSON.stringify(v)))), (text) => {
      const file = path.join(dir, `db-${n++}.json`);
      writeFileSync(file, text);
      try {
        loadAdvisoryDatabase(file);
      } catch (err) {
        assert.ok(err instanceof AdvisoryDatabaseError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.ok(err.message.includes(file));
        assert.doesNotMatch(err.message, CANARY_PATTERN, err.message);
      }
      return true;
    }),
    fuzzParams(120),
  );
});
