import { defineRule } from '../types.js';
import { WORKLOAD_READS } from '../reads.js';
import type { Severity } from '../../engine/finding.js';
import { GATEWAY_POD_LABELS, injectorFor, isPort, listSome, parseCidr, shown, splitList, workloadLabel, type Cidr } from './proxy.js';
import { describe } from '../../model/resource.js';
import type { MeshModel } from '../../model/model.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { loadMeshYaml, meshConfigHasFields } from '../../model/meshconfig.js';
import { meshSourceText } from '../egress/common.js';
import type { PathSegment } from '../../model/resource.js';

const P = 'traffic.sidecar.istio.io/';
const NO_OUT = 'no mTLS, no egress policy, no telemetry';
const NO_IN = 'without mTLS and without AuthorizationPolicy';

interface Verdict {
  severity: Severity;
  /** What escapes the proxy, as the end of a sentence. */
  escapes: string;
  /**
   * How the message names the annotation's value, when quoting it whole would say too much: a proxy
   * config may carry proxyMetadata (the proxy's environment, tokens among them), and messages reach
   * webhook denials, logs and the relay's store.
   */
  said?: string;
}

/** What a judge knows about the pod beyond the annotation's value. */
interface PodFacts {
  /** Ports the proxy itself listens on and istio-iptables never captures (see `istioInboundPorts`). */
  istioPorts: ReadonlySet<string>;
  /** Names of the pod's containers other than the proxy (`istio-proxy`): what serves and calls. */
  appContainers: readonly string[];
  /** The pod has a gateway's marks: an `istio` label, a Gateway API gateway's pod label, or an istio-proxy container of its own. */
  gatewayPod: boolean;
  /** The pod sets sidecar.istio.io/interceptionMode, which the injector reads before its proxy config. */
  interceptionAnnotation: boolean;
}

type Judge = (value: string, pod: PodFacts) => Verdict | null;

const STATUS_PORT_ANNOTATION = 'status.sidecar.istio.io/port';

/**
 * Inbound ports that are Istio's own, never the application's: the agent's status port (15020, or
 * the pod's status.sidecar.istio.io/port), Envoy's health (15021) and Prometheus (15090) ports and
 * the HBONE port 15008. istio-iptables returns them from inbound capture anyway, and the injector
 * itself writes `excludeInboundPorts: "<status port>[,user ports]"` on every pod when the CNI plugin
 * is on, so they are never the user's exclusion.
 */
function istioInboundPorts(annotations: Record<string, string>): Set<string> {
  const out = new Set(['15008', '15020', '15021', '15090']);
  const status = annotations[STATUS_PORT_ANNOTATION];
  if (typeof status === 'string' && isPort(status.trim())) out.add(String(Number(status.trim())));
  return out;
}

/** A parsed list of CIDRs: valid ones (widest first), invalid items, and how many items were not parsed at all. */
function cidrs(value: string): { valid: Cidr[]; invalid: string[]; dropped: number; count: number } {
  const { items, dropped } = splitList(value);
  const valid: Cidr[] = [];
  const invalid: string[] = [];
  for (const item of items) {
    const c = parseCidr(item);
    if (c) valid.push(c);
    else invalid.push(item);
  }
  valid.sort((a, b) => a.prefix - b.prefix);
  return { valid, invalid, dropped, count: items.length + dropped };
}

/** A parsed list of ports. */
function ports(value: string): { valid: string[]; invalid: string[]; dropped: number; count: number } {
  const { items, dropped } = splitList(value);
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const item of items) (isPort(item) ? valid : invalid).push(item);
  return { valid, invalid, dropped, count: items.length + dropped };
}

function more(dropped: number): string {
  return dropped ? ` (and ${dropped} more entries not examined)` : '';
}

/** Sentence tail about entries Istio's injector would refuse. */
function invalidNote(invalid: string[], what: string): string {
  if (!invalid.length) return '';
  return ` ${listSome(invalid, 3)} ${invalid.length === 1 ? 'is' : 'are'} not ${what}: Istio's injector rejects the annotation and the pod is not injected (or not admitted) until it is fixed.`;
}

function everything(c: Cidr[]): string | null {
  const v4 = c.some((x) => x.family === 4 && x.prefix === 0);
  const v6 = c.some((x) => x.family === 6 && x.prefix === 0);
  if (v4 && v6) return 'every IPv4 and IPv6 address';
  if (v4) return 'every IPv4 address';
  if (v6) return 'every IPv6 address';
  return null;
}

