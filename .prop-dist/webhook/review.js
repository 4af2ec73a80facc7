export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_REVIEW_KIND = 'AdmissionReview';
/**
 * Largest body accepted. An object is at most about 1.5 MiB (etcd's request limit); an UPDATE carries
 * the object twice, plus the review's own fields.
 */
export const MAX_REVIEW_BYTES = 3 * 1024 * 1024;
/** Longest uid, kind, name... accepted (Kubernetes names are at most 253 characters; uids are 36). */
const MAX_FIELD = 512;
const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);
/** A review that cannot be judged: answered with this HTTP status and message. */
export class ReviewError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}
function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
}
/** An own property only: a review's `__proto__` or `constructor` key is data, never the prototype's. */
function own(o, key) {
    return Object.hasOwn(o, key) ? o[key] : undefined;
}
function str(o, key, where, required) {
    const v = own(o, key);
    if (v === undefined || v === null) {
        if (required)
            throw new ReviewError(400, `AdmissionReview: ${where}.${key} is missing`);
        return '';
    }
    if (typeof v !== 'string')
        throw new ReviewError(400, `AdmissionReview: ${where}.${key} must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
    if (v.length > MAX_FIELD)
        throw new ReviewError(400, `AdmissionReview: ${where}.${key} is over ${MAX_FIELD} characters`);
    if (required && !v)
        throw new ReviewError(400, `AdmissionReview: ${where}.${key} is empty`);
    return v;
}
function gvk(o, key, third) {
    const v = own(o, key);
    if (!isObject(v))
        throw new ReviewError(400, `AdmissionReview: request.${key} must be an object with group, version and ${third}`);
    return { group: str(v, 'group', `request.${key}`, false), version: str(v, 'version', `request.${key}`, true), [third]: str(v, third, `request.${key}`, true) };
}
/** The uid of a review, when it has a usable one (for logging a review refused for another reason). */
export function uidOf(review) {
    if (!isObject(review))
        return null;
    const req = own(review, 'request');
    if (!isObject(req))
        return null;
    const uid = own(req, 'uid');
    return typeof uid === 'string' && uid.length <= MAX_FIELD ? uid : null;
}
/** Parses and validates a review body. Throws ReviewError (400) naming the field that is wrong. */
export function parseReview(body) {
    let review;
    try {
        review = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    }
    catch (err) {
        // JSON.parse's message quotes a few characters of the body: give only the position.
        const at = /position (\d+)/.exec(err.message)?.[1];
        throw new ReviewError(400, `request body is not valid JSON${at ? ` (at byte ${at})` : ''}: send an AdmissionReview ${ADMISSION_API_VERSION}`);
    }
    if (!isObject(review))
        throw new ReviewError(400, `request body must be a JSON object: an AdmissionReview ${ADMISSION_API_VERSION}`);
    const apiVersion = own(review, 'apiVersion');
    const kind = own(review, 'kind');
    if (apiVersion !== ADMISSION_API_VERSION) {
        // Named back only when it is an admission API version: anything else might be anything.
        const shown = typeof apiVersion === 'string' && /^admission\.k8s\.io\/v\d+(?:(?:alpha|beta)\d+)?$/.test(apiVersion) ? `"${apiVersion}"` : apiVersion === undefined ? 'missing' : 'another value';
        throw new ReviewError(400, `AdmissionReview apiVersion must be ${ADMISSION_API_VERSION}, not ${shown}: set admissionReviewVersions: [v1] in the ValidatingWebhookConfiguration`);
    }
    if (kind !== ADMISSION_REVIEW_KIND)
        throw new ReviewError(400, `kind must be ${ADMISSION_REVIEW_KIND}${kind === undefined ? ' (it is missing)' : ''}`);
    const req = own(review, 'request');
    if (!isObject(req))
        throw new ReviewError(400, 'AdmissionReview: request is missing (a review sent to the webhook carries a request)');
    const uid = str(req, 'uid', 'request', true);
    const operation = str(req, 'operation', 'request', true);
    if (!OPERATIONS.has(operation))
        throw new ReviewError(400, `AdmissionReview: request.operation must be CREATE, UPDATE, DELETE or CONNECT${/^[A-Z]{1,10}$/.test(operation) ? `, not ${operation}` : ''}`);
    const dryRun = own(req, 'dryRun');
    if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean')
        throw new ReviewError(400, 'AdmissionReview: request.dryRun must be true or false');
    const userInfo = own(req, 'userInfo');
    const groups = isObject(userInfo) ? own(userInfo, 'groups') : undefined;
    const object = own(req, 'object');
    const oldObject = own(req, 'oldObject');
    for (const [name, v] of [['object', object], ['oldObject', oldObject]]) {
        if (v !== undefined && v !== null && !isObject(v))
            throw new ReviewError(400, `AdmissionReview: request.${name} must be an object`);
    }
    if ((operation === 'CREATE' || operation === 'UPDATE') && !isObject(object))
        throw new ReviewError(400, `AdmissionReview: request.object is missing (a ${operation} carries the new object)`);
    const namespace = str(req, 'namespace', 'request', false);
    const name = str(req, 'name', 'request', false);
    return {
        uid,
        kind: gvk(req, 'kind', 'kind'),
        resource: gvk(req, 'resource', 'resource'),
        namespace,
        name,
        operation: operation,
        object: withIdentity(object, namespace, name),
        oldObject: withIdentity(oldObject, namespace, name),
        dryRun: dryRun === true,
        userInfo: {
            username: isObject(userInfo) && typeof own(userInfo, 'username') === 'string' ? String(own(userInfo, 'username')).slice(0, MAX_FIELD) : '',
            groups: Array.isArray(groups) ? groups.filter((g) => typeof g === 'string').slice(0, 256).map((g) => g.slice(0, MAX_FIELD)) : [],
        },
    };
}
/**
 * The object with the namespace and name the review states. The API server has already made them agree
 * (and fills the namespace from the URL), but an object created with generateName has no name yet and
 * a client may leave the namespace out: the review's values are the ones the object will have.
 */
function withIdentity(o, namespace, name) {
    if (!isObject(o))
        return null;
    const meta = isObject(own(o, 'metadata')) ? own(o, 'metadata') : {};
    const fixed = { ...meta };
    if (namespace)
        fixed.namespace = namespace;
    if (name && (typeof own(meta, 'name') !== 'string' || !own(meta, 'name')))
        fixed.name = name;
    const copy = { ...o };
    Object.defineProperty(copy, 'metadata', { value: fixed, enumerable: true, writable: true, configurable: true });
    return copy;
}
/** The AdmissionReview answer for a verdict (same uid). Empty warnings and annotations are left out. */
export function reviewResponse(uid, v) {
    const response = { uid, allowed: v.allowed };
    if (v.status)
        response.status = { code: v.status.code, message: v.status.message };
    if (v.warnings.length)
        response.warnings = v.warnings;
    if (Object.keys(v.auditAnnotations).length)
        response.auditAnnotations = v.auditAnnotations;
    return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_REVIEW_KIND, response };
}
