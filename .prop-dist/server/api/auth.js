/**
 * Who is calling the API, and may they: bearer tokens from a file (stored as SHA-256 hashes, roles
 * viewer and admin), or, behind an OIDC proxy, a trusted header carrying the user, believed only on
 * connections from listed CIDRs (anyone else sending the header is ignored, not trusted).
 *
 * The tokens file (YAML or JSON; docs/relay.md):
 *
 *   tokens:
 *     - name: ci-reader            # shown in logs and as a suppression's createdBy
 *       role: viewer               # viewer | admin
 *       sha256: 9f86d0...          # hex SHA-256 of the token (`printf %s "$TOKEN" | sha256sum`)
 *   proxyUsers:                    # roles of users the trusted proxy names (default: viewer)
 *     - user: alice@example.com
 *       role: admin
 *
 * Tokens are random strings of at least 128 bits (the server refuses none, but docs say so), so one
 * unsalted SHA-256 is enough: there is nothing to brute-force, and a leaked file holds no token.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import yaml from 'js-yaml';
export class AuthConfigError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AuthConfigError';
    }
}
const HEX64 = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9@._:+-]{1,128}$/;
const MAX_TOKENS_FILE_BYTES = 1024 * 1024;
export function sha256Hex(s) {
    return createHash('sha256').update(s, 'utf8').digest('hex');
}
/** Reads and validates a tokens file; the error names the file and the entry. */
export function parseTokensFile(text, file) {
    let doc;
    try {
        doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, json: true });
    }
    catch (err) {
        throw new AuthConfigError(`${file}: not valid YAML or JSON (${String(err.message).split('\n')[0]})`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
        throw new AuthConfigError(`${file}: expected a mapping with a "tokens" list`);
    const d = doc;
    const tokens = [];
    const list = Object.hasOwn(d, 'tokens') ? d.tokens : [];
    if (!Array.isArray(list))
        throw new AuthConfigError(`${file}: "tokens" must be a list`);
    list.forEach((t, i) => {
        const e = t;
        if (!e || typeof e !== 'object')
            throw new AuthConfigError(`${file}: tokens[${i}] must be a mapping with name, role and sha256`);
        if (typeof e.name !== 'string' || !NAME.test(e.name))
            throw new AuthConfigError(`${file}: tokens[${i}].name must be 1-128 letters, digits or @._:+-`);
        if (e.role !== 'viewer' && e.role !== 'admin')
            throw new AuthConfigError(`${file}: tokens[${i}].role must be viewer or admin`);
        const hash = typeof e.sha256 === 'string' ? e.sha256.toLowerCase() : '';
        if (!HEX64.test(hash))
            throw new AuthConfigError(`${file}: tokens[${i}].sha256 must be the 64 hex digits of the token's SHA-256 (the token itself never goes in this file)`);
        tokens.push({ name: e.name, role: e.role, sha256: hash });
    });
    const proxyUsers = [];
    const users = Object.hasOwn(d, 'proxyUsers') ? d.proxyUsers : [];
    if (!Array.isArray(users))
        throw new AuthConfigError(`${file}: "proxyUsers" must be a list`);
    users.forEach((u, i) => {
        const e = u;
        if (!e || typeof e !== 'object' || typeof e.user !== 'string' || !NAME.test(e.user))
            throw new AuthConfigError(`${file}: proxyUsers[${i}].user must be 1-128 letters, digits or @._:+-`);
        if (e.role !== 'viewer' && e.role !== 'admin')
            throw new AuthConfigError(`${file}: proxyUsers[${i}].role must be viewer or admin`);
        proxyUsers.push({ user: e.user, role: e.role });
    });
    return { tokens, proxyUsers };
}
export function readTokensFile(file) {
    let buf;
    try {
        buf = readFileSync(file);
    }
    catch (err) {
        throw new AuthConfigError(`cannot read the tokens file ${file}: ${err.code ?? 'error'}`);
    }
    if (buf.length > MAX_TOKENS_FILE_BYTES)
        throw new AuthConfigError(`${file}: larger than ${MAX_TOKENS_FILE_BYTES} bytes`);
    return parseTokensFile(buf.toString('utf8'), file);
}
/** Parses `10.0.0.0/8`, `::1/128` or a bare address into a BlockList; throws naming the bad entry. */
export function cidrList(cidrs) {
    const list = new BlockList();
    for (const c of cidrs) {
        const [addr, bits, extra] = c.split('/');
        const family = isIP(addr);
        if (!family || extra !== undefined)
            throw new AuthConfigError(`--trusted-proxy-cidr ${JSON.stringify(c)}: expected an address or address/prefix, e.g. 10.0.0.0/8`);
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (bits === undefined) {
            list.addAddress(addr, type);
            continue;
        }
        const prefix = Number(bits);
        if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128))
            throw new AuthConfigError(`--trusted-proxy-cidr ${JSON.stringify(c)}: bad prefix length`);
        list.addSubnet(addr, prefix, type);
    }
    return list;
}
export class Authenticator {
    byHash = new Map();
    proxyRoles = new Map();
    proxyHeader;
    proxyFrom;
    constructor(cfg) {
        for (const t of cfg.tokens)
            this.byHash.set(t.sha256, { name: t.name, role: t.role });
        for (const u of cfg.proxyUsers)
            this.proxyRoles.set(u.user, u.role);
        this.proxyHeader = cfg.proxyHeader ? cfg.proxyHeader.toLowerCase() : null;
        if (this.proxyHeader && cfg.proxyCidrs.length === 0)
            throw new AuthConfigError('--trusted-proxy-header needs at least one --trusted-proxy-cidr: the header is believed only from the proxy');
        this.proxyFrom = cidrList(cfg.proxyCidrs);
    }
    get tokenCount() {
        return this.byHash.size;
    }
    authenticate(req) {
        const auth = req.headers.authorization;
        if (typeof auth === 'string' && auth.length > 0) {
            const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(auth);
            if (!m)
                return { ok: false, status: 401, error: 'bad-authorization', message: 'the Authorization header must be "Bearer <token>"' };
            const hash = sha256Hex(m[1]);
            const hit = this.byHash.get(hash);
            // Looked up by the token's hash: timing can tell at most how much of a hash matched, never of a token.
            if (hit)
                return { ok: true, principal: { name: hit.name, role: hit.role, via: 'token' } };
            return { ok: false, status: 401, error: 'bad-token', message: 'the bearer token is not in the server\'s tokens file (revoked, mistyped, or meant for another server)' };
        }
        if (this.proxyHeader) {
            const raw = req.headers[this.proxyHeader];
            if (typeof raw === 'string' && raw.length > 0) {
                const remote = req.socket.remoteAddress ?? '';
                const family = isIP(remote);
                if (family && this.proxyFrom.check(remote, family === 4 ? 'ipv4' : 'ipv6')) {
                    if (!NAME.test(raw))
                        return { ok: false, status: 401, error: 'bad-proxy-user', message: `the ${this.proxyHeader} header must be 1-128 letters, digits or @._:+-` };
                    return { ok: true, principal: { name: `proxy:${raw}`, role: this.proxyRoles.get(raw) ?? 'viewer', via: 'proxy' } };
                }
                // A header from anywhere else is ignored: anyone can send it.
            }
        }
        return { ok: false, status: 401, error: 'unauthenticated', message: this.proxyHeader ? 'send "Authorization: Bearer <token>", or come through the trusted proxy' : 'send "Authorization: Bearer <token>" (a token from the server\'s --tokens-file)' };
    }
}
/** Sends 401/403 with a body that says why. */
export function refuse(reply, status, error, message) {
    if (status === 401)
        reply.header('www-authenticate', 'Bearer realm="meshward"');
    return reply.code(status).type('application/json').send({ error, message });
}
