/**
 * The federation plan (`meshward federate PLAN.yaml`, `scan --federation-plan PLAN.yaml`): which meshes
 * exist, which services each exports, and who may import them. Everything in it ends up in YAML users
 * apply to their clusters, so every name is checked against the Kubernetes / DNS grammar it must obey
 * before anything is generated, and the file is bounded in size and counts.
 *
 * Loading does two things: the schema (file:line:field errors, through validated-yaml) and the
 * isolation checks (refusePlan), which turn plans that would weaken the meshes' isolation into errors.
 */
// @peculiar/x509 2.x resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto, createHash, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { z } from 'zod';
import { parseValidated, ValidationError } from '../config/validated-yaml.js';
import { exportedHost } from './hosts.js';
import { DNS_LABEL } from '../model/names.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const PLAN_HELP = 'See docs/federation.md for the plan format.';

/** Limits: a plan is a hand-written file of a few dozen meshes and services, not a data dump. */
export const PLAN_LIMITS = { bytes: 1024 * 1024, meshes: 64, exportsPerMesh: 500, importersPerExport: 100, portsPerExport: 32, pemBytes: 64 * 1024 } as const;

/** DNS-1123 label: namespaces, Service names, mesh names. */
export { DNS_LABEL };
/** DNS-1123 subdomain: service accounts, host names. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
/** Istio port names: a DNS label too, as Service port names are. */
const PORT_NAME = DNS_LABEL;
/** Label keys and values of a workload selector (Kubernetes grammar, prefix optional). */
const LABEL_KEY = /^(?=.{1,316}$)([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][A-Za-z0-9._-]{0,61})?[A-Za-z0-9])?$/;
const SHA256 = /^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){31})$/;
const PEM_CERT = /^\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;

const label = (what: string) => z.string().regex(DNS_LABEL, `${what} must be a DNS-1123 label (at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`);
const subdomain = (what: string) => z.string().regex(DNS_SUBDOMAIN, `${what} must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")`);
const port = z.number().int().min(1).max(65535);
const PROTOCOLS = ['HTTP', 'HTTP2', 'GRPC', 'TCP', 'TLS', 'HTTPS', 'MONGO', 'REDIS', 'MYSQL'] as const;

const rootCa = z
  .object({
    /** The mesh's root (or the CA certificate istiod signs with), PEM. */
    pem: z.string().max(PLAN_LIMITS.pemBytes).regex(PEM_CERT, 'must be exactly one PEM certificate ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")').optional(),
    /** SHA-256 fingerprint of the root's DER encoding, when the certificate itself is not at hand. */
    sha256: z.string().regex(SHA256, 'must be a SHA-256 fingerprint: 64 hex digits, colons between pairs allowed').optional(),
  })
  .strict()
  .refine((r) => r.pem !== undefined || r.sha256 !== undefined, 'give the root certificate as pem, or its sha256 fingerprint');

/** Labels that pick pods (an AuthorizationPolicy's or a Gateway's selector): 1 to 16, never empty (an empty one picks every pod). */
const podSelector = z
  .record(z.string().regex(LABEL_KEY, 'selector keys must be Kubernetes label keys'), z.string().regex(LABEL_VALUE, 'selector values must be Kubernetes label values'))
  .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 16, 'selector needs 1 to 16 labels');

const importer = z
  .object({
    mesh: label('mesh'),
    namespace: label('namespace'),
    serviceAccount: subdomain('serviceAccount'),
  })
  .strict();

const exported = z
  .object({
    namespace: label('namespace'),
    service: label('service'),
    ports: z
      .array(z.object({ number: port, name: z.string().regex(PORT_NAME, 'port name must be a DNS-1123 label'), protocol: z.enum(PROTOCOLS).default('TCP'), targetPort: port.optional() }).strict())
      .min(1)
      .max(PLAN_LIMITS.portsPerExport),
    /** Identities the service's workloads run as (the SANs importers verify); default: the service's name. */
    serviceAccounts: z.array(subdomain('serviceAccount')).min(1).max(16).optional(),
    /** Labels of the service's pods (the AuthorizationPolicy's selector); default: `app: <service>`. */
    selector: podSelector.optional(),
    /** The host importers use, when the exporter's own name would shadow one of theirs. */
    alias: subdomain('alias').optional(),
    importers: z.array(importer).min(1, 'an export needs at least one importer').max(PLAN_LIMITS.importersPerExport),
  })
  .strict();

