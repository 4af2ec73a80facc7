import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { parseDocument } from 'yaml';
import { jsonErrorPosition, redactUrl, secretFingerprint, yamlErrorReason } from './redact.js';

test('redactUrl: URLs WHATWG URL refuses still lose everything between scheme:// and the last @', () => {
  const cases: Array<[string, string]> = [
    ['https://admin:p#ssCANARY/w@host:6443', 'https://'],
    ['https://admin:pCANARY/ss@host:6443/api', 'https://'],
    ['https://admin:123/CANARY@host', 'https://'], // parses, but the "path" holds the rest of the password
    ['https://tok?enCANARY@host', 'https://'],
    ['http://[CANARY@host', 'http://'],
    ['https://a:b\\CANARY@host', 'https://'],
    ['socks5://u:CANARY%zz@proxy:1080', 'socks5://'],
  ];
  for (const [raw, prefix] of cases) {
    const r = redactUrl(raw);
    assert.ok(!r.includes('CANARY'), `${raw} -> ${r}`);
    assert.ok(r.startsWith(prefix), r);
    assert.match(r, /sha256:[0-9a-f]{12}@/, r);
  }
  assert.equal(redactUrl('https://admin:p#ss/w@host:6443'), `https://${secretFingerprint('admin:p#ss/w')}@host:6443`);
});

test('redactUrl: parseable URLs keep user, host, port and path; passwords, tokens and query values are fingerprinted', () => {
  assert.equal(redactUrl('https://east.example.com:6443'), 'https://east.example.com:6443');
  assert.equal(redactUrl('https://east.example.com:6443/'), 'https://east.example.com:6443/');
  assert.equal(redactUrl('http://alice:CANARY@proxy:3128'), `http://alice:${secretFingerprint('CANARY')}@proxy:3128`);
  assert.equal(redactUrl('https://CANARY@api.example/'), `https://${secretFingerprint('CANARY')}@api.example/`);
  const q = redactUrl('https://idp.example/jwks?access_token=CANARY&client_secret=CANARY2&flag');
  assert.equal(q, `https://idp.example/jwks?access_token=${secretFingerprint('CANARY')}&client_secret=${secretFingerprint('CANARY2')}&flag`);
  assert.equal(redactUrl('https://idp.example/jwks#CANARY'), 'https://idp.example/jwks#…');
});

test('redactUrl: schemeless credentials, plain text, control characters, non-strings, huge input', () => {
  assert.equal(redactUrl('bob:CANARY/x@host'), `${secretFingerprint('bob:CANARY/x')}@host`);
  assert.equal(redactUrl('not a url'), 'not a url');
  assert.equal(redactUrl('https://h.example/\u001b[2J'), 'https://h.example/\\u001b[2J');
  assert.equal(redactUrl('https://a:b#c@h.example/\u202e'), `https://${secretFingerprint('a:b#c')}@h.example/\\u202e`);
  assert.match(redactUrl(42 as unknown as string), /^<redacted sha256:[0-9a-f]{12}>$/);
  const huge = redactUrl(`https://u:${'CANARY'.repeat(100_000)}@h`);
  assert.ok(huge.length < 9000 && !huge.includes('CANARY'), 'cut, and the cut part never shown');
});

test('redactUrl is idempotent: redacting a redacted URL again (the server, after the agent) keeps its fingerprints', () => {
  const urls = ['http://admin:s3cret@prom:9090/api?token=abc&x=&flag#frag', 'bob:pw@host', 'http://u:p@h/x@y', 'https://tok@prom.example/', 'http://a:b%40c@prom', 'https://prom.example/?access_token=zzz', 'http://prom:9090', 'ftp://p:w@h:21/a?b=c#d', 'x'.repeat(9000)];
  for (const u of urls) {
    const once = redactUrl(u);
    assert.equal(redactUrl(once), once, u.slice(0, 60));
  }
  assert.ok(!redactUrl('http://admin:s3cret@prom').includes('s3cret'));
});

test('yamlErrorReason: tag, alias and handle texts from both YAML libraries are never shown', () => {
  const jsYaml = (text: string) => {
    try {
      yaml.load(text, { schema: yaml.CORE_SCHEMA });
    } catch (err) {
      return yamlErrorReason(err);
    }
    throw new Error(`no error for ${text}`);
  };
  assert.equal(jsYaml('a: !Pa55CANARY x'), 'unknown tag (the text involved is not shown: it may be a secret)');
  assert.equal(jsYaml('a: *hunter2CANARY'), 'unidentified alias (the text involved is not shown: it may be a secret)');
  assert.match(jsYaml('a: !<tag:CANARY> 1'), /^unknown tag \(/);
  assert.match(jsYaml('a: !e!CANARY 1'), /^undeclared tag handle \(/);
  assert.equal(jsYaml('a: b: c'), 'bad indentation of a mapping entry', 'fixed wording is kept');
  let alias = '';
  try {
    parseDocument('a: *CANARY\n').toJS();
  } catch (err) {
    alias = yamlErrorReason(err);
  }
  assert.match(alias, /^Unresolved alias \(the anchor must be set before the alias\) \(the text involved is not shown/);
  assert.equal(yamlErrorReason(parseDocument('a: [1, "x\n', { prettyErrors: false }).errors[0]), 'Missing closing "quote', 'a fixed phrase with a quote is kept');
  assert.equal(yamlErrorReason({ reason: '\u001b[31mred' }), '\\u001b[31mred');
  assert.equal(yamlErrorReason(null), 'the YAML could not be read');
});

test('jsonErrorPosition: line and column from V8, none of the quoted text', () => {
  const text = '{\n  "a": 1, CANARY\n}';
  let err: unknown;
  try {
    JSON.parse(text);
  } catch (e) {
    err = e;
  }
  assert.match((err as Error).message, /position/, 'V8 gives a position on Node 20+');
  assert.equal(jsonErrorPosition(text, err), ' at line 2, column 11');
  assert.equal(jsonErrorPosition(text, new Error('no position here')), '');
});
