/**
 * The dashboard's text helpers (src/ui/app/components/format.ts), compiled by the main build through
 * this import: the app's own tsconfig type-checks for the browser and emits nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalSafe } from '../engine/text.js';
import { visibleText } from './app/components/format.js';

test('visibleText: control, line-break, zero-width and bidi characters become visible \\uXXXX, markup stays as written', () => {
  assert.equal(visibleText('Secret ns/a\u202Egnp.exe: secretFacts.kubeconfigs is not a list'), 'Secret ns/a\\u202egnp.exe: secretFacts.kubeconfigs is not a list');
  assert.equal(visibleText('one\nfake second line\r\u0007\u001b[2J'), 'one\\u000afake second line\\u000d\\u0007\\u001b[2J');
  assert.equal(visibleText('\u200b\u2066x\u2069\ufeff\u0085'), '\\u200b\\u2066x\\u2069\\ufeff\\u0085');
  // Escaping markup is the renderer's job (text nodes): doubled here it would show as &lt; on the page.
  assert.equal(visibleText('<img src=x onerror=alert(1)></script>'), '<img src=x onerror=alert(1)></script>');
  assert.equal(visibleText('north: ünïcödé 日本 🙂'), 'north: ünïcödé 日本 🙂');
  assert.equal(visibleText(''), '');
});

test('visibleText escapes exactly what the CLI escapes (terminalSafe), character by character', () => {
  // The app keeps its own copy of the character set (it bundles nothing from the server): they must not drift.
  for (let code = 0; code <= 0xffff; code++) {
    const c = String.fromCharCode(code);
    if (visibleText(c) !== terminalSafe(c)) assert.fail(`U+${code.toString(16).padStart(4, '0')}: the dashboard shows ${JSON.stringify(visibleText(c))}, the CLI ${JSON.stringify(terminalSafe(c))}`);
  }
});
