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
const SHOWN_KEYS = {
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
export function isShownAuthProviderKey(key) {
    return SHOWN_KEYS['auth-provider-config'].has(key);
}
/**
 * A copy of one kubeconfig section (the body of a cluster, user or context) that is safe to print: known
 * harmless fields as they are (URLs with their credentials taken out), secrets and unknown fields as
 * `<redacted sha256:...>`. `exec.args` and `auth-provider.config.cmd-args` keep their flags but lose the
 * values of flags that look secret.
 */
export function redactSection(kind, body) {
    if (!isPlainObject(body))
        return redactUnknown(body);
    const out = {};
    for (const [k, v] of Object.entries(body)) {
        if (kind === 'user' && k === 'exec')
            setOwn(out, k, redactExec(v));
        else if (kind === 'user' && k === 'auth-provider')
            setOwn(out, k, redactAuthProvider(v));
        else if (SHOWN_KEYS[kind].has(k))
            setOwn(out, k, redactShown(k, v));
        else
            setOwn(out, k, redactUnknown(v));
    }
    return out;
}
function redactExec(v) {
    if (!isPlainObject(v))
        return redactUnknown(v);
    const out = {};
    for (const [k, val] of Object.entries(v)) {
        if (k === 'args' && Array.isArray(val))
            setOwn(out, k, redactArgs(val));
        else if (k === 'env' && Array.isArray(val)) {
            out[k] = val.map((e) => isPlainObject(e) ? { name: typeof e.name === 'string' ? e.name : redactUnknown(e.name), value: redactedMarker(e.value ?? '') } : redactUnknown(e));
        }
        else if (SHOWN_KEYS.exec.has(k))
            setOwn(out, k, redactShown(k, val));
        else
            setOwn(out, k, redactUnknown(val));
    }
    return out;
}
function redactAuthProvider(v) {
    if (!isPlainObject(v))
        return redactUnknown(v);
    const out = {};
    for (const [k, val] of Object.entries(v)) {
        if (k === 'config' && isPlainObject(val)) {
            const cfg = {};
            for (const [ck, cv] of Object.entries(val)) {
                if (ck === 'cmd-args' && typeof cv === 'string')
                    setOwn(cfg, ck, redactArgs(splitArgs(cv)).join(' '));
                else
                    setOwn(cfg, ck, isShownAuthProviderKey(ck) ? redactShown(ck, cv) : redactUnknown(cv));
            }
            setOwn(out, k, cfg);
        }
        else if (SHOWN_KEYS['auth-provider'].has(k))
            setOwn(out, k, redactShown(k, val));
        else
            setOwn(out, k, redactUnknown(val));
    }
    return out;
}
/** A shown field: scalars as they are, URLs without credentials, anything nested fingerprinted. */
function redactShown(key, v) {
    if (typeof v === 'string')
        return /url$|^server$/i.test(key) ? redactUrl(v) : v;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null)
        return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
        return v.slice();
    return redactUnknown(v);
}
/** Unknown or secret: strings and other scalars fingerprinted; structure kept so the shape is visible. */
function redactUnknown(v) {
    if (v === null || v === undefined || typeof v === 'boolean')
        return v;
    if (Array.isArray(v))
        return v.map(redactUnknown);
    if (isPlainObject(v)) {
        const out = {};
        for (const [k, val] of Object.entries(v))
            setOwn(out, k, redactUnknown(val));
        return out;
    }
    return redactedMarker(v);
}
// ---------------------------------------------------------------------------------------------------
// URLs and command lines
const SECRET_FLAG = /(secret|token|passw|pwd|credential|api-?key|private-?key|auth)/i;
/**
 * Command-line arguments with the values of secret-looking flags fingerprinted: `--client-secret=x`,
 * `--token x`, `--password=x` (kubelogin, for one, takes `--oidc-client-secret=...`). Flags and other
 * arguments stay readable. Non-strings are fingerprinted.
 */
