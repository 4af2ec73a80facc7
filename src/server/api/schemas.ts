/**
 * The API's JSON schemas, written once: fastify validates requests and serializes responses with
 * them, and /api/openapi.json is built from them (./openapi.ts). A schema here is the contract.
 *
 * Query and path inputs are tight (patterns, bounds, no extra properties) so a hostile query string
 * (`__proto__`, control characters, a limit of 10^9) is refused with a 400 before any handler runs.
 */
import { SEVERITIES } from '../../engine/finding.js';

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;

/** A cluster name (DNS label) or the fleet's reserved name. */
export const CLUSTER_PARAM = { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?|\\(fleet\\))$' } as const;
export const NAMESPACE_PARAM = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } as const;
export const RULE_PARAM = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$' } as const;
export const FINGERPRINT_PARAM = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
export const SEVERITY = { type: 'string', enum: [...SEVERITIES] } as const;
export const STATE = { type: 'string', enum: ['open', 'resolved'] } as const;
/** An opaque page cursor (the store's), bounded and free of control characters. */
export const CURSOR_PARAM = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[\\x21-\\x7e]+$' } as const;

const listOf = (item: object, max = 50) => ({ type: 'array', items: item, maxItems: max }) as const;

export const errorBody = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: { error: str, message: str },
} as const;

export const resourceRef = {
  $id: 'ResourceRef',
  type: 'object',
  required: ['cluster', 'apiVersion', 'kind', 'namespace', 'name'],
  properties: { cluster: str, apiVersion: str, kind: str, namespace: str, name: str },
} as const;

/** A file location (file, line, column, path) or a cluster location (cluster, object, path). */
export const location = {
  $id: 'Location',
  type: ['object', 'null'],
  properties: { cluster: str, object: str, path: str, file: str, line: int, column: int },
} as const;

export const evidence = {
  $id: 'Evidence',
  type: 'object',
  required: ['role', 'description'],
  properties: { role: str, description: str, resource: { $ref: 'ResourceRef#' }, location: { $ref: 'Location#' } },
} as const;

export const suppressionRef = {
  $id: 'SuppressionRef',
  type: ['object', 'null'],
  required: ['id', 'reason', 'expiresAt', 'createdBy'],
  properties: { id: str, reason: str, expiresAt: str, createdBy: str },
} as const;

export const finding = {
  $id: 'Finding',
  type: 'object',
  required: ['cluster', 'fingerprint', 'ruleId', 'severity', 'title', 'message', 'remediation', 'resource', 'location', 'evidence', 'namespace', 'state', 'firstSeenAt', 'lastSeenAt', 'resolvedAt', 'reopened', 'suppression'],
  properties: {
    cluster: str,
    fingerprint: str,
    ruleId: str,
    severity: SEVERITY,
    title: str,
    message: str,
    remediation: str,
    resource: { $ref: 'ResourceRef#' },
    location: { $ref: 'Location#' },
    evidence: { type: 'array', items: { $ref: 'Evidence#' } },
    namespace: str,
    state: STATE,
    firstSeenAt: str,
    lastSeenAt: str,
    resolvedAt: nstr,
    reopened: int,
    suppression: { $ref: 'SuppressionRef#' },
    /** Present when telemetry shows the finding's route in use (docs/telemetry.md "seen in traffic"). */
    seenInTraffic: {
      type: 'object',
      properties: { requests: { type: 'number' }, connections: { type: 'number' }, windowSeconds: { type: 'number' }, rankedFrom: SEVERITY },
    },
  },
} as const;

export const findingEvent = {
  $id: 'FindingEvent',
  type: 'object',
  required: ['type', 'at', 'severity'],
  properties: { type: { type: 'string', enum: ['opened', 'resolved', 'reopened', 'severity-changed'] }, at: str, severity: SEVERITY },
} as const;

export const kindStatus = {
  $id: 'KindStatus',
  type: 'object',
  required: ['kind', 'served', 'synced', 'objects', 'error'],
  properties: { kind: str, served: { type: 'boolean' }, synced: { type: 'boolean' }, objects: int, error: nstr },
} as const;

