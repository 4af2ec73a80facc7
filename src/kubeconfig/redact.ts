/**
 * Keeping kubeconfig secrets out of every output.
 *
 * A kubeconfig holds bearer tokens, passwords, private keys and the config of auth providers. None of
 * these may reach a message, a report, a log line or an error: where a value has to be named, a short
 * fingerprint (`sha256:` + 12 hex digits of the SHA-256 of the value) stands in for it. The fingerprint
 * lets a reader tell whether two places hold the same secret, or check one they already have
 * (`printf %s "$TOKEN" | sha256sum | cut -c1-12`), without the value being shown.
 *
 * A fingerprint of a short password can be guessed by trying candidates, so it proves sameness, not
 * secrecy; the value itself is never shown.
 */
import { terminalSafe, UNSAFE_CHARS } from '../engine/text.js';
import { redactedMarker, redactUrl, secretFingerprint } from '../engine/redact.js';

// The fingerprint and URL redaction are meshward-wide (engine/redact.ts); re-exported for kubeconfig callers.
export { redactedMarker, redactUrl, secretFingerprint };

// ---------------------------------------------------------------------------------------------------
// Which fields may be shown

/**
 * Keys whose values are shown as they are in the redacted view of each kubeconfig section. Everything
 * else (secrets, and keys meshward does not know, which may hold anything) is fingerprinted. An
 * allowlist, so a new or misspelt secret field is hidden by default.
 */
const SHOWN_KEYS: Record<'cluster' | 'user' | 'context' | 'exec' | 'auth-provider' | 'auth-provider-config', ReadonlySet<string>> = {
  cluster: new Set([
    'server',
    'tls-server-name',
    'insecure-skip-tls-verify',
    'certificate-authority',
    'proxy-url',
    'disable-compression',
  ]),
  user: new Set(['client-certificate', 'client-key', 'tokenFile', 'token-file', 'username', 'as', 'as-uid', 'as-groups']),
  context: new Set(['cluster', 'user', 'namespace']),
  exec: new Set(['command', 'apiVersion', 'installHint', 'provideClusterInfo', 'interactiveMode']),
  'auth-provider': new Set(['name']),
  'auth-provider-config': new Set([
    'cmd-path',
    'idp-issuer-url',
    'idp-certificate-authority',
    'client-id',
    'tenant-id',
    'apiserver-id',
    'environment',
    'config-mode',
    'scopes',
    'extra-scopes',
    'token-key',
    'expiry-key',
    'time-fmt',
    'tokenFile',
    'expiry',
    'expires-in',
    'expires-on',
  ]),
};

/** Auth-provider config keys that are never secret and may appear in messages. */
export function isShownAuthProviderKey(key: string): boolean {
  return SHOWN_KEYS['auth-provider-config'].has(key);
}

/**
 * A copy of one kubeconfig section (the body of a cluster, user or context) that is safe to print: known
 * harmless fields as they are (URLs with their credentials taken out), secrets and unknown fields as
 * `<redacted sha256:...>`. `exec.args` and `auth-provider.config.cmd-args` keep their flags and other
 * words but lose the credentials redactArgs finds in them.
 */
export function redactSection(kind: 'cluster' | 'user' | 'context', body: unknown): unknown {
  if (!isPlainObject(body)) return redactUnknown(body);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (kind === 'user' && k === 'exec') setOwn(out, k, redactExec(v));
    else if (kind === 'user' && k === 'auth-provider') setOwn(out, k, redactAuthProvider(v));
    else if (SHOWN_KEYS[kind].has(k)) setOwn(out, k, redactShown(k, v));
    else setOwn(out, k, redactUnknown(v));
  }
  return out;
}

function redactExec(v: unknown): unknown {
  if (!isPlainObject(v)) return redactUnknown(v);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'args' && Array.isArray(val)) setOwn(out, k, redactArgs(val));
    else if (k === 'env' && Array.isArray(val)) {
      out[k] = val.map((e) =>
        isPlainObject(e) ? { name: typeof e.name === 'string' ? e.name : redactUnknown(e.name), value: redactedMarker(e.value ?? '') } : redactUnknown(e),
      );
    } else if (SHOWN_KEYS.exec.has(k)) setOwn(out, k, redactShown(k, val));
    else setOwn(out, k, redactUnknown(val));
  }
  return out;
}

function redactAuthProvider(v: unknown): unknown {
  if (!isPlainObject(v)) return redactUnknown(v);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'config' && isPlainObject(val)) {
      const cfg: Record<string, unknown> = {};
      for (const [ck, cv] of Object.entries(val)) {
        if (ck === 'cmd-args' && typeof cv === 'string') setOwn(cfg, ck, joinArgs(redactArgs(splitArgs(cv))));
        else setOwn(cfg, ck, isShownAuthProviderKey(ck) ? redactShown(ck, cv) : redactUnknown(cv));
      }
      setOwn(out, k, cfg);
    } else if (SHOWN_KEYS['auth-provider'].has(k)) setOwn(out, k, redactShown(k, val));
    else setOwn(out, k, redactUnknown(val));
  }
  return out;
}

