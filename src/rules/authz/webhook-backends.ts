/**
 * Which workload ports serve an admission webhook of the input.
 *
 * The API server calls an admission webhook (`clientConfig.service` of a Mutating- or
 * ValidatingWebhookConfiguration) on the Service's port, 443 unless given, which the Service sends to
 * its target port on the pods it selects. The API server has no mesh certificate: a sidecar that
 * requires mutual TLS on that port refuses it, so meshes must leave webhook ports PERMISSIVE (the
 * webhook serves its own TLS there). Rules use this to tell that deliberate exception from a forgotten
 * one.
 */
import type { MeshPosture } from '../../posture/index.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { OwnMemo } from '../../model/own-memo.js';
import { namedPort } from '../../posture/mtls.js';
import { portNumber, str } from '../../posture/util.js';

export const WEBHOOK_CONFIG_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const;
const GROUP = 'admissionregistration.k8s.io';
/** Webhook entries examined at most over the input (a hostile input can hold any number). */
const MAX_ENTRIES = 500;

/** One webhook entry that calls a workload's port, and how. */
export interface WebhookBackend {
  config: Resource;
  /** The entry's `name` (may be empty in a broken input). */
  name: string;
  path: PathSegment[];
  /** The Service the entry calls. */
  service: Resource;
}

/** Per posture: workload object → port → the first webhook entry calling it. */
const backends = new OwnMemo<MeshPosture, Map<Resource, Map<number, WebhookBackend>>>('webhook-backends');

function index(posture: MeshPosture): Map<Resource, Map<number, WebhookBackend>> {
  let out = backends.get(posture);
  if (out) return out;
  out = new Map();
  const model = posture.model;
  let seen = 0;
  for (const kind of WEBHOOK_CONFIG_KINDS) {
    for (const config of model.ofKind(GROUP, kind)) {
      const list = config.obj?.webhooks;
      if (!Array.isArray(list)) continue;
      for (let i = 0; i < list.length && seen < MAX_ENTRIES; i++, seen++) {
        const entry = list[i];
        const svc = isObject(entry) && isObject(entry.clientConfig) && isObject(entry.clientConfig.service) ? entry.clientConfig.service : null;
        const ns = str(svc?.namespace);
        const name = str(svc?.name);
        if (!ns || !name) continue;
        const port = svc?.port === undefined ? 443 : portNumber(svc.port);
        // The Service as the posture parsed it (selector, ports, target ports); its pods from this model.
        const service = posture.services.get(ns, name);
        const sp = service?.ports.find((p) => p.port === port);
        if (!service?.selector || !sp) continue;
        const target = sp.targetPort ?? sp.port;
        const backend: WebhookBackend = { config, name: str(entry.name) ?? '', path: ['webhooks', i, 'clientConfig', 'service'], service: service.resource };
        for (const w of model.selectWorkloads(ns, service.selector)) {
          const n = typeof target === 'string' ? namedPort(w, target) : target;
          if (n === null) continue;
          let ports = out.get(w.resource);
          if (!ports) out.set(w.resource, (ports = new Map()));
          if (!ports.has(n)) ports.set(n, backend);
        }
      }
    }
  }
  backends.set(posture, out);
  return out;
}

/** The webhook entry of the input whose Service sends the API server's calls to this workload's port, if any. */
export function webhookBackend(posture: MeshPosture, w: Workload, port: number): WebhookBackend | null {
  return index(posture).get(w.resource)?.get(port) ?? null;
}
