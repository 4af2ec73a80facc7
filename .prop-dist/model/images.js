/**
 * Parsed references by their text. The same few images run in thousands of containers and several
 * rules ask about each container, so parsing once per distinct text saves most of the work (it was
 * a tenth of the rules phase on inputs of many pods). Results are frozen and shared; the memo is
 * emptied when it reaches MEMO_LIMIT texts, so hostile input with a million distinct images costs
 * parsing, never memory.
 */
const memo = new Map();
/**
 * Repositories of 100,000 objects hold over 16,000 distinct image texts (a tag per app and release):
 * a memo smaller than that is emptied again and again while every rule walks the containers, and
 * parses nearly every reference each time. 65,536 entries of a few hundred bytes each stay under
 * 20 MB whatever the input.
 */
const MEMO_LIMIT = 65_536;
export function parseImage(ref) {
    if (!ref || typeof ref !== 'string')
        return null;
    const known = memo.get(ref);
    if (known !== undefined)
        return known;
    const parsed = parseImageText(ref);
    if (memo.size >= MEMO_LIMIT)
        memo.clear();
    memo.set(ref, parsed);
    return parsed;
}
function parseImageText(ref) {
    // Image references are printable ASCII; anything else (spaces, control characters) is not one.
    if (ref.length > 1024 || /[^\x21-\x7e]/.test(ref))
        return null;
    let rest = ref;
    let digest = null;
    const at = rest.indexOf('@');
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag = null;
    const lastSlash = rest.lastIndexOf('/');
    const colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    if (!rest)
        return null;
    const parts = rest.split('/');
    let registry = 'docker.io';
    // The first component is a registry only if it looks like a host (has a dot or port, or is localhost).
    if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
        registry = parts.shift();
    }
    if (registry === 'index.docker.io' || registry === 'registry-1.docker.io')
        registry = 'docker.io';
    let repository = parts.join('/');
    if (registry === 'docker.io' && parts.length === 1)
        repository = `library/${repository}`;
    return Object.freeze({ registry, repository, tag, digest, name: `${registry}/${repository}` });
}