/** A shown field: scalars as they are, URLs without credentials, anything nested fingerprinted. */
function redactShown(key: string, v: unknown): unknown {
  if (typeof v === 'string') return /url$|^server$/i.test(key) ? redactUrl(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.slice();
  return redactUnknown(v);
}

/** Unknown or secret: strings and other scalars fingerprinted; structure kept so the shape is visible. */
function redactUnknown(v: unknown): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(redactUnknown);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) setOwn(out, k, redactUnknown(val));
    return out;
  }
  return redactedMarker(v);
}

// ---------------------------------------------------------------------------------------------------
// URLs and command lines

const SECRET_FLAG = /(secret|token|passw|pwd|credential|api-?key|private-?key|auth)/i;

/** Flags whose value is an HTTP header line: curl's `-H`, `--header`, `--proxy-header`, plugins' `--extra-header`... */
const HEADER_FLAG = /^(-H|--(?:[A-Za-z0-9]+-)*headers?)$/;
/** `Name: value`, the name an RFC 9110 token. */
const HEADER_LINE = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:(.*)$/s;
/** Header names whose values are credentials, wherever they appear. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|token|key|secret|auth|passw/i;
/** `key=value` outside a flag (`client_secret=...`): the key decides, as a flag name does. */
const KEY_VALUE = /^([A-Za-z0-9_.-]{1,64})=(.*)$/s;
/** Where a URL starts inside an argument (`https://u:p@h`, `proxy=socks5://u:p@h`). */
const URL_START = /[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\//;
/** `user:password@host` without a scheme: the colon before the `@` is what marks a password (an e-mail has none). */
const SCHEMELESS_USERINFO = /^[^\s:/@]+:[^\s]*@[^\s@]+$/;
/** Flags whose value is `user:password` (curl's `-u`/`--user`, `--proxy-user`, wget's `--http-user` takes only a name). */
const USERINFO_FLAG = /^(-u|--user|-U|--proxy-user)$/;
/** An argument holding whitespace may be a command line of its own (`sh -c "curl -H 'Authorization: ...'"`); how deep those are opened. */
const MAX_NESTED_COMMAND_LINES = 3;

/**
 * Command-line arguments with the credentials they carry fingerprinted, by one set of rules applied to
 * every argument and to the value of every `--flag=value`:
 *
 * - the value of a secret-looking flag: `--client-secret=x`, `--token x`, `--password=x` (kubelogin, for
 *   one, takes `--oidc-client-secret=...`), and of a secret-looking `key=value`;
 * - `Bearer ...` / `Basic ...` and JWTs, whole;
 * - header lines: after `-H` / `--header` (curl-like plugins send `Authorization: Bearer ...` so), and any
 *   argument shaped `Name: value` whose name is a credential header (`Authorization`, `Cookie`,
 *   `X-Api-Key`, anything with token/key/secret/auth/password in it): the name kept, the value fingerprinted;
 * - URLs, with or without a scheme: through redactUrl, so userinfo and query values are fingerprinted
 *   exactly as in `server` and `proxy-url`;
 * - an argument with whitespace in it is also read as a command line of its own (the script of `sh -c`),
 *   so a credential inside it is found by the same rules.
 *
 * A word that is only `Bearer` or a credential header's `Name:` (a command line split on whitespace)
 * hides the word after it. Flags and other arguments stay readable. Non-strings are fingerprinted.
 */
export function redactArgs(args: readonly unknown[]): string[] {
  return redactWords(args, 0);
}

function redactWords(args: readonly unknown[], depth: number): string[] {
  const out: string[] = [];
  // What the previous word said of this one: a secret-flag value, a header line, a credential to hide.
  let next: 'plain' | 'secret' | 'header' | 'hide' | 'userinfo' = 'plain';
  for (const a of args) {
    const said = next;
    next = 'plain';
    if (typeof a !== 'string') {
      out.push(redactedMarker(a));
      continue;
    }
    if (said === 'hide' || (said === 'secret' && !a.startsWith('-'))) {
      out.push(redactedMarker(a));
      // `Authorization: Bearer TOKEN` split on whitespace: the scheme word, then the token.
      if (said === 'hide' && /^(bearer|basic)$/i.test(a)) next = 'hide';
      continue;
    }
    if (said === 'userinfo' && !a.startsWith('-')) {
      out.push(redactUserinfo(a));
      continue;
    }
    if (said === 'header' && !a.startsWith('-')) {
      const r = redactValue(a, true, depth);
      out.push(r.shown);
      if (r.hideNext) next = 'hide';
      continue;
    }
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0) {
      const flag = a.slice(0, eq);
      const value = a.slice(eq + 1);
      out.push(`${flag}=${SECRET_FLAG.test(flag) ? redactedMarker(value) : USERINFO_FLAG.test(flag) ? redactUserinfo(value) : redactValue(value, HEADER_FLAG.test(flag), depth).shown}`);
    } else if (/^-[uU]./.test(a) && !a.startsWith('--')) {
      // curl takes `-uuser:password` glued.
      out.push(`${a.slice(0, 2)}${redactUserinfo(a.slice(2))}`);
    } else if (a.startsWith('-')) {
      // A flag's own text is checked too (curl takes `-HAuthorization: ...` glued), but not as a JWT:
      // `--log.format.json` has the dots of one.
      const r = redactValue(a, false, depth, false);
      out.push(r.shown);
      if (r.shown === a) next = HEADER_FLAG.test(a) ? 'header' : USERINFO_FLAG.test(a) ? 'userinfo' : SECRET_FLAG.test(a) ? 'secret' : 'plain';
    } else {
      const r = redactValue(a, false, depth);
      out.push(r.shown);
      if (r.hideNext) next = 'hide';
    }
  }
  return out;
}

