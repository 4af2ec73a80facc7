/**
 * fast-check generators for hostile input: names full of line breaks, YAML syntax, control and bidi
 * characters and Object.prototype member names; YAML text built from manifests and then cut and
 * spliced; kubeconfigs and files carrying canary secrets in every place a secret can be.
 *
 * Canaries are unique strings: a property fails when one appears in any output.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
/** Fixed seed for `npm test`; MESHWARD_FUZZ_SEED and MESHWARD_FUZZ_RUNS (a multiplier) for longer local runs. */
export const FUZZ_SEED = Number(process.env.MESHWARD_FUZZ_SEED ?? 20261203);
const RUN_FACTOR = Math.max(1, Number(process.env.MESHWARD_FUZZ_RUNS ?? 1) || 1);
/** fast-check parameters for a property run in `npm test`: fixed seed, bounded runs. */
export function fuzzParams(numRuns) {
    return { seed: FUZZ_SEED, numRuns: Math.round(numRuns * RUN_FACTOR), endOnFailure: true };
}
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf', '__defineGetter__'];
/** Pieces that break naive serialisers, comments, terminals and lookups. */
const HOSTILE_PIECES = [
    '\n',
    '\r\n',
    '\r',
    '---',
    '...',
    '# ',
    '#',
    '"',
    "'",
    '\\',
    ':',
    ': ',
    '- ',
    '{',
    '}',
    '[',
    ']',
    ',',
    '&a ',
    '*a',
    '!',
    '!!str ',
    '<<: ',
    '%',
    '@',
    '`',
    '|',
    '>',
    '?',
    ' ',
    '\t',
    '\u0000',
    '\u0007',
    '\u001b[2J',
    '\u001b]8;;http://x\u0007',
    '\u007f',
    '\u0085',
    '\u202e',
    '\u2066',
    '\u2028',
    '\u200b',
    '\ufeff',
    '\ud83d\ude00',
    '\ud800',
    ...PROTOTYPE_NAMES,
    'kind: ClusterRoleBinding',
    'apiVersion: v1',
];
/** A short string made of hostile pieces, ordinary names and random characters. */
export const hostileString = fc
    .array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.constantFrom('shop', 'payments', 'istio-system', 'default', 'a', 'x-1'), fc.string({ maxLength: 6, unit: 'binary' })), {
    minLength: 1,
    maxLength: 6,
})
    .map((parts) => parts.join(''));
/** A DNS-label-like name most of the time, a hostile one otherwise. */
export const nameLike = fc.oneof({ weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) }, { weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) });
const KINDS = [
    ['v1', 'Pod'],
    ['v1', 'Service'],
    ['v1', 'Namespace'],
    ['v1', 'Secret'],
    ['v1', 'ConfigMap'],
    ['apps/v1', 'Deployment'],
    ['networking.istio.io/v1', 'VirtualService'],
    ['networking.istio.io/v1', 'DestinationRule'],
    ['networking.istio.io/v1', 'ServiceEntry'],
    ['networking.istio.io/v1', 'Gateway'],
    ['networking.istio.io/v1', 'Sidecar'],
    ['security.istio.io/v1', 'AuthorizationPolicy'],
    ['security.istio.io/v1', 'PeerAuthentication'],
    ['security.istio.io/v1', 'RequestAuthentication'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ['install.istio.io/v1alpha1', 'IstioOperator'],
];
/** A JSON-ish value of bounded size whose keys may be hostile. */
const smallValue = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.constantFrom(1337, 15001, 15006, 'ALLOW_ANY', 'STRICT', 'PERMISSIVE', 'DISABLE', '*', '0.0.0.0/0', 'NET_ADMIN'), nameLike, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.oneof(nameLike, fc.constantFrom('hosts', 'selector', 'matchLabels', 'rules', 'ports', 'containers', 'name', 'image', 'mode', 'action')), tie('value'), { maxKeys: 4 })),
})).value;
/**
 * A manifest: a known kind with hostile metadata and a random spec; with `prototypeKinds`, also kinds
 * named like Object.prototype members (issue 10 class 2).
 */