function rangeText(c: Cidr): string {
  if (c.family === 6) return c.text;
  const n = 2 ** (32 - c.prefix);
  return `${c.text} (${n.toLocaleString('en-US')} address${n === 1 ? '' : 'es'})`;
}

const JUDGES: Record<string, Judge> = {
  [`${P}excludeOutboundIPRanges`]: (value) => {
    const r = cidrs(value);
    if (!r.count) return null;
    const note = invalidNote(r.invalid, 'a valid CIDR');
    if (!r.valid.length) return { severity: 'medium', escapes: `no valid range is excluded.${note}` };
    const all = everything(r.valid);
    const widest = r.valid[0];
    const rest = r.valid.length - 1 + r.dropped;
    const others = rest > 0 ? ` and ${rest} more range${rest > 1 ? 's' : ''}` : '';
    if (all) return { severity: 'critical', escapes: `outbound traffic to ${all} leaves the pod without passing the sidecar (${NO_OUT}).${note}` };
    return {
      severity: widest.prefix <= 8 ? 'high' : 'medium',
      escapes: `outbound traffic to ${rangeText(widest)}${others} leaves the pod without passing the sidecar (${NO_OUT}).${note}`,
    };
  },
  [`${P}includeOutboundIPRanges`]: (value) => {
    if (value.trim() === '*') return null;
    const r = cidrs(value);
    if (!r.count) return { severity: 'critical', escapes: `no outbound traffic is captured: every outbound connection leaves the pod without passing the sidecar (${NO_OUT}).` };
    const note = invalidNote(r.invalid, "a valid CIDR (only a lone '*' means everything)");
    if (!r.invalid.length && everything(r.valid) === 'every IPv4 and IPv6 address') return null; // captures all, as '*' does
    const shownRanges = r.valid.length ? `${listSome(r.valid.map((c) => c.text), 3)}${more(r.dropped)}` : 'no valid range';
    return {
      severity: 'medium',
      escapes: `only outbound traffic to ${shownRanges} is captured; connections to every other address leave the pod without passing the sidecar (${NO_OUT}).${note}`,
    };
  },
  [`${P}excludeOutboundPorts`]: (value) => {
    const r = ports(value);
    if (!r.count) return null;
    const note = invalidNote(r.invalid, 'a valid port');
    if (!r.valid.length) return { severity: 'medium', escapes: `no valid port is excluded.${note}` };
    return {
      severity: 'medium',
      escapes: `outbound connections to port${r.valid.length > 1 ? 's' : ''} ${listSome(r.valid)}${more(r.dropped)} leave the pod without passing the sidecar (${NO_OUT}).${note}`,
    };
  },
  [`${P}excludeInboundPorts`]: (value, pod) => {
    const all = ports(value);
    // Istio's own ports (the injector adds the status port itself) bypass nothing of the application's.
    const r = { ...all, valid: all.valid.filter((p) => !pod.istioPorts.has(String(Number(p)))) };
    if (!r.valid.length && !r.invalid.length && !r.dropped) return null;
    const note = invalidNote(r.invalid, 'a valid port');
    if (!r.valid.length) return { severity: 'medium', escapes: `no valid port is excluded.${note}` };
    return {
      severity: 'medium',
      escapes: `inbound connections on port${r.valid.length > 1 ? 's' : ''} ${listSome(r.valid)}${more(r.dropped)} reach the application directly, ${NO_IN}.${note}`,
    };
  },
  [`${P}includeInboundPorts`]: (value) => {
    if (value.trim() === '*') return null;
    const r = ports(value);
    if (!r.count) return { severity: 'high', escapes: `no inbound traffic is captured: connections on every port reach the application directly, ${NO_IN}.` };
    const note = invalidNote(r.invalid, "a valid port (only a lone '*' means every port)");
    return {
      severity: 'medium',
      escapes: `only inbound port${r.valid.length === 1 ? '' : 's'} ${r.valid.length ? listSome(r.valid) : '(none valid)'}${more(r.dropped)} ${r.valid.length === 1 ? 'is' : 'are'} captured; connections on any other port the application listens on reach it directly, ${NO_IN}.${note}`,
    };
  },
  [`${P}excludeInterfaces`]: (value) => {
    const { items, dropped } = splitList(value);
    if (!items.length && !dropped) return null;
    return {
      severity: 'medium',
      escapes: `traffic through interface${items.length + dropped > 1 ? 's' : ''} ${listSome(items)}${more(dropped)} is not redirected and passes the sidecar by (${NO_OUT}; inbound ${NO_IN}).`,
    };
  },
  'sidecar.istio.io/interceptionMode': (value) => {
    if (value !== 'NONE') return null;
    return {
      severity: 'critical',
      escapes: `no redirection is set up at all: the sidecar only sees what the application sends to it explicitly, every other connection in or out passes it by (${NO_OUT}; inbound ${NO_IN}).`,
    };
  },
};

