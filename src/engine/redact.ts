/**
 * The one redaction path for untrusted values that reach a message, a report, a log line or an error.
 *
 * - A secret is never shown; where it has to be named, `sha256:` + 12 hex digits of its SHA-256 stands
 *   in for it (`printf %s "$TOKEN" | sha256sum | cut -c1-12` checks one you already have).
 * - URLs (kubeconfig `server` and `proxy-url`, Argo CD and remote-secret servers, `jwksUri`, oidc
 *   issuers) lose their userinfo and query values, whether or not they parse as URLs: a password with a
 *   `#` or `/` in it makes `new URL()` fail, and must not then come back as it was written.
 * - Parser messages that quote input (js-yaml's `unknown tag !<...>`, `unidentified alias "..."`, the
 *   `yaml` library's unresolved aliases, V8's `Unexpected token ... "..." is not valid JSON`) are cut
 *   to their fixed wording: the quoted text may be a password.
 *
 * A fingerprint of a short password can be guessed by trying candidates: it proves sameness, not secrecy.
 */
import { YamlSyntaxError } from '../loader/yaml-bounded.js';
import { createHash } from 'node:crypto';
import { terminalSafe } from './text.js';

const FINGERPRINT_HEX = 12;

/** `sha256:` + 12 hex digits. Non-string values are fingerprinted as their JSON text. */
export function secretFingerprint(value: unknown): string {
  const text = typeof value === 'string' ? value : safeJson(value);
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, FINGERPRINT_HEX)}`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** What a redacted view shows in place of a secret. */
export function redactedMarker(value: unknown): string {
  return `<redacted ${secretFingerprint(value)}>`;
}

// ---------------------------------------------------------------------------------------------------
// URLs

/** Longest URL shown in any form; a longer one is shown as its fingerprint only. */
const MAX_URL_CHARS = 8192;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]{0,30}):\/\//;

/**
 * A URL fit for a message: userinfo (password, or a token passed as the user name) replaced by its
 * fingerprint, every query value fingerprinted (tokens travel as `?access_token=`), the fragment
 * dropped. Works on text `new URL()` refuses: with a scheme (`https://admin:p#ss/w@host:6443`),
 * everything between `scheme://` and the last `@` is credentials; without one (`bob:pw@host`),
 * everything before the last `@`. Over-redacting a path that holds an `@` costs readability, never a
 * secret. Characters a terminal acts on are escaped in what remains; a URL over 8192 characters is
 * shown as its scheme and fingerprint. Strings without `@`, `?` or `#`
 * come back as they are (escaped). Idempotent: a password, user or query value that already reads as
 * a fingerprint (`sha256:` and 12 hex digits) is kept, so a URL redacted elsewhere (the Prometheus URL
 * an agent reports, src/insights/wire.ts) can be redacted again without its fingerprints changing.
 */
export function redactUrl(raw: string): string {
  if (typeof raw !== 'string') return redactedMarker(raw);
  // Cutting first could drop the `@` that marks the credentials and leave them in view: too long, all hidden.
  if (raw.length > MAX_URL_CHARS) return `${SCHEME.exec(raw.trimStart())?.[0] ?? ''}${redactedMarker(raw)} (${raw.length} characters)`;
  return terminalSafe(redactParsedUrl(raw) ?? redactUrlText(raw));
}

/**
 * The precise form, through WHATWG URL, when the parse leaves no doubt where the userinfo ends: the
 * URL has a host and no `@` is left after it. Otherwise null, and the text rules apply.
 */
