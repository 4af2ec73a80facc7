/**
 * The REST API (API port): one table of routes, from which fastify's routes (validation, response
 * serialization, role checks) and the OpenAPI document are both made, so the document cannot miss a
 * route or disagree with one.
 *
 * Every response is JSON: strings from agents (names, annotations, messages) are data, never HTML,
 * and `X-Content-Type-Options: nosniff` keeps a browser from guessing otherwise.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { pino } from 'pino';
import { SEVERITIES, type Severity } from '../../engine/finding.js';
import { computePosture } from '../../posture/index.js';
import { buildConfigGraph } from '../../graph/config-graph.js';
import { telemetryFactsFor, telemetryView } from '../telemetry.js';
import { tenantMap } from '../../tenancy/map.js';
import { buildView } from '../../cli/commands/posture.js';
import { groupOf } from '../../model/resource.js';
import { FLEET_CLUSTER, type ClusterRecord, type FindingRecord, type FindingState, type Store, type Suppression, type TelemetryFreshness } from '../../store/types.js';
import type { Analysis } from '../analysis.js';
import { refuse, type Authenticator, type Principal, type Role } from './auth.js';
import * as S from './schemas.js';
import { closeAfterRefusal } from '../early-refusal.js';

export interface ApiDeps {
  store: Store;
  analysis: Analysis;
  auth: Authenticator;
  log: pino.Logger;
  now?: () => Date;
  /** Seconds without word from an agent before its cluster shows as stale. */
  staleAfterSeconds?: number;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  /** Lowest role allowed; null: no authentication (the OpenAPI document). */
  role: Role | null;
  tag: string;
  querystring?: object;
  params?: object;
  body?: object;
  response: Record<number, object>;
  handler: (req: FastifyRequest, reply: FastifyReply, ctx: Ctx) => Promise<unknown>;
}

interface Ctx {
  deps: ApiDeps;
  principal: Principal | null;
  now: Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    meshwardPrincipal?: Principal | null;
  }
}

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'Error#' }]));
const COMMON_ERRORS = errors(400, 401, 403);

/** The object key a finding's resource is stored under (`Kind` for the core group, else `group/Kind`). */
function kindKey(apiVersion: string, kind: string): string {
  const g = groupOf(apiVersion);
  return g ? `${g}/${kind}` : kind;
}

/** Whether a suppression covers a finding. */
export function suppresses(s: Suppression, f: FindingRecord): boolean {
  if (s.fingerprint !== null && s.fingerprint !== f.fingerprint) return false;
  if (s.ruleId !== null && s.ruleId !== f.ruleId) return false;
  if (s.cluster !== null && s.cluster !== f.cluster) return false;
  if (s.namespace !== null && s.namespace !== f.namespace) return false;
  return s.fingerprint !== null || s.ruleId !== null;
}

function withSuppression(f: FindingRecord, active: readonly Suppression[]) {
  const s = active.find((x) => suppresses(x, f));
  return { ...f, suppression: s ? { id: s.id, reason: s.reason, expiresAt: s.expiresAt, createdBy: s.createdBy } : null };
}

async function telemetryByCluster(store: Store): Promise<Map<string, TelemetryFreshness>> {
  return new Map((await store.telemetryFreshness()).map((t) => [t.cluster, t]));
}