/**
 * Injection templates of a default installation that set up no redirection (the charts' files/*.yaml
 * of istio-discovery, istio/istio @ 86c9f01f): the gateway family runs the proxy as a router with no
 * istio-init, the proxyless gRPC ones run only the agent. Only `sidecar` captures; a template the
 * installation defines itself cannot be judged, and one it does not define fails injection.
 */
const ROUTER_TEMPLATES: ReadonlySet<string> = new Set(['gateway', 'kube-gateway', 'waypoint', 'agentgateway', 'agentgateway-waypoint']);
const PROXYLESS_TEMPLATES: ReadonlySet<string> = new Set(['grpc-agent', 'grpc-simple']);

JUDGES['inject.istio.io/templates'] = (value, pod) => {
  const names = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (!names.length || names.includes('sidecar')) return null;
  if (!names.every((t) => ROUTER_TEMPLATES.has(t) || PROXYLESS_TEMPLATES.has(t))) return null;
  // A gateway's own pod runs nothing but the proxy: nothing of an application's is left out.
  if (!pod.appContainers.length) return null;
  const apps = `container${pod.appContainers.length > 1 ? 's' : ''} ${listSome(pod.appContainers, 3)}`;
  if (names.every((t) => PROXYLESS_TEMPLATES.has(t))) {
    return {
      severity: 'medium',
      escapes: `proxyless gRPC injection: no Envoy and no redirection, only the agent that hands the application its xDS configuration, so mTLS and AuthorizationPolicy hold for ${apps} only if it serves gRPC with Istio's xDS server credentials; any other port or protocol it serves is reached directly, ${NO_IN}, and its outbound connections leave unmeshed (${NO_OUT}).`,
    };
  }
  return {
    severity: pod.gatewayPod ? 'medium' : 'critical',
    escapes: `the injector adds a gateway's proxy (a router with no istio-init and no redirection) instead of a sidecar, so nothing in or out of ${apps} passes it: inbound connections reach ${pod.appContainers.length > 1 ? 'them' : 'it'} directly, ${NO_IN}, even in a STRICT namespace, and outbound ones leave unmeshed (${NO_OUT}).${pod.gatewayPod ? ' The pod has a gateway\'s marks: if these containers are helpers of the gateway, they are still outside the mesh.' : ''}`,
  };
};

/** A ProxyConfig interceptionMode of NONE, by name or by its number in Istio's enum (REDIRECT 0, TPROXY 1, NONE 2). */
function interceptsNothing(mode: unknown): boolean {
  return mode === 'NONE' || mode === 2;
}

// The pod's own proxy config (a ProxyConfig as YAML or JSON), merged over the mesh's by istiod
// (pilot/pkg/model/proxy_config.go): the injection template reads its interceptionMode when the pod has
// no sidecar.istio.io/interceptionMode annotation, and NONE leaves out the init container.
JUDGES['proxy.istio.io/config'] = (value, pod) => {
  if (pod.interceptionAnnotation) return null;
  let config: unknown;
  try {
    config = loadMeshYaml(value);
  } catch {
    return null; // the injector refuses a proxy config it cannot read, and the pod is not injected
  }
  if (!isObject(config)) return null;
  if (!interceptsNothing(config.interceptionMode)) return null;
  return {
    severity: 'critical',
    said: ' with interceptionMode NONE',
    escapes: `its interceptionMode NONE reaches the injector as the sidecar.istio.io/interceptionMode annotation would: no redirection is set up at all, the sidecar only sees what the application sends to it explicitly, every other connection in or out passes it by (${NO_OUT}; inbound ${NO_IN}).`,
  };
};

const ANNOTATIONS = Object.keys(JUDGES);

