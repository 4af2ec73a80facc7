/**
 * /api/openapi.json, made from the same route table and schemas fastify validates with (./routes.ts,
 * ./schemas.ts). OpenAPI 3.1, whose schema dialect is JSON Schema: the schemas go in unchanged but
 * for their `$id`s and the `X#` references, which become `#/components/schemas/X`.
 */
import { ROUTES } from './routes.js';
import { sharedSchemas } from './schemas.js';
function rewriteRefs(v) {
    if (Array.isArray(v))
        return v.map(rewriteRefs);
    if (!v || typeof v !== 'object')
        return v;
    const out = {};
    for (const [k, x] of Object.entries(v)) {
        if (k === '$id')
            continue;
        if (k === '$ref' && typeof x === 'string' && x.endsWith('#'))
            out[k] = `#/components/schemas/${x.slice(0, -1)}`;
        else
            out[k] = rewriteRefs(x);
    }
    return out;
}
/** `/api/clusters/:cluster` → `/api/clusters/{cluster}`. */
export function openApiPath(url) {
    return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
const STATUS_TEXT = {
    200: 'OK',
    201: 'Created',
    204: 'Done (no body)',
    400: 'The request is malformed: the body says which field and why',
    401: 'No credentials, or credentials the server does not know',
    403: 'Authenticated, but the role does not allow this',
    404: 'No such object',
};
export function openApiDocument(version) {
    const paths = {};
    for (const r of ROUTES) {
        const p = (paths[openApiPath(r.url)] ??= {});
        const parameters = [];
        const params = r.params;
        for (const [name, schema] of Object.entries(params?.properties ?? {}))
            parameters.push({ name, in: 'path', required: true, schema });
        const query = r.querystring;
        for (const [name, schema] of Object.entries(query?.properties ?? {})) {
            const isArray = schema.type === 'array';
            parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema, ...(isArray ? { style: 'form', explode: true } : {}) });
        }
        const responses = {};
        for (const [code, schema] of Object.entries(r.response)) {
            const c = Number(code);
            responses[code] = c === 204 ? { description: STATUS_TEXT[c] } : { description: STATUS_TEXT[c] ?? String(c), content: { 'application/json': { schema: rewriteRefs(schema) } } };
        }
        p[r.method.toLowerCase()] = {
            summary: r.summary,
            tags: [r.tag],
            operationId: `${r.method.toLowerCase()}${openApiPath(r.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c) => (c ? c.toUpperCase() : ''))}`,
            ...(r.role ? { security: [{ bearer: [] }], 'x-meshward-role': r.role } : { security: [] }),
            ...(parameters.length ? { parameters: rewriteRefs(parameters) } : {}),
            ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: rewriteRefs(r.body) } } } } : {}),
            responses,
        };
    }
    const schemas = {};
    for (const s of sharedSchemas)
        schemas[s.$id] = rewriteRefs(s);
    return {
        openapi: '3.1.0',
        info: { title: 'meshward relay API', version, description: 'Findings, clusters, posture, tenants, blast radius and suppressions of a meshward server (docs/relay.md).' },
        servers: [{ url: '/' }],
        paths: {
            ...paths,
            '/api/openapi.json': { get: { summary: 'This document', tags: ['meta'], operationId: 'getOpenApi', security: [], responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } } },
            '/metrics': { get: { summary: 'Prometheus metrics (viewer)', tags: ['meta'], operationId: 'getMetrics', security: [{ bearer: [] }], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: { description: STATUS_TEXT[401] } } } },
            '/healthz': { get: { summary: 'Liveness: the process answers', tags: ['meta'], operationId: 'getHealthz', security: [], responses: { 200: { description: 'alive', content: { 'application/json': { schema: { type: 'object' } } } } } } },
            '/readyz': { get: { summary: 'Readiness: the store answers and its schema is migrated', tags: ['meta'], operationId: 'getReadyz', security: [], responses: { 200: { description: 'ready', content: { 'application/json': { schema: { type: 'object' } } } }, 503: { description: 'not ready (the body says why)', content: { 'application/json': { schema: { type: 'object' } } } } } } },
        },
        components: {
            schemas,
            securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from the server\'s --tokens-file (or a trusted proxy\'s user header)' } },
        },
    };
}