function clusterView(c: ClusterRecord, counts: Map<string, Record<string, number>>, now: Date, staleAfterSeconds: number, telemetry?: TelemetryFreshness) {
  const lastSeenAge = c.lastSeenAt ? Math.max(0, (now.getTime() - Date.parse(c.lastSeenAt)) / 1000) : null;
  const lag = c.analysisBacklog > 0 && c.lastIngestAt ? Math.max(0, (now.getTime() - Date.parse(c.lastAnalysisAt ?? c.lastIngestAt)) / 1000) : 0;
  const status = c.revokedAt
    ? 'revoked'
    : !c.cursor.snapshotComplete
      ? 'waiting'
      : lastSeenAge === null || lastSeenAge > staleAfterSeconds
        ? 'stale'
        : c.analysisBacklog > 0
          ? 'analysing'
          : 'ok';
  return {
    name: c.name,
    status,
    createdAt: c.createdAt,
    revokedAt: c.revokedAt,
    agentVersion: c.agentVersion,
    lastSeenAt: c.lastSeenAt,
    lastSeenAgeSeconds: lastSeenAge,
    clockSkewMs: c.clockSkewMs,
    objects: c.objects,
    lastIngestAt: c.lastIngestAt,
    lastAnalysisAt: c.lastAnalysisAt,
    analysisBacklog: c.analysisBacklog,
    lagSeconds: lag,
    kinds: c.kinds,
    openFindings: counts.get(c.name) ?? Object.fromEntries(SEVERITIES.map((s) => [s, 0])),
    telemetry: telemetryView(telemetry, now),
  };
}

async function openCounts(store: Store): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const row of await store.findingCounts()) {
    let c = out.get(row.cluster);
    if (!c) out.set(row.cluster, (c = Object.fromEntries(SEVERITIES.map((s) => [s, 0]))));
    c[row.severity] += row.open;
  }
  return out;
}

/** Most open findings read to mark workloads in a posture view. */
const POSTURE_FINDINGS_CAP = 20_000;

/**
 * The cluster of a `:cluster` path parameter: a registered cluster (revoked ones included: their data
 * stays readable), never the fleet's reserved record, which is not a cluster of its own.
 */
async function registeredCluster(store: Store, cluster: string): Promise<ClusterRecord | null> {
  return cluster === FLEET_CLUSTER ? null : store.getCluster(cluster);
}

/** The 404 message for a cluster that is not registered (the name matched CLUSTER_PARAM's pattern: no escaping needed). */
function notRegistered(cluster: string): string {
  return `no cluster named ${cluster} is registered`;
}

async function openFindingsOf(store: Store, cluster: string): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.findings({ cluster: [cluster], state: ['open'], limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor && out.length < POSTURE_FINDINGS_CAP);
  return out;
}

const notFound = (reply: FastifyReply, what: string) => reply.code(404).send({ error: 'not-found', message: what });