export function redactArgs(args) {
    const out = [];
    let hideNext = false;
    for (const a of args) {
        if (typeof a !== 'string') {
            out.push(redactedMarker(a));
            hideNext = false;
            continue;
        }
        if (hideNext && !a.startsWith('-')) {
            out.push(redactedMarker(a));
            hideNext = false;
            continue;
        }
        hideNext = false;
        const eq = a.indexOf('=');
        if (a.startsWith('-') && eq > 0) {
            const flag = a.slice(0, eq);
            out.push(SECRET_FLAG.test(flag) ? `${flag}=${redactedMarker(a.slice(eq + 1))}` : a);
        }
        else if (a.startsWith('-')) {
            out.push(a);
            hideNext = SECRET_FLAG.test(a);
        }
        else if (/^(bearer|basic)\s/i.test(a) || looksLikeJwt(a)) {
            out.push(redactedMarker(a));
        }
        else
            out.push(a);
    }
    return out;
}
/** Splits a shell-ish argument string (`cmd-args`) on whitespace, for redaction only; quotes are not interpreted. */
export function splitArgs(s) {
    return s.split(/\s+/).filter(Boolean);
}
// ---------------------------------------------------------------------------------------------------
// Display of untrusted strings
/**
 * An untrusted string made safe to put in a message: quoted, control characters, bidirectional
 * overrides and other invisible characters escaped (they could rewrite a terminal line or hide text),
 * and cut to `max` characters. Callers must still never pass secret values here.
 */
export function quote(s, max = 160) {
    const cut = s.length > max ? s.slice(0, max) + '…' : s;
    return `"${terminalSafe(cut.replace(/["\\]/g, (c) => `\\${c}`))}"`;
}
/** Whether a string holds characters that a terminal would act on or that hide text. */
export function hasUnsafeChars(s) {
    UNSAFE_CHARS.lastIndex = 0;
    const found = UNSAFE_CHARS.test(s);
    UNSAFE_CHARS.lastIndex = 0;
    return found;
}
const MAX_JWT_LENGTH = 64 * 1024;
const MAX_CLAIM_LENGTH = 512;
export function looksLikeJwt(s) {
    return s.length <= MAX_JWT_LENGTH && /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/.test(s.trim());
}
/**
 * Reads the header and claims of a JWT without verifying it. Returns null for anything that is not a
 * JWT with a JSON object as claims. Claims are cut to a sane length; the token itself is kept only as
 * its fingerprint.
 */
export function decodeJwt(token, now = Date.now()) {
    if (typeof token !== 'string')
        return null;
    const t = token.trim();
    if (!looksLikeJwt(t))
        return null;
    const [h, p] = t.split('.');
    const header = decodeSegment(h);
    const claims = decodeSegment(p);
    if (!header || !claims)
        return null;
    const str = (v) => (typeof v === 'string' ? v.slice(0, MAX_CLAIM_LENGTH) : null);
    const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const issuer = str(claims.iss);
    const subject = str(claims.sub);
    let namespace = null;
    let serviceAccount = null;
    const m = subject ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject) : null;
    if (m) {
        namespace = m[1];
        serviceAccount = m[2];
    }
    else {
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
    const aud = Array.isArray(claims.aud) ? claims.aud.map(str).filter((x) => x !== null).slice(0, 20) : str(claims.aud) ? [str(claims.aud)] : [];
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
function isoTime(seconds) {
    const d = new Date(seconds * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
function decodeSegment(seg) {
    try {
        const json = Buffer.from(seg, 'base64url').toString('utf8');
        const v = JSON.parse(json);
        return isPlainObject(v) ? v : null;
    }
    catch {
        return null;
    }
}
/** One line describing a decoded token, for messages and evidence. Holds no secret. */
export function describeJwt(j) {
    const who = j.namespace && j.serviceAccount ? `service account ${j.namespace}/${j.serviceAccount}` : j.subject ? `subject ${quote(j.subject, 120)}` : 'no subject';
    const iss = j.issuer ? `issuer ${quote(j.issuer, 120)}` : 'no issuer';
    const exp = j.neverExpires ? 'no expiry' : `${j.expired ? 'expired' : 'expires'} ${j.expiresAt}`;
    return `token ${j.fingerprint}: ${who}, ${iss}, ${exp}`;
}
/** Sets an own property even for keys like `__proto__`, which plain assignment would turn into a prototype change. */
function setOwn(obj, key, value) {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
export function isPlainObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
