/**
 * Bootstrap tokens: 32 random bytes (256 bits), shown once to whoever runs `meshward server
 * register-cluster`, stored only as their SHA-256. A plain hash is right here, unlike for passwords:
 * the token is high-entropy, so no dictionary or brute force can invert its hash, and a lookup by hash
 * needs no per-token salt. The `mwb_` prefix lets secret scanners recognise a leaked token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
const PREFIX = 'mwb_';
/** base64url of 32 bytes: 43 characters. */
const TOKEN_PATTERN = /^mwb_[A-Za-z0-9_-]{43}$/;
export function newBootstrapToken() {
    return PREFIX + randomBytes(32).toString('base64url');
}
export function isBootstrapTokenShape(s) {
    return typeof s === 'string' && TOKEN_PATTERN.test(s);
}
/** The stored form: lowercase hex SHA-256 of the whole token. */
export function hashBootstrapToken(token) {
    return createHash('sha256').update(token, 'utf8').digest('hex');
}
/** Constant-time equality of two hex hashes (for callers that compare hashes in memory). */
export function sameHash(a, b) {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
}
/**
 * The token of an `Authorization: Bearer ...` header, or undefined. Bounded: a header longer than any
 * token is not looked into.
 */
export function bearerToken(header) {
    if (typeof header !== 'string' || header.length > 256)
        return undefined;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return m ? m[1] : undefined;
}