/** `user:password` with the password fingerprinted (a user name alone is shown: the tool then asks for the password). */
function redactUserinfo(v: string): string {
  const colon = v.indexOf(':');
  return colon < 0 ? v : `${v.slice(0, colon)}:${redactedMarker(v.slice(colon + 1))}`;
}

/**
 * One argument, or the value of a `--flag=value`, with its credentials fingerprinted. `header`: it
 * follows a header flag, so it is a header line whatever its name. `hideNext`: it announces a
 * credential in the next word.
 */
function redactValue(v: string, header: boolean, depth: number, jwt = true): { shown: string; hideNext: boolean } {
  if (/^\s*(bearer|basic)\s/i.test(v) || (jwt && looksLikeJwt(v))) return { shown: redactedMarker(v), hideNext: false };
  if (/^(bearer|basic)$/i.test(v)) return { shown: v, hideNext: true };
  const h = HEADER_LINE.exec(v);
  // A URL reads as header `https` with value `//...`: only after a header flag is it taken as one.
  if (h && (header || (SECRET_HEADER.test(h[1]) && !/^\/\//.test(h[2])))) {
    const value = h[2].trim();
    return value ? { shown: `${h[1]}: ${redactedMarker(value)}`, hideNext: false } : { shown: `${h[1]}:`, hideNext: true };
  }
  // What follows a header flag but is no `Name: value` (`@file`, `Name;`) is not read further.
  if (header) return { shown: redactedMarker(v), hideNext: false };
  const kv = KEY_VALUE.exec(v);
  if (kv && SECRET_FLAG.test(kv[1])) return { shown: `${kv[1]}=${redactedMarker(kv[2])}`, hideNext: false };
  if (/\s/.test(v)) {
    // Before the URL rule: text ahead of a URL is kept as it is, and in a script that text may be
    // `-H 'Authorization: ...'`. Past the nesting limit, the whole text is hidden rather than read.
    if (depth >= MAX_NESTED_COMMAND_LINES) return { shown: redactedMarker(v), hideNext: false };
    const words = splitArgs(v);
    const shown = redactWords(words, depth + 1);
    return { shown: shown.some((w, i) => w !== words[i]) ? joinArgs(shown) : v, hideNext: false };
  }
  const url = URL_START.exec(v);
  if (url) return { shown: v.slice(0, url.index) + redactUrl(v.slice(url.index)), hideNext: false };
  if (SCHEMELESS_USERINFO.test(v)) return { shown: redactUrl(v), hideNext: false };
  return { shown: v, hideNext: false };
}

/**
 * Splits a shell command line (`cmd-args`, the script of `sh -c`) into the words a POSIX shell would
 * pass, for redaction only: `'...'` and `"..."` group words and backslashes escape, so a quoted
 * `"Authorization: Bearer ..."` stays one header line. Nothing is expanded. An unclosed quote runs to
 * the end.
 */
export function splitArgs(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) word += s[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Words back into a command line splitArgs reads the same way; a fingerprint marker is left bare, for reading. */
export function joinArgs(words: readonly string[]): string {
  return words.map((w) => (w === '' ? "''" : /[\s'"\\]/.test(w) && !/^<redacted sha256:[0-9a-f]+>$/.test(w) ? `'${w.replace(/'/g, `'\\''`)}'` : w)).join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Display of untrusted strings


/**
 * An untrusted string made safe to put in a message: quoted, control characters, bidirectional
 * overrides and other invisible characters escaped (they could rewrite a terminal line or hide text),
 * and cut to `max` characters. Callers must still never pass secret values here.
 */
export function quote(s: string, max = 160): string {
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  return `"${terminalSafe(cut.replace(/["\\]/g, (c) => `\\${c}`))}"`;
}

/** Whether a string holds characters that a terminal would act on or that hide text. */
export function hasUnsafeChars(s: string): boolean {
  UNSAFE_CHARS.lastIndex = 0;
  const found = UNSAFE_CHARS.test(s);
  UNSAFE_CHARS.lastIndex = 0;
  return found;
}

// ---------------------------------------------------------------------------------------------------
// JWT

/** What a bearer token says about itself. Never verified, never holding the token or its signature. */
export interface JwtInfo {
  /** Fingerprint of the whole token. */
  fingerprint: string;
  algorithm: string | null;
  keyId: string | null;
  issuer: string | null;
  subject: string | null;
  /** From `system:serviceaccount:<ns>:<sa>`, or from the Kubernetes claims. */
  namespace: string | null;
  serviceAccount: string | null;
  audience: string[];
  /** ISO time, or null when the token has no `exp`. */
  expiresAt: string | null;
  issuedAt: string | null;
  /** No `exp` claim: valid until revoked (for Kubernetes, until its Secret or service account is deleted). */
  neverExpires: boolean;
  /** `exp` is in the past at the time of the check. */
  expired: boolean;
  /** A legacy service-account token (issuer `kubernetes/serviceaccount`, the kind stored in token Secrets). */
  legacyServiceAccountToken: boolean;
}

const MAX_JWT_LENGTH = 64 * 1024;
const MAX_CLAIM_LENGTH = 512;

export function looksLikeJwt(s: string): boolean {
  return s.length <= MAX_JWT_LENGTH && /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/.test(s.trim());
}

/**
 * Reads the header and claims of a JWT without verifying it. Returns null for anything that is not a
 * JWT with a JSON object as claims. Claims are cut to a sane length; the token itself is kept only as
 * its fingerprint.
 */
export function decodeJwt(token: unknown, now: number = Date.now()): JwtInfo | null {
  if (typeof token !== 'string') return null;
  const t = token.trim();
  if (!looksLikeJwt(t)) return null;
  const [h, p] = t.split('.');
  const header = decodeSegment(h);
  const claims = decodeSegment(p);
  if (!header || !claims) return null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, MAX_CLAIM_LENGTH) : null);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const issuer = str(claims.iss);
  const subject = str(claims.sub);
  let namespace: string | null = null;
  let serviceAccount: string | null = null;
  const m = subject ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject) : null;
  if (m) {
    namespace = m[1];
    serviceAccount = m[2];
  } else {
    const k8s = claims['kubernetes.io'];
    if (isPlainObject(k8s)) {
      namespace = str(k8s.namespace);
      serviceAccount = isPlainObject(k8s.serviceaccount) ? str(k8s.serviceaccount.name) : null;
    }
    namespace ??= str(claims['kubernetes.io/serviceaccount/namespace']);
    serviceAccount ??= str(claims['kubernetes.io/serviceaccount/service-account.name']);
  }
  const exp = num(claims.exp);
  const iat = num(claims.iat);
  const aud = Array.isArray(claims.aud) ? claims.aud.map(str).filter((x): x is string => x !== null).slice(0, 20) : str(claims.aud) ? [str(claims.aud)!] : [];
  return {
    fingerprint: secretFingerprint(t),
    algorithm: str(header.alg),
    keyId: str(header.kid),
    issuer,
    subject,
    namespace,
    serviceAccount,
    audience: aud,
    expiresAt: exp === null ? null : isoTime(exp),
    issuedAt: iat === null ? null : isoTime(iat),
    neverExpires: exp === null,
    expired: exp !== null && exp * 1000 < now,
    legacyServiceAccountToken: issuer === 'kubernetes/serviceaccount',
  };
}

function isoTime(seconds: number): string | null {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function decodeSegment(seg: string): Record<string, any> | null {
  try {
    const json = Buffer.from(seg, 'base64url').toString('utf8');
    const v: unknown = JSON.parse(json);
    return isPlainObject(v) ? v : null;
  } catch {
    return null;
  }
}

/** One line describing a decoded token, for messages and evidence. Holds no secret. */
export function describeJwt(j: JwtInfo): string {
  const who = j.namespace && j.serviceAccount ? `service account ${j.namespace}/${j.serviceAccount}` : j.subject ? `subject ${quote(j.subject, 120)}` : 'no subject';
  const iss = j.issuer ? `issuer ${quote(j.issuer, 120)}` : 'no issuer';
  const exp = j.neverExpires ? 'no expiry' : `${j.expired ? 'expired' : 'expires'} ${j.expiresAt}`;
  return `token ${j.fingerprint}: ${who}, ${iss}, ${exp}`;
}

/** Sets an own property even for keys like `__proto__`, which plain assignment would turn into a prototype change. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