export default defineRule({
  meta: {
    id: 'BYP006',
    title: 'Pod annotations exclude traffic from sidecar capture',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: [...WORKLOAD_READS, 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        "A pod (Pod metadata or a workload's pod template) carries a traffic.sidecar.istio.io annotation that takes traffic out of the sidecar's capture, or sidecar.istio.io/interceptionMode: NONE (also when set through the pod's proxy config, proxy.istio.io/config, which the injector reads when that annotation is absent, and in the mesh config's defaultConfig, critical at the mesh config), or inject.istio.io/templates naming only templates that set up no redirection. Severity grows with breadth: excludeOutboundIPRanges covering every address (0.0.0.0/0, ::/0) or includeOutboundIPRanges set to the empty string (nothing captured) or interceptionMode NONE are critical; an excluded range of /8 or wider, or includeInboundPorts set to the empty string, is high; narrower ranges, excludeOutboundPorts, excludeInboundPorts, includeOutboundIPRanges or includeInboundPorts other than '*', and excludeInterfaces are medium. The templates annotation: an application pod (any container besides istio-proxy) given only the gateway family of templates (gateway, kube-gateway, waypoint, agentgateway, agentgateway-waypoint: a router proxy with no istio-init) is critical, medium when the pod has a gateway's marks (an `istio` label, a Gateway API gateway's pod label, or an istio-proxy container declared in the template, as Istio's gateway chart does): its containers beside the proxy are outside the mesh; the proxyless gRPC templates (grpc-agent, grpc-simple: no Envoy, no redirection) are medium, since mTLS and authorization then hold only for a gRPC server using Istio's xDS credentials; a list with `sidecar`, or naming a template the installation defines itself, is not judged. Entries that are not valid CIDRs or ports are named in the message. Istio's own inbound ports (the agent status port 15020 or the pod's status.sidecar.istio.io/port, 15021, 15090 and 15008) are never counted: istio-iptables does not capture them anyway, and the injector itself writes excludeInboundPorts with the status port on every pod when the CNI plugin is on. On a Pod the injector has processed (sidecar.istio.io/status), a value equal to what the injector of its revision copies from the installation (values.global.proxy.excludeIPRanges, includeIPRanges, excludeInboundPorts, includeInboundPorts, excludeOutboundPorts in the injector ConfigMap or IstioOperator) is reported once, at that installation setting, not as the pod's own choice. Pods outside the mesh, in ambient mode (which does not read these annotations) and in system namespaces are not judged.",
      why:
        "These annotations tell istio-init (or the CNI plugin) not to redirect some traffic to the sidecar. Whatever they exclude is exactly as if the pod had no sidecar: outbound connections leave without mesh mTLS or identity (plaintext unless the application encrypts them itself), escaping egress policy, REGISTRY_ONLY and telemetry, so they are a convenient path for exfiltration and for reaching internal systems the mesh was meant to guard. Excluded inbound ports accept connections from anyone who can route to the pod, with no mTLS and no AuthorizationPolicy, even in a STRICT namespace. Anyone who may edit a Deployment can add them, and they are easy to miss in review.",
      fix:
        "Remove the annotation. If a destination must bypass the proxy (for example a cloud metadata endpoint or a database driver that breaks behind Envoy), exclude the narrowest range or the single port, record why, and protect it with a NetworkPolicy. Prefer expressing external dependencies as ServiceEntries routed through an egress gateway, and never exclude inbound ports that serve requests.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      annotations:\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: "0.0.0.0/0"\n        traffic.sidecar.istio.io/excludeInboundPorts: "8081"\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}',
      references: [
        'https://istio.io/latest/docs/reference/config/annotations/',
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-traffic-capture-limitations',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/',
        'https://istio.io/latest/docs/ops/deployment/application-requirements/',
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#custom-templates-experimental',
      ],
    },
  },
  check({ model, report }) {
    // The mesh's own proxy config: interceptionMode NONE there reaches every pod the injector serves
    // (the template reads .ProxyConfig.InterceptionMode unless the pod sets the annotation).
    const mesh = model.mesh;
    const defaults = mesh.config.defaultConfig;
    if (isObject(defaults) && interceptsNothing(defaults.interceptionMode)) {
      const path: PathSegment[] = meshConfigHasFields(mesh) ? [...mesh.path, 'defaultConfig', 'interceptionMode'] : mesh.path;
      report({
        resource: model.meshConfigResource,
        path,
        severity: 'critical',
        key: 'mesh/interceptionMode',
        message: `${meshSourceText(model)} sets defaultConfig.interceptionMode NONE: the injector sets up no redirection for any pod that does not ask for a mode itself, so the sidecars only see what applications send to them explicitly and every other connection in or out passes them by (${NO_OUT}; inbound ${NO_IN}).`,
      });
    }
    // Installation-wide settings already reported, by injector and annotation.
    const reportedDefaults = new Set<string>();
    for (const w of model.workloads) {
      let any = false;
      for (const name of ANNOTATIONS) {
        if (Object.prototype.hasOwnProperty.call(w.podAnnotations, name)) {
          any = true;
          break;
        }
      }
      if (!any) continue;
      if (model.isSystemNamespace(w.namespace)) continue;
      const dataplane = model.dataplaneOf(w);
      if (dataplane === 'none' || dataplane === 'ambient') continue; // no sidecar reads these annotations
      const pod: PodFacts = {
        istioPorts: istioInboundPorts(w.podAnnotations),
        interceptionAnnotation: Object.hasOwn(w.podAnnotations, 'sidecar.istio.io/interceptionMode'),
        appContainers: w.containers.filter((c) => c.kind === 'container' && c.name !== 'istio-proxy').map((c) => c.name),
        // Istio's gateway chart labels its pods `istio: <release>` and declares the istio-proxy container
        // itself (image auto); the injector adds it to everything else.
        gatewayPod:
          w.podLabels.istio !== undefined ||
          GATEWAY_POD_LABELS.some((l) => w.podLabels[l] !== undefined) ||
          (!Object.hasOwn(w.podAnnotations, INJECTED) && w.containers.some((c) => c.kind === 'container' && c.name === 'istio-proxy')),
      };
      for (const name of ANNOTATIONS) {
        if (!Object.prototype.hasOwnProperty.call(w.podAnnotations, name)) continue;
        const value = w.podAnnotations[name];
        if (typeof value !== 'string') continue;
        const verdict = JUDGES[name](value, pod);
        if (!verdict) continue;
        // On a pod the injector already processed, a value equal to the installation's default was
        // written by the injector: report it once, at the installation, not as this pod's choice.
        const installed = injectedDefault(model, w, name, value, pod);
        if (installed) {
          const key = `${installed.injector.resource.id}/${name}`;
          if (reportedDefaults.has(key)) continue;
          reportedDefaults.add(key);
          report({
            resource: installed.injector.resource,
            path: installed.setting.path,
            severity: verdict.severity,
            key: `installation/${name}`,
            message: `The sidecar injector of ${describe(installed.injector.resource)} writes ${name}${verdict.said ?? `=${shown(value)}`} on every pod it injects (from ${installed.setting.valuesKey}), for example on ${workloadLabel(w)}: ${verdict.escapes}`,
            evidence: [{ role: 'injected-pod', description: `${workloadLabel(w)} carries the annotation the injector wrote`, resource: w.resource, path: [...w.metaPath, 'annotations', name] }],
          });
          continue;
        }
        report({
          resource: w.resource,
          path: [...w.metaPath, 'annotations', name],
          severity: verdict.severity,
          key: name,
          message: `${workloadLabel(w)} sets annotation ${name}${verdict.said ?? `=${shown(value)}`}: ${verdict.escapes}`,
        });
      }
    }
  },
});

const INJECTED = 'sidecar.istio.io/status';

/** Comma-separated items, trimmed, Istio's own inbound ports left out, in a canonical order. */
function canonicalList(value: string, pod: PodFacts, ports: boolean): string {
  return splitList(value)
    .items.filter((x) => !(ports && isPort(x) && pod.istioPorts.has(String(Number(x)))))
    .sort()
    .join(',');
}

/**
 * When `w` is a Pod the injector has processed (it carries sidecar.istio.io/status) and the
 * annotation equals what the injector of its revision copies from the installation's values, that
 * injector and setting; else null.
 */
function injectedDefault(model: MeshModel, w: Workload, name: string, value: string, pod: PodFacts) {
  if (w.resource.kind !== 'Pod' || !Object.prototype.hasOwnProperty.call(w.podAnnotations, INJECTED)) return null;
  const { injector } = injectorFor(model, w);
  const setting = injector?.captureDefaults.get(name);
  if (!injector || !setting) return null;
  const ports = name.endsWith('Ports');
  return canonicalList(setting.value, pod, ports) === canonicalList(value, pod, ports) ? { injector, setting } : null;
}