export const cluster = {
  $id: 'Cluster',
  type: 'object',
  required: ['name', 'status', 'createdAt', 'revokedAt', 'agentVersion', 'lastSeenAt', 'lastSeenAgeSeconds', 'clockSkewMs', 'objects', 'lastIngestAt', 'lastAnalysisAt', 'analysisBacklog', 'lagSeconds', 'kinds', 'openFindings'],
  properties: {
    name: str,
    /** ok: analysed and heard from lately; stale: no word from the agent for a while; waiting: no complete snapshot yet; analysing: batches not yet analysed; revoked. */
    status: { type: 'string', enum: ['ok', 'stale', 'waiting', 'analysing', 'revoked'] },
    createdAt: str,
    revokedAt: nstr,
    agentVersion: nstr,
    lastSeenAt: nstr,
    lastSeenAgeSeconds: { type: ['number', 'null'] },
    clockSkewMs: nint,
    objects: int,
    lastIngestAt: nstr,
    lastAnalysisAt: nstr,
    analysisBacklog: int,
    /** Seconds the findings lag the stored objects (0 when analysis has caught up). */
    lagSeconds: { type: 'number' },
    kinds: { type: 'array', items: { $ref: 'KindStatus#' } },
    openFindings: { type: 'object', additionalProperties: int },
    /** The traffic facts the analysis reads (docs/telemetry.md), null when none: who queried Prometheus, when, over which window. */
    telemetry: {
      type: ['object', 'null'],
      required: ['source', 'receivedAt', 'ageSeconds', 'stale', 'staleAfterSeconds', 'intervalSeconds', 'prometheus', 'windowSeconds', 'end', 'edges'],
      properties: {
        /** agent: relayed by the cluster's agent; server: queried by the server (--prometheus CLUSTER=URL). */
        source: { type: 'string', enum: ['agent', 'server'] },
        receivedAt: str,
        ageSeconds: { type: 'number' },
        /** True when no report came for staleAfterSeconds: the traffic facts (INS findings, "seen in traffic") describe the past. */
        stale: { type: 'boolean' },
        /** Three report intervals (the sender's, or 5 min when it did not say). */
        staleAfterSeconds: int,
        /** The sender's report interval in seconds; null when it did not say (an older agent). */
        intervalSeconds: nint,
        /** The Prometheus, redacted. */
        prometheus: str,
        windowSeconds: int,
        end: str,
        edges: int,
      },
    },
  },
} as const;

export const suppression = {
  $id: 'Suppression',
  type: 'object',
  required: ['id', 'fingerprint', 'ruleId', 'cluster', 'namespace', 'reason', 'createdBy', 'createdAt', 'expiresAt', 'revokedAt', 'revokedBy'],
  properties: { id: str, fingerprint: nstr, ruleId: nstr, cluster: nstr, namespace: nstr, reason: str, createdBy: str, createdAt: str, expiresAt: str, revokedAt: nstr, revokedBy: nstr },
} as const;

export const sharedSchemas = [errorBody, resourceRef, location, evidence, suppressionRef, finding, findingEvent, kindStatus, cluster, suppression];

// --- Requests ---

export const findingsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cluster: listOf(CLUSTER_PARAM),
    namespace: listOf(NAMESPACE_PARAM),
    severity: listOf(SEVERITY, 5),
    rule: listOf(RULE_PARAM),
    state: listOf(STATE, 2),
    suppressed: { type: 'string', enum: ['exclude', 'include', 'only'], default: 'exclude' },
    cursor: CURSOR_PARAM,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export const trendsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { cluster: CLUSTER_PARAM, days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
} as const;

export const suppressionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { all: { type: 'boolean', default: false } },
} as const;

export const clusterParams = { type: 'object', required: ['cluster'], additionalProperties: false, properties: { cluster: CLUSTER_PARAM } } as const;
export const findingParams = { type: 'object', required: ['cluster', 'fingerprint'], additionalProperties: false, properties: { cluster: CLUSTER_PARAM, fingerprint: FINGERPRINT_PARAM } } as const;
export const suppressionParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } } as const;

/** A new suppression: a fingerprint, or a rule (optionally in a cluster and a namespace); a reason; an expiry. */
export const suppressionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'expiresAt'],
  properties: {
    fingerprint: FINGERPRINT_PARAM,
    ruleId: RULE_PARAM,
    cluster: CLUSTER_PARAM,
    namespace: NAMESPACE_PARAM,
    reason: { type: 'string', minLength: 3, maxLength: 500, pattern: '^[^\\x00-\\x1f\\x7f]+$' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

// --- Responses ---

export const findingsPage = {
  type: 'object',
  required: ['items', 'next'],
  properties: { items: { type: 'array', items: { $ref: 'Finding#' } }, next: nstr },
} as const;

export const findingDetail = {
  type: 'object',
  required: ['finding', 'events', 'object'],
  properties: {
    finding: { $ref: 'Finding#' },
    events: { type: 'array', items: { $ref: 'FindingEvent#' } },
    /** The sanitized object as stored (null when it is gone, or for fleet findings). */
    object: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export const clusterList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Cluster#' } } } } as const;

export const trendList = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: { type: 'object', required: ['day', 'open'], properties: { day: str, open: { type: 'object', properties: Object.fromEntries(SEVERITIES.map((s) => [s, int])) } } },
    },
  },
} as const;

/** The rules' metadata (for the dashboard's category filter and a finding's explain text). */
export const ruleList = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'severity', 'category', 'summary', 'why', 'fix'],
        properties: { id: str, title: str, severity: SEVERITY, category: str, summary: str, why: str, fix: str },
      },
    },
  },
} as const;