export function manifestOf(prototypeKinds) {
    const kind = prototypeKinds
        ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KINDS) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('v1', 'x/v1', ''), fc.constantFrom(...PROTOTYPE_NAMES)) })
        : fc.constantFrom(...KINDS);
    return fc.tuple(kind, nameLike, fc.option(nameLike, { nil: undefined }), fc.dictionary(nameLike, nameLike, { maxKeys: 3 }), smallValue).map(([[apiVersion, kind], name, namespace, labels, spec]) => ({ apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels }, spec }));
}
/** Splices hostile pieces into text at random places, and may cut it. */
export function mutated(text) {
    return fc
        .tuple(text, fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...HOSTILE_PIECES), hostileString)), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
        .map(([t, edits, cut]) => {
        let out = t;
        for (const [at, piece] of edits) {
            const i = out.length ? at % (out.length + 1) : 0;
            out = out.slice(0, i) + piece + out.slice(i);
        }
        return cut === undefined || !out.length ? out : out.slice(0, cut % (out.length + 1));
    });
}
/** YAML text of one to three manifests, often mutated, sometimes raw hostile pieces. */
export function manifestYamlOf(prototypeKinds) {
    const docs = fc.array(manifestOf(prototypeKinds), { minLength: 1, maxLength: 3 }).map((ds) => ds.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
    return fc.oneof({ weight: 2, arbitrary: docs }, { weight: 3, arbitrary: mutated(docs) }, { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 12 }).map((l) => l.join('\n')) });
}
export const manifestYaml = manifestYamlOf(false);
/** Also kinds named `__proto__`, `constructor`, `toString`... */
export const manifestYamlWithPrototypeKinds = manifestYamlOf(true);
// ---------------------------------------------------------------------------------------------------
// Canaries
/** A canary: `CANARY` + a tag saying where it was put + digits, so a leak names its source. */
export function canary(where) {
    return fc.integer({ min: 100000, max: 999999 }).map((n) => `CANARY${where}${n}`);
}
export const CANARY_PATTERN = /CANARY[A-Za-z]*\d{6}/;
/** Characters that make WHATWG URL refuse or misread a password. */
const URL_BREAKERS = ['#', '/', '?', '\\', '@', '%', ' ', '[', ':'];
/** A URL whose userinfo (and maybe query) holds canaries, its password often unparseable. */
export const secretUrl = fc
    .tuple(fc.constantFrom('https', 'http', 'socks5', ''), fc.option(fc.stringMatching(/^[a-z]{1,8}$/), { nil: undefined }), canary('Pass'), fc.array(fc.constantFrom(...URL_BREAKERS), { maxLength: 3 }), fc.constantFrom('east.example:6443', '10.0.0.1', '[::1]:443', 'proxy.example:3128', '169.254.169.254'), fc.option(canary('Query'), { nil: undefined }))
    .map(([scheme, user, pass, breakers, host, query]) => {
    const password = breakers.reduce((p, b, i) => p.slice(0, (i * 3) % (p.length + 1)) + b + p.slice((i * 3) % (p.length + 1)), pass);
    return `${scheme ? `${scheme}://` : ''}${user ? `${user}:` : ''}${password}@${host}${query ? `/path?access_token=${query}` : ''}`;
});
/** A kubeconfig object with canary secrets in every secret field, and hostile names elsewhere. */
export const canaryKubeconfig = fc
    .tuple(nameLike, secretUrl, fc.option(secretUrl, { nil: undefined }), canary('Token'), canary('Password'), canary('KeyData'), canary('EnvValue'), canary('ClientSecret'), canary('RefreshToken'), fc.boolean(), fc.boolean())
    .map(([name, server, proxy, token, password, keyData, envValue, clientSecret, refresh, withExec, withProvider]) => ({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, ...(proxy ? { 'proxy-url': proxy } : {}), 'insecure-skip-tls-verify': true } }],
    users: [
        {
            name,
            user: {
                token,
                username: 'admin',
                password,
                'client-key-data': keyData,
                ...(withExec ? { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'id', `--token=${token}`], env: [{ name: 'SECRET', value: envValue }] } } : {}),
                ...(withProvider ? { 'auth-provider': { name: 'oidc', config: { 'client-secret': clientSecret, 'refresh-token': refresh, 'idp-issuer-url': server } } } : {}),
            },
        },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
}));
/** Kubeconfig text: YAML or JSON, sometimes with a tag or alias named after a canary spliced in. */
export const canaryKubeconfigText = fc
    .tuple(canaryKubeconfig, fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.constantFrom('!', '*', '&'), canary('Tag')), { nil: undefined }))
    .map(([k, json, splice]) => {
    const text = json ? JSON.stringify(k, null, 1) : stringify(k, { lineWidth: 0 });
    if (!splice)
        return text;
    const [at, sigil, name] = splice;
    // After a plain or JSON-quoted key's `: `, where a tag, alias or anchor is read as such (inside a
    // quoted name it would just be part of the name, which may be shown).
    const spots = [...text.matchAll(/^\s*(?:- )?(?:[A-Za-z][\w-]*|"[A-Za-z][\w-]*"): /gm)].map((m) => m.index + m[0].length);
    if (!spots.length)
        return text;
    const i = spots[at % spots.length];
    return `${text.slice(0, i)}${sigil}${name} ${text.slice(i)}`;
});