function redactParsedUrl(raw: string): string | null {
  if (!SCHEME.test(raw.trimStart())) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (!u.host || u.protocol === 'file:') return null;
  // An `@` after the host means a `/`, `?` or `#` in the password moved the authority's end: the
  // parser's "host" is then part of the secret.
  if (/@|%40/i.test(u.pathname + u.search + u.hash)) return null;
  if (!u.username && !u.password && !u.search && !u.hash) return raw;
  let userinfo = '';
  const user = decodeURIComponentSafe(u.username);
  const password = decodeURIComponentSafe(u.password);
  // `sha256:0123abcd4567@host` parses as user `sha256` and a password: already redacted.
  if (u.password && FINGERPRINT.test(`${user}:${password}`)) userinfo = `${user}:${password}@`;
  else if (u.password) userinfo = `${u.username}:${fingerprintOnce(password)}@`;
  else if (u.username) userinfo = `${fingerprintOnce(user)}@`;
  const query = u.search ? redactQuery(u.search.slice(1)) : '';
  const bareRoot = u.pathname === '/' && !raw.replace(/[?#].*$/s, '').endsWith('/');
  return `${u.protocol}//${userinfo}${u.host}${bareRoot ? '' : u.pathname}${query}${u.hash ? '#…' : ''}`;
}

/** The text rules, for strings WHATWG URL refuses or reads ambiguously. */
function redactUrlText(raw: string): string {
  const m = SCHEME.exec(raw.trimStart());
  const prefix = m ? m[0] : '';
  let rest = m ? raw.trimStart().slice(prefix.length) : raw;
  let userinfo = '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    // `user:sha256:...` or `sha256:...`: what redactUrl made of it before.
    const kept = /^(?:[^:@/]*:)?(sha256:[0-9a-f]+)$/.exec(info);
    userinfo = `${kept && FINGERPRINT.test(kept[1]) ? info : secretFingerprint(info)}@`;
    rest = rest.slice(at + 1);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = '#…';
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = redactQuery(rest.slice(q + 1));
    rest = rest.slice(0, q);
  }
  return `${prefix}${userinfo}${rest}${query}${fragment}`;
}

/** `?k=sha256:...&flag`: names kept, values fingerprinted. Empty when there is nothing. */
function redactQuery(search: string): string {
  if (!search) return '';
  const parts = search.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair.length > 64 ? redactedMarker(pair) : pair; // `?flag`, or a bare token
    const value = pair.slice(eq + 1);
    return `${pair.slice(0, eq)}=${value ? fingerprintOnce(decodeQueryValue(value)) : ''}`;
  });
  return `?${parts.join('&')}`;
}

/** What secretFingerprint gives, exactly. */
const FINGERPRINT = new RegExp(`^sha256:[0-9a-f]{${FINGERPRINT_HEX}}$`);

/** A value's fingerprint, or the value when it is one already (redactUrl is idempotent). */
function fingerprintOnce(value: string): string {
  return FINGERPRINT.test(value) ? value : secretFingerprint(value);
}

function decodeQueryValue(v: string): string {
  return decodeURIComponentSafe(v.replace(/\+/g, ' '));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------
// Parser messages

/**
 * The fixed wording of a YAML parser's complaint, without the input it quotes. Both YAML libraries
 * splice input into messages after ` "`, `!<`, `: ` or `*` (tag names, alias names, tag prefixes);
 * the message is cut there. What is left is escaped and at most 160 characters.
 */
export function yamlErrorReason(err: unknown): string {
  // The bounded loader has already reduced js-yaml's reason to fixed wording.
  if (err instanceof YamlSyntaxError) return terminalSafe(err.reason);
  const e = err as { reason?: unknown; message?: unknown } | null;
  const raw = typeof e?.reason === 'string' ? e.reason : typeof e?.message === 'string' ? e.message.split('\n')[0] : '';
  const cut = raw.search(/ "[^"]*"|!<|: |\*| '[^']*'/);
  const kept = (cut >= 0 ? raw.slice(0, cut) : raw).trim().replace(/[\s(:;,]+$/, '');
  const shown = terminalSafe(kept.slice(0, 160));
  if (!shown) return 'the YAML could not be read';
  return cut >= 0 ? `${shown} (the text involved is not shown: it may be a secret)` : shown;
}

/**
 * Where JSON.parse gave up, as ` at line L, column C`, or nothing. Only the offset is taken from V8's
 * message: the rest of it quotes the input around the error, which may be anything the file holds.
 */
export function jsonErrorPosition(text: string, err: unknown): string {
  const m = /\bposition (\d{1,12})\b/.exec(String((err as Error)?.message ?? ''));
  if (!m) return '';
  const offset = Math.min(Number(m[1]), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return ` at line ${line}, column ${offset - lineStart + 1}`;
}