const mesh = z
  .object({
    name: label('mesh name'),
    trustDomain: subdomain('trustDomain'),
    network: label('network'),
    clusterDomain: subdomain('clusterDomain').default('cluster.local'),
    eastWestGateway: z
      .object({
        address: z.string().refine((a) => IPV4.test(a) || DNS_SUBDOMAIN.test(a), 'address must be an IPv4 address or a DNS name'),
        port: port.default(15443),
        namespace: label('namespace').default('istio-system'),
        /** Labels of the east-west gateway's pods. */
        // At least one label: an empty selector would put the AUTO_PASSTHROUGH Gateway on every gateway
        // workload of the cluster, the public ingress gateway included.
        selector: podSelector.default({ istio: 'eastwestgateway' }),
      })
      .strict(),
    rootCA: rootCa,
    /** Meshes whose roots this mesh trusts although they share no CA (needs both roots as PEM; trust must be mutual). */
    trusts: z.array(label('mesh')).max(PLAN_LIMITS.meshes).default([]),
    /** Services of this mesh that are not exported, as namespace/name: imported names must not shadow them. */
    localServices: z.array(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'localServices entries must be namespace/name')).max(10_000).default([]),
    exports: z.array(exported).max(PLAN_LIMITS.exportsPerMesh).default([]),
  })
  .strict();

export const planSchema = z
  .object({
    apiVersion: z.literal('meshward.io/v1').optional(),
    kind: z.literal('FederationPlan').optional(),
    /** Offline roots the meshes' CA certificates are issued by: meshes whose CAs chain to one of them share it. */
    trustAnchors: z
      .array(z.object({ name: label('trust anchor name'), pem: z.string().max(PLAN_LIMITS.pemBytes).regex(PEM_CERT, 'must be exactly one PEM certificate') }).strict())
      .max(16)
      .default([]),
    meshes: z.array(mesh).min(2, 'a federation needs at least two meshes').max(PLAN_LIMITS.meshes),
  })
  .strict();

export type FederationPlanInput = z.infer<typeof planSchema>;
export type PlanMesh = FederationPlanInput['meshes'][number];
export type PlanExport = PlanMesh['exports'][number];

/** How two meshes come to accept each other's certificates. */
export type TrustPath = { kind: 'same-root' } | { kind: 'shared-anchor'; anchor: string } | { kind: 'explicit' };

/** A loaded, checked plan, with what the generator and the FED rules need worked out once. */
export interface FederationPlan {
  file: string;
  plan: FederationPlanInput;
  /** Mesh by name. */
  meshes: ReadonlyMap<string, PlanMesh>;
  /** SHA-256 fingerprint (lower-case hex, no colons) of each mesh's root. */
  fingerprints: ReadonlyMap<string, string>;
  /** How each federating pair trusts each other, keyed `exporter→importer`. */
  trust: ReadonlyMap<string, TrustPath>;
}

export class PlanError extends ValidationError {}

// Kept in ./hosts.ts so the rules can use it without loading this module's dependencies.
export { exportedHost };

/** The name importers use for it: its alias, or the exporter's own name. */
export function importedHost(m: PlanMesh, e: PlanExport): string {
  return e.alias ?? exportedHost(m, e);
}

export function serviceAccountsOf(e: PlanExport): string[] {
  return e.serviceAccounts ?? [e.service];
}

export function selectorOf(e: PlanExport): Record<string, string> {
  return e.selector ?? { app: e.service };
}

