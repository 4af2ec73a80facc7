/**
 * Reviews for holding the fast admission decision to the reference (decide-equivalence.test.ts and
 * bench/decide.js): every rule's docs examples and the bundled examples turned into CREATE, UPDATE and
 * DELETE reviews against the rest of their objects. Test support, not used by the server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { isClusterScoped, type Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import type { AdmissionRequest, DecisionState } from './types.js';

export type Obj = Record<string, any>;

export interface ReviewCase {
  name: string;
  req: AdmissionRequest;
  state: DecisionState;
}

export const CORPUS_CLUSTER = 'review';

export function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Obj => !!o && typeof o === 'object' && !Array.isArray(o) && typeof (o as Obj).kind === 'string' && typeof (o as Obj).apiVersion === 'string' && typeof (o as Obj).metadata?.name === 'string');
}

export function toResource(o: Obj, cluster = CORPUS_CLUSTER): Resource {
  return liveResource(structuredClone(o), { apiVersion: String(o.apiVersion), kind: String(o.kind), namespaced: !isClusterScoped(String(o.kind)) }, cluster);
}

/** A cache state over these objects; each call makes a new `resources` function (a new cache). */
export function stateOf(objects: readonly Obj[], version = 1): DecisionState {
  const resources = objects.map((o) => toResource(o));
  return { version, synced: true, resources: () => resources };
}

export function reviewOf(operation: AdmissionRequest['operation'], object: Obj | null, oldObject: Obj | null = null): AdmissionRequest {
  const o = (object ?? oldObject)!;
  const apiVersion = String(o.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(o.kind);
  return {
    uid: 'uid-1',
    kind: { group, version, kind },
    resource: { group, version, resource: `${kind.toLowerCase()}s` },
    namespace: isClusterScoped(kind) ? '' : typeof o.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default',
    name: String(o.metadata?.name),
    operation,
    object: object ? structuredClone(object) : null,
    oldObject: oldObject ? structuredClone(oldObject) : null,
    dryRun: false,
    userInfo: { username: 'dev', groups: [] },
  };
}

export function identity(o: Obj): string {
  const ns = isClusterScoped(String(o.kind)) ? '' : (o.metadata?.namespace ?? 'default');
  return `${o.apiVersion}|${o.kind}|${ns}|${o.metadata?.name}`;
}

/**
 * Each object as a CREATE against the others, a DELETE from all, and an UPDATE from its twin in
 * `before` (same identity) when there is one; otherwise an UPDATE that only adds a label.
 */
export function casesOf(label: string, objects: readonly Obj[], before: readonly Obj[] = []): ReviewCase[] {
  const out: ReviewCase[] = [];
  objects.forEach((o, i) => {
    const id = `${label} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const others = objects.filter((_, j) => j !== i);
    out.push({ name: `${id} CREATE`, req: reviewOf('CREATE', o), state: stateOf(others) });
    out.push({ name: `${id} DELETE`, req: reviewOf('DELETE', null, o), state: stateOf(objects) });
    const twin = before.find((b) => identity(b) === identity(o));
    if (twin && JSON.stringify(twin) !== JSON.stringify(o)) {
      out.push({ name: `${id} UPDATE from the fixed version`, req: reviewOf('UPDATE', o, twin), state: stateOf([...others, twin]) });
    }
    const relabelled = structuredClone(o);
    relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), 'meshward.io/touched': 'yes' };
    out.push({ name: `${id} UPDATE (label only)`, req: reviewOf('UPDATE', relabelled, o), state: stateOf(objects) });
  });
  return out;
}

/** Reviews from every rule's docs examples (bad, good, and bad as an update of good). */
export function docsCases(rules: readonly Rule[]): ReviewCase[] {
  const out: ReviewCase[] = [];
  for (const rule of rules) {
    const bad = rule.meta.docs.bad ? parseObjects(rule.meta.docs.bad) : [];
    const good = rule.meta.docs.good ? parseObjects(rule.meta.docs.good) : [];
    if (bad.length) out.push(...casesOf(`${rule.meta.id} bad`, bad, good));
    if (good.length) out.push(...casesOf(`${rule.meta.id} good`, good));
  }
  return out;
}

/** The objects of a bundled example folder (examples/insecure, examples/secure). */
export function exampleObjects(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => parseObjects(readFileSync(path.join(dir, f), 'utf8')));
}