export const ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/api/whoami',
    summary: 'The caller as the server sees it (name, role, how authenticated)',
    role: 'viewer',
    tag: 'auth',
    response: { 200: S.whoami, ...COMMON_ERRORS },
    handler: async (_req, _reply, ctx) => ctx.principal,
  },
  {
    method: 'GET',
    url: '/api/clusters',
    summary: 'Registered clusters: agent version, last seen, analysis lag, status and open findings by severity',
    role: 'viewer',
    tag: 'clusters',
    response: { 200: S.clusterList, ...COMMON_ERRORS },
    handler: async (_req, _reply, { deps, now }) => {
      const counts = await openCounts(deps.store);
      const clusters = (await deps.store.listClusters()).filter((c) => c.name !== FLEET_CLUSTER);
      const telemetry = await telemetryByCluster(deps.store);
      return { items: clusters.map((c) => clusterView(c, counts, now, deps.staleAfterSeconds ?? 300, telemetry.get(c.name))) };
    },
  },
  {
    method: 'GET',
    url: '/api/clusters/:cluster',
    summary: 'One cluster',
    role: 'viewer',
    tag: 'clusters',
    params: S.clusterParams,
    response: { 200: { $ref: 'Cluster#' }, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps, now }) => {
      const { cluster } = req.params as { cluster: string };
      const c = await registeredCluster(deps.store, cluster);
      if (!c) return notFound(reply, notRegistered(cluster));
      return clusterView(c, await openCounts(deps.store), now, deps.staleAfterSeconds ?? 300, (await telemetryByCluster(deps.store)).get(c.name));
    },
  },
  {
    method: 'GET',
    url: '/api/findings',
    summary: 'Findings, worst first, filtered by cluster, namespace, severity, rule and state (open by default), with suppressions applied (hidden unless suppressed=include|only) and shown; cursor pagination',
    role: 'viewer',
    tag: 'findings',
    querystring: S.findingsQuery,
    response: { 200: S.findingsPage, ...COMMON_ERRORS },
    handler: async (req, _reply, { deps, now }) => {
      const q = req.query as { cluster?: string[]; namespace?: string[]; severity?: Severity[]; rule?: string[]; state?: FindingState[]; cursor?: string; limit: number; suppressed: 'exclude' | 'include' | 'only' };
      const page = await deps.store.findings({ cluster: q.cluster, namespace: q.namespace, severity: q.severity, ruleId: q.rule, state: q.state, cursor: q.cursor, limit: q.limit });
      const active = await deps.store.listSuppressions(now);
      let items = page.items.map((f) => withSuppression(f, active));
      if (q.suppressed === 'exclude') items = items.filter((f) => f.suppression === null);
      else if (q.suppressed === 'only') items = items.filter((f) => f.suppression !== null);
      return { items, next: page.next };
    },
  },
  {
    method: 'GET',
    url: '/api/findings/:cluster/:fingerprint',
    summary: 'One finding with its evidence, its history (opened, resolved, reopened) and the sanitized object it is about',
    role: 'viewer',
    tag: 'findings',
    params: S.findingParams,
    response: { 200: S.findingDetail, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps, now }) => {
      const { cluster, fingerprint } = req.params as { cluster: string; fingerprint: string };
      const f = await deps.store.finding(cluster, fingerprint);
      if (!f) return notFound(reply, `cluster ${cluster} has no finding ${fingerprint}`);
      const events = await deps.store.findingEvents(cluster, fingerprint);
      const r = f.resource;
      // Fleet findings are about an object of one of the clusters (the resource names which).
      const stored = r.cluster && r.cluster !== FLEET_CLUSTER ? await deps.store.object(r.cluster, { kind: kindKey(r.apiVersion, r.kind), namespace: r.namespace, name: r.name }) : null;
      const active = await deps.store.listSuppressions(now);
      return { finding: withSuppression(f, active), events: events.map((e) => ({ type: e.type, at: e.at, severity: e.severity })), object: stored?.object.obj ?? null };
    },
  },
  {
    method: 'GET',
    url: '/api/rules',
    summary: "Every rule the server runs (the built-in ones, then custom rules from `server --rules`): id, title, default severity, category and its docs (summary, why, fix), as `meshward explain` shows them",
    role: 'viewer',
    tag: 'rules',
    response: { 200: S.ruleList, ...COMMON_ERRORS },
    handler: async (_req, _reply, { deps }) => ({
      items: deps.analysis.rules.map((r) => ({ id: r.meta.id, title: r.meta.title, severity: r.meta.severity, category: r.meta.category, summary: r.meta.docs.summary, why: r.meta.docs.why, fix: r.meta.docs.fix })),
    }),
  },
  {
    method: 'GET',
    url: '/api/trends',
    summary: 'Open findings at the end of each UTC day, by severity (one cluster, or all)',
    role: 'viewer',
    tag: 'findings',
    querystring: S.trendsQuery,
    response: { 200: S.trendList, ...COMMON_ERRORS },
    handler: async (req, _reply, { deps, now }) => {
      const q = req.query as { cluster?: string; days: number };
      return { items: await deps.store.trend({ cluster: q.cluster, days: q.days, until: now }) };
    },
  },
  {
    method: 'GET',
    url: '/api/clusters/:cluster/posture',
    summary: "Per workload: dataplane, mTLS mode per port and where it comes from, default-deny, the authorization policies that apply (as `meshward posture -f json`)",
    role: 'viewer',
    tag: 'clusters',
    params: S.clusterParams,
    response: { 200: S.postureView, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps }) => {
      const { cluster } = req.params as { cluster: string };
      if (!(await registeredCluster(deps.store, cluster))) return notFound(reply, notRegistered(cluster));
      const findings = await openFindingsOf(deps.store, cluster);
      const view = await deps.analysis.withModel(cluster, (model) => buildView(computePosture(model), findings, null));
      if (!view) return notFound(reply, `cluster ${cluster} has no complete snapshot yet`);
      return { cluster, ...view };
    },
  },
  {
    method: 'GET',
    url: '/api/clusters/:cluster/graph',
    summary: 'Service graph of a cluster: workloads, Services, routes, gateways and external hosts, routing edges with their mTLS state, hijacked hosts (namespace=: its nodes and their direct neighbours)',
    role: 'viewer',
    tag: 'clusters',
    params: S.clusterParams,
    querystring: S.graphQuery,
    response: { 200: S.serviceGraph, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps }) => {
      const { cluster } = req.params as { cluster: string };
      const { namespace } = req.query as { namespace?: string };
      if (cluster === FLEET_CLUSTER || !(await deps.store.getCluster(cluster))) return notFound(reply, `no cluster named ${cluster} is registered`);
      const findings = await openFindingsOf(deps.store, cluster);
      // Traffic edges from the cluster's stored telemetry (docs/telemetry.md), when there is any.
      const telemetry = (await telemetryFactsFor(deps.store, cluster))?.facts ?? null;
      const graph = await deps.analysis.withModel(cluster, (model) => buildConfigGraph(model, { findings, namespace: namespace ?? null, telemetry }));
      if (!graph) return notFound(reply, `cluster ${cluster} has no complete snapshot yet`);
      return { cluster, ...graph };
    },
  },
  {
    method: 'GET',
    url: '/api/clusters/:cluster/tenants',
    summary: 'Tenants of the cluster: namespaces, the hosts they own and claim, gateways (as `meshward tenants -f json`)',
    role: 'viewer',
    tag: 'clusters',
    params: S.clusterParams,
    response: { 200: S.tenantList, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps }) => {
      const { cluster } = req.params as { cluster: string };
      if (!(await registeredCluster(deps.store, cluster))) return notFound(reply, notRegistered(cluster));
      const tenants = await deps.analysis.withModel(cluster, (model) => tenantMap(model));
      if (!tenants) return notFound(reply, `cluster ${cluster} has no complete snapshot yet`);
      return { cluster, tenants };
    },
  },
  {
    method: 'GET',
    url: '/api/blast-radius',
    summary: 'Which clusters fall when one falls: a graph of clusters (nodes) and credential paths (edges), with CA trust problems, from the last fleet analysis',
    role: 'viewer',
    tag: 'fleet',
    response: { 200: S.blastRadiusGraph, ...COMMON_ERRORS },
    handler: async (_req, _reply, { deps }) => {
      const fleet = await deps.analysis.sharedFleet();
      const clusters = (await deps.store.listClusters()).filter((c) => c.name !== FLEET_CLUSTER && !c.revokedAt);
      const edges = (fleet?.radius.clusters ?? []).flatMap((o) => o.reach.map((r) => ({ from: o.cluster, to: r.cluster, summary: r.summary, capabilities: r.capabilities, path: r.path, otherPaths: r.otherPaths })));
      return { computedAt: fleet?.at ?? null, nodes: clusters.map((c) => ({ cluster: c.name })), edges, trust: fleet?.radius.trust ?? [], unresolved: fleet?.radius.unresolved ?? [], unusable: fleet?.radius.unusable ?? [] };
    },
  },
  {
    method: 'GET',
    url: '/api/suppressions',
    summary: 'Active suppressions (all=true: expired and revoked ones too)',
    role: 'viewer',
    tag: 'suppressions',
    querystring: S.suppressionsQuery,
    response: { 200: S.suppressionList, ...COMMON_ERRORS },
    handler: async (req, _reply, { deps, now }) => ({ items: await deps.store.listSuppressions(now, (req.query as { all: boolean }).all) }),
  },
  {
    method: 'POST',
    url: '/api/suppressions',
    summary: 'Suppress one finding (fingerprint) or a rule in a scope (ruleId, optionally cluster and namespace), with a reason and an expiry (admin)',
    role: 'admin',
    tag: 'suppressions',
    body: S.suppressionBody,
    response: { 201: { $ref: 'Suppression#' }, ...COMMON_ERRORS },
    handler: async (req, reply, { deps, principal, now }) => {
      const b = req.body as { fingerprint?: string; ruleId?: string; cluster?: string; namespace?: string; reason: string; expiresAt: string };
      if (!b.fingerprint && !b.ruleId) return reply.code(400).send({ error: 'bad-suppression', message: 'name what to suppress: a fingerprint, or a ruleId (with an optional cluster and namespace)' });
      const expires = Date.parse(b.expiresAt);
      if (!Number.isFinite(expires) || expires <= now.getTime()) return reply.code(400).send({ error: 'bad-expiry', message: 'expiresAt must be a date-time in the future' });
      if (expires - now.getTime() > 366 * 86_400_000) return reply.code(400).send({ error: 'bad-expiry', message: 'expiresAt must be within a year: suppressions are meant to be looked at again' });
      const s = await deps.store.addSuppression(
        { fingerprint: b.fingerprint ?? null, ruleId: b.ruleId ?? null, cluster: b.cluster ?? null, namespace: b.namespace ?? null, reason: b.reason, createdBy: principal!.name, expiresAt: new Date(expires).toISOString() },
        now,
      );
      deps.log.info({ suppression: s.id, by: principal!.name }, 'suppression created');
      return reply.code(201).send(s);
    },
  },
  {
    method: 'DELETE',
    url: '/api/suppressions/:id',
    summary: 'End a suppression now (admin)',
    role: 'admin',
    tag: 'suppressions',
    params: S.suppressionParams,
    response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) },
    handler: async (req, reply, { deps, principal, now }) => {
      const { id } = req.params as { id: string };
      if (!(await deps.store.revokeSuppression(id, principal!.name, now))) return notFound(reply, `no active suppression ${id}`);
      deps.log.info({ suppression: id, by: principal!.name }, 'suppression revoked');
      return reply.code(204).send();
    },
  },
];