export const suppressionList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Suppression#' } } } } as const;

/** Posture rows as `meshward posture -f json` writes them (one cluster). */
export const postureView = {
  type: 'object',
  required: ['cluster', 'mesh', 'workloads', 'summary'],
  properties: {
    cluster: str,
    mesh: { type: 'object', additionalProperties: true },
    workloads: { type: 'array', items: { type: 'object', additionalProperties: true } },
    summary: { type: 'object', additionalProperties: true },
  },
} as const;

export const tenantList = {
  type: 'object',
  required: ['cluster', 'tenants'],
  properties: { cluster: str, tenants: { type: 'array', items: { type: 'object', additionalProperties: true } } },
} as const;

export const blastRadiusGraph = {
  type: 'object',
  required: ['computedAt', 'nodes', 'edges', 'trust', 'unresolved'],
  properties: {
    computedAt: nstr,
    nodes: { type: 'array', items: { type: 'object', required: ['cluster'], properties: { cluster: str } } },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'to', 'summary', 'capabilities', 'path', 'otherPaths'],
        properties: {
          from: str,
          to: str,
          summary: str,
          capabilities: { type: 'array', items: str },
          path: { type: 'array', items: { type: 'object', additionalProperties: true } },
          otherPaths: int,
        },
      },
    },
    trust: { type: 'array', items: { type: 'object', additionalProperties: true } },
    unresolved: { type: 'array', items: { type: 'object', additionalProperties: true } },
    /** Clusters the last fleet pass left out (their stored Secret facts or RBAC could not be read), and why. */
    unusable: { type: 'array', items: { type: 'object', required: ['cluster', 'reason'], properties: { cluster: str, reason: str } } },
  },
} as const;

export const whoami = { type: 'object', required: ['name', 'role', 'via'], properties: { name: str, role: { type: 'string', enum: ['viewer', 'admin'] }, via: str } } as const;

export const graphQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { namespace: NAMESPACE_PARAM },
} as const;

const MTLS_STATE = { type: 'string', enum: ['strict', 'permissive', 'disabled', 'none', 'n/a'] } as const;

/** The service graph (src/graph/types.ts): nodes, edges with their mTLS state, hijack marks. */
export const serviceGraph = {
  type: 'object',
  required: ['cluster', 'nodes', 'edges', 'truncated', 'notes'],
  properties: {
    cluster: str,
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'resourceKind', 'namespace', 'name', 'hosts', 'mtls', 'hijacked', 'hijacks', 'findings'],
        properties: {
          id: str,
          kind: { type: 'string', enum: ['workload', 'service', 'route', 'gateway', 'external', 'unknown'] },
          resourceKind: str,
          namespace: str,
          name: str,
          hosts: { type: 'array', items: str },
          mtls: { anyOf: [MTLS_STATE, { type: 'null' }] },
          hijacked: { type: 'boolean' },
          hijacks: { type: 'boolean' },
          findings: { type: 'array', items: str },
        },
      },
    },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'from', 'to', 'kind', 'mtls', 'note', 'traffic'],
        properties: {
          id: str,
          from: str,
          to: str,
          kind: { type: 'string', enum: ['selects', 'routes', 'binds', 'traffic'] },
          mtls: MTLS_STATE,
          note: nstr,
          traffic: {
            type: ['object', 'null'],
            required: ['requests', 'requestRate', 'connectionsOpened', 'bytes', 'responses', 'security', 'plaintextSeen', 'windowSeconds'],
            properties: {
              requests: { type: 'number' },
              requestRate: { type: 'number' },
              connectionsOpened: { type: 'number' },
              bytes: { type: 'number' },
              responses: { type: 'object', additionalProperties: { type: 'number' } },
              /** mutual_tls, none (plaintext), mixed, unknown: as the proxies reported it. */
              security: { type: 'string', enum: ['mutual_tls', 'none', 'mixed', 'unknown'] },
              plaintextSeen: { type: 'boolean' },
              windowSeconds: { type: 'number' },
            },
          },
        },
      },
    },
    truncated: { type: 'boolean' },
    notes: { type: 'array', items: str },
  },
} as const;