/** `spiffe://td/ns/NS/sa/SA`, the SAN of a workload certificate. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Parses and checks a plan; every failure is a PlanError naming the file, line and field. */
export async function loadPlan(text: string, file: string): Promise<FederationPlan> {
  if (Buffer.byteLength(text) > PLAN_LIMITS.bytes) throw new PlanError(`${file}: the plan is larger than ${PLAN_LIMITS.bytes / 1024} KiB; a federation plan names meshes and services, nothing bulky. ${PLAN_HELP}`);
  const { value, lineOf } = parseValidated(text, file, planSchema, PLAN_HELP);
  const fail = (p: (string | number)[], msg: string) => new PlanError(`${file}:${lineOf(p)}: ${p.join('.')}: ${msg}. ${PLAN_HELP}`);
  const meshes = new Map<string, PlanMesh>();
  const byTrustDomain = new Map<string, string>();
  value.meshes.forEach((m, i) => {
    if (meshes.has(m.name)) throw fail(['meshes', i, 'name'], `mesh "${m.name}" is declared twice`);
    meshes.set(m.name, m);
    const td = m.trustDomain;
    const other = byTrustDomain.get(td);
    if (other !== undefined) {
      throw fail(['meshes', i, 'trustDomain'], `meshes "${other}" and "${m.name}" share the trust domain "${td}", so each would accept the other's workloads as its own in every policy; give each mesh its own trust domain (meshConfig.trustDomain)`);
    }
    byTrustDomain.set(td, m.name);
  });
  const anchors = await Promise.all(value.trustAnchors.map((a, i) => parseCert(a.pem, () => fail(['trustAnchors', i, 'pem'], 'cannot be parsed as an X.509 certificate'))));
  const certs = new Map<string, x509.X509Certificate>();
  const fingerprints = new Map<string, string>();
  for (const [i, m] of value.meshes.entries()) {
    let fp: string | null = m.rootCA.sha256 ? m.rootCA.sha256.replace(/:/g, '').toLowerCase() : null;
    if (m.rootCA.pem !== undefined) {
      const cert = await parseCert(m.rootCA.pem, () => fail(['meshes', i, 'rootCA', 'pem'], 'cannot be parsed as an X.509 certificate'));
      const der = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
      if (fp && fp !== der) throw fail(['meshes', i, 'rootCA', 'sha256'], `does not match the certificate given in pem (its SHA-256 is ${der})`);
      const bc = cert.getExtension(x509.BasicConstraintsExtension);
      if (!bc?.ca) throw fail(['meshes', i, 'rootCA', 'pem'], 'is not a CA certificate (basicConstraints CA:FALSE); give the root (or the CA certificate istiod signs with), not a workload certificate');
      fp = der;
      certs.set(m.name, cert);
    }
    fingerprints.set(m.name, fp!);
  }
  const trust = new Map<string, TrustPath>();
  for (const [i, m] of value.meshes.entries()) {
    m.trusts.forEach((t, j) => {
      if (!meshes.has(t)) throw fail(['meshes', i, 'trusts', j], `"${t}" is not a mesh of this plan`);
      if (t === m.name) throw fail(['meshes', i, 'trusts', j], 'a mesh trusts its own root already');
    });
    const exportedHere = new Set<string>();
    m.exports.forEach((e, j) => {
      const at = ['meshes', i, 'exports', j];
      const id = `${e.namespace}/${e.service}`;
      if (exportedHere.has(id)) throw fail([...at, 'service'], `${id} is exported twice; list every importer under one entry`);
      exportedHere.add(id);
      const portNames = new Set<string>();
      const portNumbers = new Set<number>();
      e.ports.forEach((p, k) => {
        if (portNames.has(p.name) || portNumbers.has(p.number)) throw fail([...at, 'ports', k], `port ${p.number} (${p.name}) repeats a port number or name of this export`);
        portNames.add(p.name);
        portNumbers.add(p.number);
      });
      const seenImporters = new Set<string>();
      e.importers.forEach((imp, k) => {
        const where = [...at, 'importers', k];
        const peer = meshes.get(imp.mesh);
        if (!peer) throw fail([...where, 'mesh'], `"${imp.mesh}" is not a mesh of this plan; declare it under meshes (its trust domain, network, gateway and root) before it may import ${id}`);
        if (peer.name === m.name) throw fail([...where, 'mesh'], `mesh "${m.name}" imports its own service ${id}; callers in the same mesh need no federation, only an AuthorizationPolicy`);
        const key = `${imp.mesh}/${imp.namespace}/${imp.serviceAccount}`;
        if (seenImporters.has(key)) throw fail(where, `importer ${key} is listed twice`);
        seenImporters.add(key);
        const pair = `${m.name}→${peer.name}`;
        if (!trust.has(pair)) trust.set(pair, trustPath(m, peer, fingerprints, certs, value.trustAnchors, anchors, () => fail([...where, 'mesh'], untrustedMessage(m, peer))));
      });
    });
  }
  // Imported names must not shadow a name the importer already has: its own Services and exports, or another import.
  for (const [i, m] of value.meshes.entries()) {
    m.exports.forEach((e, j) => {
      const host = importedHost(m, e);
      const importers = new Set(e.importers.map((imp) => imp.mesh));
      for (const name of importers) {
        const peer = meshes.get(name)!;
        if (host.endsWith(`.svc.${peer.clusterDomain}`) && e.alias !== undefined) {
          throw fail(['meshes', i, 'exports', j, 'alias'], `"${host}" lies under mesh ${peer.name}'s cluster domain, where names belong to its Services; choose an alias outside ".svc.${peer.clusterDomain}", such as "${e.service}.${e.namespace}.${m.name}.global"`);
        }
        const clash = localNameClash(peer, host);
        if (clash) {
          throw fail(
            ['meshes', i, 'exports', j, e.alias !== undefined ? 'alias' : 'service'],
            `importing ${e.namespace}/${e.service} of mesh ${m.name} into mesh ${peer.name} as "${host}" would shadow ${clash} of mesh ${peer.name}: its callers of that name would be sent across the federation; give the export an alias host, such as alias: ${e.service}.${e.namespace}.${m.name}.global`,
          );
        }
      }
    });
  }
  const seenImports = new Map<string, string>();
  for (const m of value.meshes) {
    for (const [j, e] of m.exports.entries()) {
      const host = importedHost(m, e);
      for (const name of new Set(e.importers.map((imp) => imp.mesh))) {
        const key = `${name}\u0000${host}`;
        const prior = seenImports.get(key);
        if (prior !== undefined) {
          throw fail(['meshes', value.meshes.indexOf(m), 'exports', j, e.alias !== undefined ? 'alias' : 'service'], `mesh ${name} would import "${host}" twice (also from ${prior}); give one of the exports an alias host, such as alias: ${e.service}.${e.namespace}.${m.name}.global`);
        }
        seenImports.set(key, `${e.namespace}/${e.service} of mesh ${m.name}`);
      }
    }
  }
  return { file, plan: value, meshes, fingerprints, trust };
}