const ROLE_RANK: Record<Role, number> = { viewer: 1, admin: 2 };

/** Registers the shared schemas and every route of ROUTES on `app`. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  for (const s of S.sharedSchemas) app.addSchema(s);
  for (const r of ROUTES) {
    app.route({
      method: r.method,
      url: r.url,
      schema: { ...(r.querystring ? { querystring: r.querystring } : {}), ...(r.params ? { params: r.params } : {}), ...(r.body ? { body: r.body } : {}), response: r.response },
      // Before the body is read: an unauthenticated or under-privileged caller sends nothing more.
      onRequest: async (req, reply) => {
        if (r.role === null) return;
        const result = deps.auth.authenticate(req);
        if (!result.ok) {
          closeAfterRefusal(req, reply);
          return refuse(reply, 401, result.error, result.message);
        }
        if (ROLE_RANK[result.principal.role] < ROLE_RANK[r.role]) {
          closeAfterRefusal(req, reply);
          return refuse(reply, 403, 'forbidden', `${r.method} ${r.url} needs the ${r.role} role; ${result.principal.name} is a ${result.principal.role}`);
        }
        req.meshwardPrincipal = result.principal;
      },
      handler: async (req, reply) => r.handler(req, reply, { deps, principal: req.meshwardPrincipal ?? null, now: (deps.now ?? (() => new Date()))() }),
    });
  }
}