/** What of mesh `m` already answers to `host`, if anything. */
function localNameClash(m: PlanMesh, host: string): string | null {
  for (const s of m.localServices) {
    const [ns, name] = s.split('/');
    if (`${name}.${ns}.svc.${m.clusterDomain}` === host) return `its Service ${s}`;
  }
  for (const e of m.exports) if (exportedHost(m, e) === host) return `its exported Service ${e.namespace}/${e.service}`;
  return null;
}

function untrustedMessage(a: PlanMesh, b: PlanMesh): string {
  return `meshes "${a.name}" and "${b.name}" have different roots and no common trust anchor, so neither would accept the other's certificates; issue both meshes' CAs from one root listed under trustAnchors (give both rootCA as pem), or, when the two roots must stay separate, list each mesh under the other's trusts (with both roots as pem)`;
}

async function parseCert(pem: string, failure: () => Error): Promise<x509.X509Certificate> {
  try {
    return new x509.X509Certificate(pem.trim());
  } catch {
    throw failure();
  }
}

function trustPath(
  a: PlanMesh,
  b: PlanMesh,
  fingerprints: ReadonlyMap<string, string>,
  certs: ReadonlyMap<string, x509.X509Certificate>,
  anchorDefs: FederationPlanInput['trustAnchors'],
  anchors: readonly x509.X509Certificate[],
  refuse: () => Error,
): TrustPath {
  if (fingerprints.get(a.name) === fingerprints.get(b.name)) return { kind: 'same-root' };
  const ca = certs.get(a.name);
  const cb = certs.get(b.name);
  if (ca && cb) {
    for (const [k, anchor] of anchors.entries()) {
      if (issuedBy(ca, anchor) && issuedBy(cb, anchor)) return { kind: 'shared-anchor', anchor: anchorDefs[k]!.name };
    }
    if (a.trusts.includes(b.name) && b.trusts.includes(a.name)) return { kind: 'explicit' };
  }
  throw refuse();
}

/** Whether `cert` is the anchor itself or is signed by the anchor's key (checked cryptographically, not by names). */
function issuedBy(cert: x509.X509Certificate, anchor: x509.X509Certificate): boolean {
  if (Buffer.from(cert.rawData).equals(Buffer.from(anchor.rawData))) return true;
  if (cert.issuer !== anchor.subject) return false;
  // The signature is checked through node:crypto, synchronously, on the same DER bytes.
  return verifySync(cert, anchor);
}


function verifySync(cert: x509.X509Certificate, anchor: x509.X509Certificate): boolean {
  try {
    const c = new NodeX509(Buffer.from(cert.rawData));
    const a = new NodeX509(Buffer.from(anchor.rawData));
    return c.checkIssued(a) && c.verify(a.publicKey);
  } catch {
    return false;
  }
}
