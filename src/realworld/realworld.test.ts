// What a correct meshward must say about manifests shaped like the ones real users feed it: kubectl dumps of
// injected pods (CNI and classic, native sidecars), Istio's own install objects, Gateway API gateways, and
// the false alarms and misses found by scanning public repositories (docs/real-world.md).
//
// Every case runs the BUILT CLI on a fixture folder under test/fixtures/realworld/, as a user would. Some
// assertions describe behaviour other engineers are implementing in the same wave (issue 9); they fail
// until then, and each names the rule, the object and the Istio fact, so the fix can be checked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../testing/kit.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'realworld');
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];

interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  resource: { kind: string; namespace: string; name: string };
  location: { file: string; line: number; column: number; path: string } | null;
  remediation?: string;
  evidence: Array<{ role: string; description: string; resource?: { kind: string; namespace: string; name: string } }>;
}
interface Report {
  findings: Finding[];
  errors: Array<{ file: string; line: number; message: string }>;
  summary: { resources: number; files: number; meshConfig: string; notes: string[] };
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const atLeast = (f: Finding, s: Severity) => rank(f.severity) >= rank(s);
const show = (fs: Finding[]) =>
  fs.map((f) => `${f.ruleId} ${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.location?.path ?? ''}: ${f.message}`);

/** Scans run once per target and are shared by the tests that read them (each is a CLI process). */
const scans = new Map<string, Promise<Report>>();
function scan(target: string): Promise<Report> {
  let p = scans.get(target);
  if (!p) {
    p = (async () => {
      const r = await runCli(['scan', path.join(FIXTURES, target), '--format', 'json', '--fail-on', 'none']);
      assert.equal(r.code, 0, `meshward scan ${target} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Report;
    })();
    scans.set(target, p);
  }
  return p;
}

/** Findings about one object (kind, namespace/name), optionally of one rule. */
function about(report: Report, kind: string, nsName: string, ruleId?: string): Finding[] {
  const [namespace, name] = nsName.split('/');
  return report.findings.filter(
    (f) => f.resource.kind === kind && f.resource.namespace === namespace && f.resource.name === name && (!ruleId || f.ruleId === ruleId),
  );
}
const ofRule = (report: Report, ruleId: string) => report.findings.filter((f) => f.ruleId === ruleId);

/** Objects in a fixture folder, counted from the text: top-level documents plus the items of a kubectl List. */
function objectsIn(folder: string): number {
  let n = 0;
  for (const file of readdirSync(path.join(FIXTURES, folder))) {
    const text = readFileSync(path.join(FIXTURES, folder, file), 'utf8');
    n += (text.match(/^kind: (?!List$)\S+$/gm) ?? []).length;
    // A List's items each start a sequence entry at the top level (`- apiVersion: ...`).
    if (/^kind: List$/m.test(text)) n += (text.match(/^- apiVersion: /gm) ?? []).length;
  }
  return n;
}

/** Every object of the fixture folder loads, with no error. */
function loadsCleanly(target: string): void {
  test('loads with no error', async () => {
    const r = await scan(target);
    assert.deepEqual(r.errors, []);
    assert.equal(r.summary.resources, objectsIn(target));
  });
}

describe('mesh-cni-native: a hardened Istio 1.30.4 mesh (CNI, native sidecars, kubectl dumps)', () => {
  const target = 'mesh-cni-native';

  test('every object of the dumps loads (kubectl List, managedFields, status) with no error', async () => {
    const r = await scan(target);
    assert.deepEqual(r.errors, []);
    assert.equal(r.summary.resources, objectsIn(target));
    assert.equal(r.summary.meshConfig, 'configmap');
  });

  test('every finding points at a line that exists in its file', async () => {
    const r = await scan(target);
    for (const f of r.findings) {
      if (!f.location) continue;
      const lines = readFileSync(path.resolve(REPO_ROOT, f.location.file), 'utf8').split('\n').length;
      assert.ok(f.location.line >= 1 && f.location.line <= lines, `${f.ruleId} points at ${f.location.file}:${f.location.line}`);
    }
  });

  test('nothing at medium or above in a well-configured mesh', async () => {
    const r = await scan(target);
    assert.deepEqual(show(r.findings.filter((f) => atLeast(f, 'medium'))), []);
  });

  // Istio 1.30 publishes its images to registry.istio.io/release (the charts' default hub); every proxy,
  // istio-validation and gateway container here runs registry.istio.io/release/proxyv2:1.30.4.
  test('BYP002: proxy images from registry.istio.io/release are genuine Istio images', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'BYP002')), []);
  });

  // With native sidecars (the default since 1.27, ENABLE_NATIVE_SIDECARS=auto) istio-proxy is an init
  // container with restartPolicy: Always; with CNI, istio-validation runs as 1337 by design; the proxy of a
  // Gateway API gateway is the pod's only container. All run as UID/GID 1337 because they are the proxy.
  test('BYP001: the genuine istio-proxy (native sidecar, gateway) and istio-validation may run as 1337', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'BYP001')), []);
  });

  // With the CNI plugin on, the injector itself writes excludeInboundPorts "15020" (the agent's status
  // port) and includeInboundPorts / includeOutboundIPRanges "*" on every pod: Istio's setting, not the user's.
  test('BYP006: injector-written traffic annotations (excludeInboundPorts "15020") are not exclusions', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'BYP006')), []);
  });

  // istiod deploys a Gateway API Gateway's proxy with the pod label sidecar.istio.io/inject: "false"
  // (kube-gateway template): the pod is itself the proxy, it does not leave the mesh.
  test('BYP007: the Deployment and pods istiod creates for a Gateway API Gateway do not "opt out"', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'Deployment', 'bookinfo/bookinfo-gateway-istio', 'BYP007')), []);
    assert.deepEqual(show(ofRule(r, 'BYP007').filter((f) => f.resource.kind === 'Pod')), []);
  });

  test('gateway LoadBalancer Services (Helm gateway chart, Gateway API) are not reported as exposure', async () => {
    const r = await scan(target);
    const onServices = r.findings.filter((f) => f.resource.kind === 'Service' && atLeast(f, 'medium'));
    assert.deepEqual(show(onServices), []);
  });

  test('an AuthorizationPolicy attached by targetRefs to a Gateway API Gateway applies to its pods', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'AuthorizationPolicy', 'bookinfo/reviews-public-host')), []);
  });

  test('the CNI node agent (privileged, hostNetwork) in istio-system is Istio itself, not a bypass', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'DaemonSet', 'istio-system/istio-cni-node').filter((f) => atLeast(f, 'medium'))), []);
  });

  test('the mesh config and versions are read from the install: no ALLOW_ANY, export or unknown-version finding', async () => {
    const r = await scan(target);
    assert.deepEqual(show(r.findings.filter((f) => ['EGR001', 'HJK012', 'ADV004', 'AUT001'].includes(f.ruleId))), []);
  });
});

describe('mesh-classic: Istio 1.30.4 without CNI, native sidecars off (istio-init, istio-proxy container)', () => {
  const target = 'mesh-classic';

  loadsCleanly(target);

  test('BYP001/BYP002: the injected istio-proxy and istio-init (registry.istio.io/release) are genuine', async () => {
    const r = await scan(target);
    assert.deepEqual(show(r.findings.filter((f) => f.ruleId === 'BYP001' || f.ruleId === 'BYP002')), []);
  });

  // The genuine istio-init asks for NET_ADMIN and NET_RAW and nothing else: BYP004 (info) explains the
  // cost; BYP003 is for everything else that can rewrite iptables.
  test('BYP003: the genuine istio-init (NET_ADMIN, NET_RAW only) is not an application rewriting iptables', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'BYP003')), []);
  });

  test('BYP004 (info) is reported once per injected pod', async () => {
    const r = await scan(target);
    const pods = new Set(ofRule(r, 'BYP004').map((f) => `${f.resource.kind} ${f.resource.namespace}/${f.resource.name}`));
    assert.equal(pods.size, 4, show(ofRule(r, 'BYP004')).join('\n'));
    assert.ok(ofRule(r, 'BYP004').every((f) => f.severity === 'info'));
  });

  test('BYP009: a mesh namespace enforcing only "privileged" is reported (true finding)', async () => {
    const r = await scan(target);
    assert.equal(about(r, 'Namespace', '/reviews-team', 'BYP009').filter((f) => atLeast(f, 'high')).length, 1);
  });

  // The dump holds one namespace and nothing of the root namespace: whether a mesh-wide PeerAuthentication
  // exists is unknown, as whether a mesh config exists is (EGR001 already says so at low).
  test('AUT001: with nothing of the root namespace in the input, "no mesh-wide STRICT" is not asserted at high', async () => {
    const r = await scan(target);
    assert.ok(ofRule(r, 'EGR001').every((f) => f.severity === 'low'), 'EGR001 stays low without a mesh config');
    assert.deepEqual(show(ofRule(r, 'AUT001').filter((f) => atLeast(f, 'medium'))), []);
  });
});

describe('default-profile-1.30: Istio 1.30.4 installed with the default profile', () => {
  const target = 'default-profile-1.30';

  test('the unhardened defaults are reported on the istio ConfigMap', async () => {
    const r = await scan(target);
    assert.deepEqual(r.errors, []);
    assert.equal(r.summary.meshConfig, 'configmap');
    const egress = about(r, 'ConfigMap', 'istio-system/istio', 'EGR001');
    assert.equal(egress.length, 1, 'ALLOW_ANY by default');
    assert.equal(egress[0].severity, 'high');
    assert.equal(egress[0].location?.path, 'data.mesh');
    assert.equal(about(r, 'ConfigMap', 'istio-system/istio', 'HJK012').length, 3, 'three export defaults unset');
    assert.equal(ofRule(r, 'AUT001').filter((f) => f.severity === 'high').length, 1, 'no PeerAuthentication at all');
  });

  test('Istio components of the default hub are neither impostors nor of unknown version', async () => {
    const r = await scan(target);
    const wrong = r.findings.filter((f) => ['BYP001', 'BYP002', 'BYP003', 'ADV001', 'ADV002', 'ADV003', 'ADV004'].includes(f.ruleId));
    assert.deepEqual(show(wrong), []);
  });

  test('the ingress gateway LoadBalancer (15021, 80, 443) exposes no control-plane port', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'AUT020')), []);
  });
});

describe('triage: false alarms and misses found on public manifests', () => {
  const target = 'triage';

  test('loads with no error', async () => {
    const r = await scan(target);
    assert.deepEqual(r.errors, []);
  });

  // Since Istio 1.21 (VERIFY_CERT_AT_CLIENT on by default) an empty caCertificates means the system CA
  // bundle, and on an HTTP port with sni and subjectAltNames unset Istio sets SNI from the request's host
  // and validates the certificate's name against it (auto SNI, auto SAN validation): fully verified.
  test('AUT004: HTTP TLS origination to a public host without caCertificates, sni or SANs is verified on 1.30', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'DestinationRule', 'shop/payments-api-originate-tls', 'AUT004').filter((f) => atLeast(f, 'medium'))), []);
  });

  test('AUT004: TLS origination to an in-mesh host without a CA fails closed on 1.30 (not high)', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'DestinationRule', 'istio-system/istiod-through-gateway', 'AUT004').filter((f) => atLeast(f, 'high'))), []);
  });

  test('BYP002: istio-init from registry.istio.io/release is genuine; its SYS_ADMIN is still reported (BYP003)', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'Pod', 'shop/init-with-sys-admin', 'BYP002')), []);
    assert.ok(about(r, 'Pod', 'shop/init-with-sys-admin', 'BYP003').some((f) => /SYS_ADMIN/.test(f.message) && atLeast(f, 'high')));
  });

  test('BYP003: istio-init adding ALL is not the genuine istio-init', async () => {
    const r = await scan(target);
    assert.ok(
      about(r, 'Pod', 'shop/init-with-all', 'BYP003').some((f) => /\bALL\b/.test(f.message) && atLeast(f, 'high')),
      show(about(r, 'Pod', 'shop/init-with-all')).join('\n'),
    );
    assert.deepEqual(show(about(r, 'Pod', 'shop/init-with-all', 'BYP004')), []);
  });

  test('a main container named istio-init is never the genuine one', async () => {
    const r = await scan(target);
    const found = about(r, 'Pod', 'shop/init-as-main-container');
    assert.deepEqual(show(found.filter((f) => f.ruleId === 'BYP004')), [], 'not "Istio\'s redirection set-up"');
    assert.ok(found.some((f) => atLeast(f, 'high')), show(found).join('\n'));
  });

  test('BYP003: an untrusted istio-init adding NET_ADMIN and ALL is reported for both', async () => {
    const r = await scan(target);
    const caps = about(r, 'Pod', 'shop/untrusted-init-with-all', 'BYP003').map((f) => f.location?.path);
    assert.ok(caps.includes('spec.initContainers[0].securityContext.capabilities.add[0]'));
    assert.ok(caps.includes('spec.initContainers[0].securityContext.capabilities.add[1]'));
  });

  // Istio's injector also injects pods labelled sidecar.istio.io/inject: "true" in namespaces without an
  // injection label (webhook object.sidecar-injector.istio.io); posture already counts them as sidecar.
  test('BYP008: a namespace whose workloads opt in one by one does not "run without sidecar"', async () => {
    const r = await scan(target);
    const wrong = about(r, 'Namespace', '/travel-agency', 'BYP008').filter((f) => atLeast(f, 'medium') && /without sidecar/.test(f.message));
    assert.deepEqual(show(wrong), []);
  });

  // AUTO_PASSTHROUGH servers route by SNI without any VirtualService, so "any namespace may bind its
  // hosts" does not apply; behind mesh-wide STRICT the destination sidecars refuse clients without a mesh
  // certificate, so the documented east-west gateway is not a high finding.
  test('HJK005/AUT019: the multi-network east-west gateway (AUTO_PASSTHROUGH *.local) under mesh-wide STRICT', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'Gateway', 'istio-system/cross-network-gateway', 'HJK005')), []);
    assert.deepEqual(show(about(r, 'Gateway', 'istio-system/cross-network-gateway', 'AUT019').filter((f) => atLeast(f, 'high'))), []);
  });

  // A sidecar cannot load a credentialName Secret: only a DestinationRule with workloadSelector (or a
  // gateway) can, so this origination does not happen as written (Istio's analyzer IST0128 agrees).
  test('miss: DestinationRule credentialName without workloadSelector on sidecars is high', async () => {
    const r = await scan(target);
    const found = about(r, 'DestinationRule', 'shop/partner-mtls').filter((f) => atLeast(f, 'high') && /credentialName/.test(f.message));
    assert.equal(found.length, 1, show(about(r, 'DestinationRule', 'shop/partner-mtls')).join('\n'));
  });

  test('miss: istiod without BLOCKED_CIDRS_IN_JWKS_URIS while a RequestAuthentication exists (IST0175)', async () => {
    const r = await scan(target);
    const found = about(r, 'Deployment', 'istio-system/istiod').filter((f) => /BLOCKED_CIDRS_IN_JWKS_URIS/.test(f.message));
    assert.equal(found.length, 1, show(about(r, 'Deployment', 'istio-system/istiod')).join('\n'));
  });

  test('miss: a mesh VirtualService claiming name.other-ns.svc.cluster.local is a hijack without the Service', async () => {
    const r = await scan(target);
    assert.equal(about(r, 'VirtualService', 'shop/reroute-payments', 'HJK001').length, 1);
  });

  test('miss: a ServiceEntry opening the cloud metadata address to the mesh', async () => {
    const r = await scan(target);
    const found = about(r, 'ServiceEntry', 'shop/instance-metadata').filter((f) => atLeast(f, 'high'));
    assert.ok(found.length >= 1, show(about(r, 'ServiceEntry', 'shop/instance-metadata')).join('\n'));
  });

  test('miss: a LoadBalancer Service selecting an injected workload directly skips the ingress gateway', async () => {
    const r = await scan(target);
    const found = about(r, 'Service', 'shop/storefront-public', 'BYP030');
    assert.equal(found.length, 1, 'no BYP030 finding on Service shop/storefront-public');
    // Mesh-wide STRICT here: clients outside the mesh are refused on every exposed port, so the path
    // around the gateway fails closed today and only opens if a port turns PERMISSIVE: low, not medium.
    assert.equal(found[0].severity, 'low');
    assert.match(found[0].message, /mTLS/);
  });
});

describe("issue 9's list, in real-world shapes (triage/issue9-*.yaml, namespaces-by-default/)", () => {
  const target = 'triage';

  test('AUT009: a DENY on "/*" cannot be escaped by path normalization', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'AuthorizationPolicy', 'shop/maintenance-deny-all-paths', 'AUT009')), []);
  });

  test('AUT013: a selector on Istio gateway labels, gateway not in the input, is unknown (info at most)', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'AuthorizationPolicy', 'istio-system/ingress-known-hosts', 'AUT013').filter((f) => atLeast(f, 'low'))), []);
  });

  test('AUT013: a selector on a Gateway API Gateway\'s pods (gateway-name label) selects the gateway', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'AuthorizationPolicy', 'shop/shop-edge-methods', 'AUT013').filter((f) => atLeast(f, 'low'))), []);
  });

  test('BYP008: with enableNamespacesByDefault, an unlabelled namespace is injected', async () => {
    const r = await scan('namespaces-by-default');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(show(about(r, 'Namespace', '/orders', 'BYP008')), []);
  });

  test('miss: a PERMISSIVE PeerAuthentication whose workloads are not in the input is still a weakening (AUT002)', async () => {
    const r = await scan(target);
    assert.equal(about(r, 'PeerAuthentication', 'shop/legacy-billing-plaintext', 'AUT002').length, 1);
  });

  test('miss: a second namespace-wide PeerAuthentication is ignored by Istio (the oldest applies)', async () => {
    const r = await scan(target);
    const found = about(r, 'PeerAuthentication', 'shop/namespace-strict-again', 'AUT023');
    assert.equal(found.length, 1, show(r.findings.filter((f) => f.resource.kind === 'PeerAuthentication')).join('\n'));
    assert.match(found[0].message, /oldest, shop\/namespace-strict/);
    // Both say STRICT, so ignoring the newer changes nothing yet: low (AUT023 is high when the ignored one is stricter).
    assert.equal(found[0].severity, 'low');
  });

  test('miss: ServiceEntry resolution NONE on a specific host without addresses passes a whole TCP port', async () => {
    const r = await scan(target);
    // The mesh exports ServiceEntries to their own namespace by default here (defaultServiceExportTo "."),
    // so the hole is shop's alone: EGR006 grades that medium (high when exported further).
    assert.ok(about(r, 'ServiceEntry', 'shop/legacy-db', 'EGR006').some((f) => f.severity === 'medium' && /5432/.test(f.message)));
  });

  test('miss: a namespace with two injection labels (istio-injection and istio.io/rev)', async () => {
    const r = await scan(target);
    const found = about(r, 'Namespace', '/checkout').filter((f) => /istio-injection/.test(f.message) && /istio\.io\/rev/.test(f.message));
    assert.ok(found.length >= 1, show(about(r, 'Namespace', '/checkout')).join('\n'));
  });

  test('miss: a DENY naming a namespace that does not exist fails open', async () => {
    const r = await scan(target);
    assert.ok(about(r, 'AuthorizationPolicy', 'shop/deny-from-sandbox').some((f) => atLeast(f, 'medium') && /sandbx/.test(f.message)));
  });

  test('miss: a running pod without a sidecar in an injected namespace (live dump)', async () => {
    const r = await scan(target);
    assert.ok(about(r, 'Pod', 'shop/storefront-5d8c7b9f4-q2x7m').some((f) => atLeast(f, 'medium')));
  });
});

describe('istio-operators: several IstioOperators in one input (a repository of install profiles)', () => {
  test('the report says which mesh config applies when several IstioOperators disagree', async () => {
    const r = await scan('istio-operators');
    assert.deepEqual(r.errors, []);
    assert.ok(
      r.summary.notes.some((n) => /IstioOperator|mesh config/i.test(n) && /the input holds \d+ mesh configs|several|more than one|merged/i.test(n)),
      `notes: ${JSON.stringify(r.summary.notes)}`,
    );
  });

  // A gateway-only IstioOperator (profile empty, an east-west gateway) renders no mesh config: the
  // hardened control plane's is read (REGISTRY_ONLY, so no EGR001), whatever the order.
  test('an east-west gateway IstioOperator is not taken for the mesh config', async () => {
    const r = await scan('istio-operators');
    assert.ok(r.summary.notes.some((n) => /meshward uses IstioOperator istio-system\/\(unnamed\) \(the default-revision IstioOperator that installs istiod/.test(n)), JSON.stringify(r.summary.notes));
    assert.deepEqual(show(ofRule(r, 'EGR001')), []);
  });

  // Istio's samples ship an IstioOperator with no meshConfig (bookinfo/demo-profile-no-gateways.yaml):
  // findings about the defaults it implies must point at a field that exists.
  test('findings about an IstioOperator without meshConfig never point at spec.meshConfig', async () => {
    const r = await scan('istio-operators/demo-no-gateways.yaml');
    const onIop = r.findings.filter((f) => f.resource.kind === 'IstioOperator');
    assert.ok(onIop.length > 0, 'the defaults it implies (ALLOW_ANY, export defaults) are reported on it');
    assert.deepEqual(
      onIop.filter((f) => f.location?.path.startsWith('spec.meshConfig')).map((f) => `${f.ruleId} ${f.location?.path}`),
      [],
    );
  });
});

// Istio's samples define Gateway default/istiod-gateway twice (multicluster/expose-istiod.yaml and
// expose-istiod-https.yaml, alternatives), kyverno/policies a PeerAuthentication in two test folders:
// a scanned repository holds variants of one object that no cluster holds at once (src/engine/twins.ts).
describe('variants: one object defined in two files (alternatives, test copies)', () => {
  const target = 'variants';
  const evidenceNames = (f: Finding) => f.evidence.map((e) => e.resource && `${e.resource.kind} ${e.resource.namespace}/${e.resource.name}`);
  const self = (f: Finding) => `${f.resource.kind} ${f.resource.namespace}/${f.resource.name}`;

  loadsCleanly(target);

  test('the report says which objects are defined more than once', async () => {
    const r = await scan(target);
    assert.ok(r.summary.notes.some((n) => /^2 objects are defined more than once/.test(n)), `notes: ${JSON.stringify(r.summary.notes)}`);
  });

  test('no finding rests only on another definition of its own object', async () => {
    const r = await scan(target);
    const named = (e: Finding['evidence'][number]) => e.resource && `${e.resource.kind} ${e.resource.namespace}/${e.resource.name}`;
    const onTwins = r.findings.filter((f) => f.evidence.some((e) => e.resource) && f.evidence.every((e) => !e.resource || named(e) === self(f)));
    assert.deepEqual(show(onTwins), []);
    assert.deepEqual(show(about(r, 'PeerAuthentication', 'shop/namespace-mtls', 'AUT023')), []);
  });

  test('each definition is still judged on its own, and against the objects that really differ', async () => {
    const r = await scan(target);
    // The passthrough alternative alone: TLS passed through for "*".
    assert.ok(
      about(r, 'Gateway', 'istio-system/control-plane-gateway', 'AUT019').some((f) => f.location?.file.endsWith('expose-control-plane.yaml')),
      show(r.findings).join('\n'),
    );
    // A distinct Gateway on the same pods and port, and a distinct second namespace-wide policy.
    assert.ok(about(r, 'Gateway', 'istio-system/partner-gateway', 'HJK017').some((f) => evidenceNames(f).includes('Gateway istio-system/control-plane-gateway')));
    assert.equal(about(r, 'PeerAuthentication', 'shop/second-namespace-policy', 'AUT023').length, 1);
  });

  test('--verbose lists each object with the files that define it', async () => {
    const r = await runCli(['scan', path.join(FIXTURES, target), '--format', 'json', '--fail-on', 'none', '--verbose']);
    const notes = (JSON.parse(r.stdout) as Report).summary.notes;
    const gw = notes.find((n) => n.startsWith('Gateway istio-system/control-plane-gateway is defined 2 times:'));
    assert.ok(gw && /expose-control-plane\.yaml:\d+/.test(gw) && /expose-control-plane-https\.yaml:\d+/.test(gw), `notes: ${JSON.stringify(notes)}`);
    assert.ok(notes.some((n) => n.startsWith('PeerAuthentication shop/namespace-mtls is defined 2 times:')));
  });
});

// Shapes behind the false alarms found on 2026-12-06 (docs/real-world.md "Run again on 2026-12-06"):
// Istio's googleapis sample and Kiali's demos, christian-posta/istio-demos' istiod, kyma-project/istio's
// egress gateway policy, Istio's tests/testdata/config/egressgateway.yaml, namespace-less repositories.
describe('triage-2026-12-06: egress origination, istiod as 1337, the egress gateway, no namespace', () => {
  const target = 'triage-2026-12-06';

  loadsCleanly(target);

  test('AUT004: HTTP routed to the originating port has its name checked (info); on Istio 1.18 nothing is verified (high)', async () => {
    const current = await scan(`${target}/egress-tls-origination.yaml`);
    const f = about(current, 'DestinationRule', 'billing/rates-api-originate-tls', 'AUT004');
    assert.deepEqual(
      f.map((x) => x.severity),
      ['info'],
    );
    assert.match(f[0].message, /auto SAN validation: HTTP requests a VirtualService routes to this port/);
    // With the 1.18 istiod of the same folder: before 1.21 the proxy verifies no certificate at all.
    const old = about(await scan(target), 'DestinationRule', 'billing/rates-api-originate-tls', 'AUT004');
    assert.deepEqual(
      old.map((x) => x.severity),
      ['high'],
    );
  });

  test('BYP001: istiod of a trusted hub running as 1337 (Istio through 1.19) is not a bypass; its version is still judged', async () => {
    const r = await scan(target);
    assert.deepEqual(show(about(r, 'Deployment', 'istio-system/istiod', 'BYP001')), []);
    assert.ok(about(r, 'Deployment', 'istio-system/istiod', 'ADV002').length > 0, '1.18 is past its end of support');
  });

  test("EGR004 and AUT018: the egress gateway's open egress is info, its HTTP beside HTTPS is not a browser's downgrade", async () => {
    const r = await scan(target);
    assert.deepEqual(
      about(r, 'NetworkPolicy', 'istio-system/egressgateway-egress', 'EGR004').map((f) => f.severity),
      ['info'],
    );
    assert.deepEqual(show(about(r, 'Gateway', 'istio-system/partner-egress', 'AUT018')), []);
  });

  test('a VirtualService without a namespace: the report says where it was judged, and -n changes the verdict', async () => {
    const r = await scan(target);
    assert.ok(r.summary.notes.some((n) => n.startsWith('1 namespaced object names no namespace and was judged in namespace default')));
    assert.ok(about(r, 'VirtualService', 'default/ledger-canary', 'HJK001').length > 0, "from default, it claims payments' host");
    const applied = await runCli(['scan', path.join(FIXTURES, target, 'canary-without-namespace.yaml'), '-n', 'payments', '--format', 'json', '--fail-on', 'none']);
    const withN = JSON.parse(applied.stdout) as Report;
    assert.deepEqual(show(withN.findings.filter((f) => f.ruleId === 'HJK001')), []);
    assert.ok(withN.summary.notes.some((n) => n.includes('judged in namespace payments (-n)')));
  });
});

// OpenShift Service Mesh 3 / the Sail operator: the mesh config and the version in a cluster-scoped
// `Istio` resource (istio-ecosystem/sail-operator's chart/samples shape).
describe('sail: Istio installed by the Sail operator', () => {
  const target = 'sail';
  loadsCleanly(target);

  test("the mesh config is the Sail Istio's spec.values.meshConfig: REGISTRY_ONLY and the export defaults are read", async () => {
    const r = await scan(target);
    assert.equal(r.summary.meshConfig, 'sail');
    assert.ok(!r.summary.notes.some((n) => n.startsWith('no Istio mesh config')), JSON.stringify(r.summary.notes));
    assert.deepEqual(show(ofRule(r, 'EGR001')), []);
    assert.deepEqual(show(ofRule(r, 'HJK012')), []);
    // EGR003 says REGISTRY_ONLY is the only egress control: the mode was read from the Sail resource.
    assert.ok(ofRule(r, 'EGR003').some((f) => /REGISTRY_ONLY/.test(f.message)));
  });

  test('its spec.version is the installed Istio version; the Sail kinds are cluster-scoped', async () => {
    const r = await scan(target);
    const adv = about(r, 'Istio', '/default', 'ADV001');
    assert.equal(adv.length, 1, show(r.findings).join('\n'));
    assert.equal(adv[0].location?.path, 'spec.version');
    assert.match(adv[0].message, /installs Istio 1\.30\.1/);
    assert.ok(!r.summary.notes.some((n) => /name no namespace|names no namespace/.test(n)), 'Istio and IstioCNI have no namespace to name');
  });
});

// kubeflow/manifests is a tree of kustomize sources: bases, overlays that patch them, components that
// delete Namespaces. Scanned as checked in, its patches read as whole objects (a Deployment holding
// only an annotation with a placeholder; a Namespace the build deletes) and every finding on them is
// about something never applied (src/loader/kustomize.ts).
describe('kustomize: a tree of kustomize sources, scanned as checked in', () => {
  const target = 'kustomize';

  test('loads with no error; the kustomizations and the patches are not objects', async () => {
    const r = await scan(target);
    assert.deepEqual(r.errors, []);
    // The base's Namespace, Deployment, PeerAuthentication and AuthorizationPolicy; not the two patches nor the $patch: delete.
    assert.equal(r.summary.resources, 4);
  });

  test('no finding rests on a patch document', async () => {
    const r = await scan(target);
    assert.deepEqual(show(r.findings.filter((f) => /\/(patches|components)\//.test(f.location?.file ?? ''))), []);
    assert.deepEqual(show(about(r, 'Namespace', '/ledger-sandbox')), []);
    assert.deepEqual(show(ofRule(r, 'BYP006')), []);
    assert.deepEqual(show(ofRule(r, 'BYP008')), []);
  });

  test('the base is still judged: an ALLOW of every request without the user header (AUT008, "*" excluded)', async () => {
    const r = await scan(target);
    const f = about(r, 'AuthorizationPolicy', 'ledger/ledger-api', 'AUT008');
    assert.equal(f.length, 1, show(r.findings).join('\n'));
    assert.match(f[0].message, /holds only when request\.headers\[x-ledger-user\] is absent, and every request without it is allowed/);
  });

  test('the report says the input is kustomize sources, what was left out, and how to judge the build', async () => {
    const r = await scan(target);
    const note = r.summary.notes.find((n) => n.startsWith('the input holds 3 kustomizations'));
    assert.ok(note, JSON.stringify(r.summary.notes));
    assert.match(note, /3 patch documents were left out/);
    assert.match(note, /kustomize build DIR \| meshward scan -/);
    // The PeerAuthentication names no namespace: the overlay, the only build that reaches it, puts it in
    // ledger, where it selects the Deployment (in default it would select nothing).
    assert.match(note, /1 object that names no namespace was judged in the namespace every build of the input's kustomizations gives it/);
    assert.doesNotMatch(note, /objects no build places for certain/);
    assert.ok(!r.summary.notes.some((n) => /judged in namespace default/.test(n)), JSON.stringify(r.summary.notes));
    const pa = about(r, 'PeerAuthentication', 'ledger/ledger-api-metrics', 'AUT002');
    assert.equal(pa.length, 1, show(r.findings).join('\n'));
    assert.match(pa[0].message, /on port 9090 of 1 workload \(Deployment ledger\/ledger-api\)/);
    const verbose = JSON.parse((await runCli(['scan', path.join(FIXTURES, target), '--format', 'json', '--fail-on', 'none', '--verbose'])).stdout) as Report;
    const listed = verbose.summary.notes.filter((n) => n.startsWith('left out as a patch: '));
    assert.deepEqual(
      listed.map((n) => n.replace(/^left out as a patch: .*realworld\/kustomize\//, '')).sort(),
      ['components/sandbox/remove-namespace.yaml:1', 'overlays/prod/patches/db-port.yaml:1', 'overlays/prod/patches/team-label.yaml:1'],
    );
  });
});

// istiod's gateway controller deploys the proxies of Gateway API gateways and waypoints
// (istio/istio pilot/pkg/config/kube/gatewaycommon/testdata/deployment): injection off, ambient off,
// the proxy (istio-proxy, or agentgateway for the agentgateway class) running as UID and GID 1337.
describe('gateway-controller: the Deployments istiod creates for a waypoint and an agentgateway Gateway, and a Gateway of class istio in an injected namespace', () => {
  const target = 'gateway-controller';
  loadsCleanly(target);

  test('no bypass: 1337 has no sidecar to skip, and opting out is what these pods are for', async () => {
    const r = await scan(target);
    assert.deepEqual(show(r.findings.filter((f) => f.ruleId.startsWith('BYP'))), []);
  });
});

// Istio's charts with global.networkPolicy.enabled: one NetworkPolicy per component in istio-system.
describe("istio-network-policies: the NetworkPolicies Istio's charts write for its components", () => {
  const target = 'istio-network-policies';
  loadsCleanly(target);

  test('istiod, ztunnel and the CNI agent: open egress by design, info with the reason; the ingress gateway keeps its grade', async () => {
    const r = await scan(target);
    for (const name of ['istiod', 'ztunnel', 'istio-cni-node']) {
      const f = about(r, 'NetworkPolicy', `istio-system/${name}`, 'EGR004');
      assert.equal(f.length, 1, name);
      assert.equal(f[0].severity, 'info', show(f).join('\n'));
      assert.match(f[0].message, /open in Istio's own chart/);
    }
    assert.equal(about(r, 'NetworkPolicy', 'istio-system/istio-ingressgateway', 'EGR004')[0]?.severity, 'high');
  });
});

// stefanprodan/gitops-istio: istioctl kube-inject output checked in, the namespace labelled
// istio-injection=disabled so that the webhook never sees its pods.
describe('kube-inject: sidecars injected ahead in a namespace that does not inject', () => {
  const target = 'kube-inject';
  loadsCleanly(target);

  test('the namespace is not outside the mesh, and its workload is a mesh workload', async () => {
    const r = await scan(target);
    assert.deepEqual(show(ofRule(r, 'BYP008')), []);
    // The namespace is in the mesh through its workloads: EGR003 judges its egress as a mesh namespace's.
    assert.ok(ofRule(r, 'EGR003').some((f) => /^Namespace prod is in the mesh \(sidecar mode/.test(f.message)), show(r.findings).join('\n'));
  });
});

// Kiali's validation inputs and GitOps "mesh config" repositories: Istio configuration without the
// applications' namespaces or workloads.
describe('config-only: Istio configuration kept apart from the applications', () => {
  const target = 'config-only';
  loadsCleanly(target);

  test('TLS turned off to services whose place in the mesh the input does not show: medium, and only those', async () => {
    const r = await scan(target);
    const aut003 = ofRule(r, 'AUT003');
    assert.deepEqual(aut003.map((f) => `${f.severity} ${f.resource.namespace}/${f.resource.name}`).sort(), ['medium bookinfo/bookinfo-plaintext', 'medium bookinfo/ratings'], show(aut003).join('\n'));
    assert.ok(aut003.every((f) => /which the input does not show in or out of the mesh/.test(f.message)), show(aut003).join('\n'));
  });
});

// `kubectl get all -o yaml` of a namespace: each Deployment beside its ReplicaSets and Pods, each
// CronJob beside its Jobs and their Pods, all carrying one pod template.
describe('cluster-dump: a namespace as kubectl lists it, controllers beside what they run', () => {
  const target = 'cluster-dump';
  loadsCleanly(target);

  test("one finding per problem of a template, on the controller, naming the objects that copy it", async () => {
    const r = await scan(target);
    for (const rule of ['BYP001', 'BYP006']) {
      const fs = ofRule(r, rule);
      assert.deepEqual(fs.map((f) => `${f.resource.kind} ${f.resource.name}`).sort(), ['CronJob report', 'Deployment orders'], show(fs).join('\n'));
      const named = (kind: string) => fs.find((f) => f.resource.kind === kind)!.evidence.filter((e) => e.role === 'same-in-owned').map((e) => `${e.resource?.kind} ${e.resource?.name}`).sort();
      assert.deepEqual(named('Deployment'), ['Pod orders-7c9d5b6f4-q7w4n', 'Pod orders-7c9d5b6f4-x2k8p', 'ReplicaSet orders-5f6b8d9c7', 'ReplicaSet orders-7c9d5b6f4']);
      assert.deepEqual(named('CronJob'), ['Job report-29461980', 'Pod report-29461980-9d2lm']);
    }
    // The injected istio-init, in every Pod and in no template: once per controller, on its first Pod by name.
    assert.deepEqual(ofRule(r, 'BYP004').map((f) => f.resource.name).sort(), ['orders-7c9d5b6f4-q7w4n', 'report-29461980-9d2lm']);
    assert.ok(r.summary.notes.some((n) => /^13 findings on objects that a controller in the input runs \(ReplicaSets, Pods, Jobs\) were folded/.test(n)), r.summary.notes.join('\n'));
  });

  test('messages count the two applications, not the eight objects that run them', async () => {
    const r = await scan(target);
    for (const rule of ['AUT001', 'AUT006']) {
      const [f] = ofRule(r, rule);
      assert.ok(f, rule);
      assert.match(f.message, /\b2 (mesh )?workloads .*\(Deployment shop\/orders, CronJob shop\/report\)/, f.message);
      assert.doesNotMatch(f.message, /\b8 (mesh )?workloads|ReplicaSet shop\//, f.message);
      const listed = f.evidence.filter((e) => e.role === 'workload').map((e) => e.description);
      assert.equal(listed.length, 3, listed.join('\n'));
      assert.match(listed[0], /^Deployment shop\/orders /);
      assert.match(listed[1], /^CronJob shop\/report /);
      assert.equal(listed[2], 'the same for the 6 ReplicaSets, Pods and Jobs they run');
    }
  });

  test('a Service and Sidecars selecting the pods of a Deployment name the Deployment, once', async () => {
    const r = await scan(target);
    const found = [...ofRule(r, 'BYP030'), ...ofRule(r, 'HJK015')];
    assert.deepEqual(found.map((f) => `${f.ruleId} ${f.resource.name}`).sort(), ['BYP030 orders-public', 'HJK015 orders-lockdown'], show(found).join('\n'));
    for (const f of found) {
      assert.match(f.message, /selects (mesh workload )?Deployment shop\/orders[ ,]/, f.message);
      assert.doesNotMatch(`${f.message} ${f.evidence.map((e) => e.description).join(' ')}`, /ReplicaSet|Pod shop\//, f.message);
    }
  });

  test('posture: one row per controller, what it runs counted in the row, findings as scan folds them', async () => {
    const out = await runCli(['posture', path.join(FIXTURES, target), '-f', 'json']);
    const view = JSON.parse(out.stdout);
    assert.deepEqual(view.workloads.map((w: { kind: string; name: string; runs: number }) => `${w.kind} ${w.name} +${w.runs}`), ['Deployment orders +4', 'CronJob report +2']);
    // BYP004 stays on a Pod (only Pods have the injected istio-init): its controller's row shows it.
    for (const w of view.workloads) assert.ok(w.findings.includes('BYP004') && w.findings.includes('BYP001'), JSON.stringify(w.findings));
    assert.equal(view.summary.workloads, 2);
    assert.equal(view.summary.runs, 6);
    assert.equal(view.summary.findings, (await scan(target)).findings.length);
    const text = (await runCli(['posture', path.join(FIXTURES, target)])).stdout;
    assert.match(text, /Deployment\/orders \+4 /);
    assert.match(text, /2 workloads \(\+6 ReplicaSets, Jobs or Pods they run\) in 1 namespace/);
    assert.doesNotMatch(text, /ReplicaSet\/orders/);
  });
});

// Argo Rollouts' Rollout in place of a Deployment, its ReplicaSet and Pod beside it as a cluster lists them.
describe('argo-rollouts: pod templates of Rollouts, and what they run', () => {
  const target = 'argo-rollouts';
  loadsCleanly(target);

  test("a Rollout's template is judged like a Deployment's; the objects it runs fold into it", async () => {
    const r = await scan(target);
    for (const [rule, severity] of [['BYP001', 'high'], ['BYP006', 'medium']] as const) {
      const fs = ofRule(r, rule);
      assert.deepEqual(fs.map((f) => `${f.severity} ${f.resource.kind} ${f.resource.name} ${f.location?.path.split('.').slice(0, 2).join('.')}`), [`${severity} Rollout checkout spec.template`], show(fs).join('\n'));
      const named = fs[0].evidence.filter((e) => e.role === 'same-in-owned').map((e) => `${e.resource?.kind} ${e.resource?.name}`).sort();
      assert.deepEqual(named, ['Pod checkout-6f9c7d8b5-7xk2p', 'ReplicaSet checkout-6f9c7d8b5']);
    }
  });

  test('a Rollout without a template (workloadRef) and a Rollout of another API group are not workloads', async () => {
    const r = await scan(target);
    assert.deepEqual(about(r, 'Rollout', 'shop/search'), []);
    assert.deepEqual(about(r, 'Rollout', 'shop/legacy'), []);
    // The mesh-wide messages count the Rollout and the Deployment, not the ReplicaSet and Pod it runs.
    const [aut001] = ofRule(r, 'AUT001');
    assert.match(aut001.message, /2 mesh workloads inherit it and accept plaintext \((Rollout shop\/checkout, Deployment shop\/search|Deployment shop\/search, Rollout shop\/checkout)\)/, aut001.message);
  });
});

// Who may take over Istio's control plane through RBAC (HJK019): istiod's own roles, cert-manager's CA
// injector, a controller limited to its own webhook, a RoleBinding in istio-system (README.md in the fixture).
describe('control-plane-rbac: the injector webhook, the mesh config and the CA key, by who holds them', () => {
  const target = 'control-plane-rbac';
  loadsCleanly(target);

  test("istiod's and the gateway's roles are the platform's; a controller limited to its own webhook is fine", async () => {
    const r = await scan(target);
    for (const name of ['istiod-clusterrole-istio-system', 'model-serving-webhook-certs']) assert.deepEqual(show(about(r, 'ClusterRoleBinding', `/${name}`)), []);
    for (const name of ['istio-system/istiod', 'istio-system/istio-ingressgateway-sds', 'model-serving/model-serving-controller']) assert.deepEqual(show(about(r, 'RoleBinding', name)), []);
  });

  test("graded by who holds it: cert-manager's injector medium, a group in istio-system and a person cluster-wide high", async () => {
    const r = await scan(target);
    const fs = ofRule(r, 'HJK019');
    assert.deepEqual(
      fs.map((f) => `${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name}`).sort(),
      ['high ClusterRoleBinding /oncall-admin', 'high RoleBinding istio-system/mesh-helpers-edit', 'medium ClusterRoleBinding /cert-manager-cainjector'],
      show(fs).join('\n'),
    );
    const cainjector = about(r, 'ClusterRoleBinding', '/cert-manager-cainjector', 'HJK019')[0];
    assert.match(cainjector.message, /change MutatingWebhookConfigurations, Istio's sidecar injector among them .*; and read the mesh CA's key in istio-system/);
    assert.doesNotMatch(cainjector.message, /write the mesh config/, 'it writes no ConfigMap');
    assert.match(cainjector.message, /If cert-manager runs platform software, list it under platform\.namespaces in the tenant policy\.$/);
    const helpers = about(r, 'RoleBinding', 'istio-system/mesh-helpers-edit', 'HJK019')[0];
    assert.match(helpers.message, /group:mesh-helpers write the mesh config and the injection template in istio-system .*; and read and replace the mesh CA's key/);
    assert.match(helpers.evidence[0].description, /ClusterRole edit \(Kubernetes default\)/);
  });
});

// Tetrate's analyzer's relaxed-SNI inputs and Istio's best practice: a wildcard HTTPS Gateway beside a
// stricter Gateway for one of its names (README.md in the fixture).
describe('relaxed-sni: a wildcard Gateway without client certificates beside a stricter one for one of its names', () => {
  for (const d of ['open', 'exposed', 'mitigated']) loadsCleanly(`relaxed-sni/${d}`);
  const hjk017 = async (d: string) => ofRule(await scan(`relaxed-sni/${d}`), 'HJK017');

  test('open: medium on the wildcard, the passthrough name named, the 421 guard as the fix', async () => {
    const fs = await hjk017('open');
    assert.deepEqual(show(fs).map((s) => s.split(':')[0]), ['HJK017 medium Gateway default/public-gateway spec.servers[0].hosts[0]'], show(fs).join('\n'));
    assert.match(fs[0].message, /"vault\.corp\.example" passes TLS through to its backend \(TLS AUTO_PASSTHROUGH\), but Envoy picks the server by the SNI and does not check that the Host header matches it/);
    assert.match(fs[0].remediation ?? '', /Bind a VirtualService for "vault\.corp\.example" to Gateway default\/public-gateway that answers every request with 421 Misdirected Request/);
  });

  test('exposed: the console VirtualService bound to the wildcard Gateway too is high, and named', async () => {
    const fs = await hjk017('exposed');
    assert.equal(fs.length, 1, show(fs).join('\n'));
    assert.equal(fs[0].severity, 'high');
    assert.equal(fs[0].resource.name, 'public');
    assert.ok(fs[0].evidence.some((e) => e.role === 'relaxed-sni-route' && e.resource?.kind === 'VirtualService' && e.resource.name === 'console'));
  });

  test('mitigated: bound to its own Gateway, and refused with 421 on the wildcard: nothing', async () => {
    assert.deepEqual(show(await hjk017('mitigated')), []);
  });
});

// inject.istio.io/templates: Istio's injector test inputs, its gateway chart and its proxyless gRPC sample (README.md in the fixture).
describe('injection-templates: pods that choose a template that sets up no redirection', () => {
  const target = 'injection-templates';
  loadsCleanly(target);

  test('an application on the gateway template is critical; a gateway with a helper and proxyless gRPC are medium; the rest nothing', async () => {
    const fs = ofRule(await scan(target), 'BYP006');
    assert.deepEqual(fs.map((f) => `${f.severity} ${f.resource.name}`).sort(), ['critical ledger', 'critical scheduler', 'medium echo', 'medium edge'], show(fs).join('\n'));
    const byName = new Map(fs.map((f) => [f.resource.name, f]));
    assert.match(byName.get('ledger')!.message, /nothing in or out of container ledger passes it: inbound connections reach it directly, without mTLS and without AuthorizationPolicy, even in a STRICT namespace/);
    assert.equal(byName.get('ledger')!.location?.path, 'spec.template.metadata.annotations["inject.istio.io/templates"]');
    assert.match(byName.get('edge')!.message, /container log-shipper passes it.*The pod has a gateway's marks/);
    assert.match(byName.get('echo')!.message, /proxyless gRPC injection/);
  });
});

// Ambient namespaces with a waypoint: pods and Services labelled off it (README.md in the fixture).
describe('waypoint-opt-out: workloads that take themselves off their namespace\'s waypoint', () => {
  const target = 'waypoint-opt-out';
  loadsCleanly(target);

  test('the pod label and the Service label are medium, naming the policies the traffic skips; another implementation\'s waypoint without policy is not', async () => {
    const fs = ofRule(await scan(target), 'BYP007');
    assert.deepEqual(fs.map((f) => `${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.location?.path}`).sort(), [
      'medium Deployment bank/payments spec.template.metadata.labels["istio.io/use-waypoint"]',
      'medium Service bank/ledger metadata.labels["istio.io/use-waypoint"]',
    ], show(fs).join('\n'));
    for (const f of fs) {
      assert.match(f.message, /never meets the AuthorizationPolicies attached to the waypoint \(bank\/deny-admin, istio-system\/waypoint-require-jwt\)/);
      assert.deepEqual(f.evidence.filter((e) => e.role === 'waypoint-policy').map((e) => e.resource?.name).sort(), ['deny-admin', 'waypoint-require-jwt']);
    }
  });

  test('AUT032 leaves the opted-out workloads to BYP007, and reports, which no Service selects, never meets the waypoint', async () => {
    assert.deepEqual(show(ofRule(await scan(target), 'AUT032')), []);
  });
});

// Session 31 (docs/real-world.md): an Istio 0.7 install of a vendor workshop was told "Istio's default
// ALLOW_ANY applies". The setting and its ALLOW_ANY default arrived in Istio 1.1; before it the
// sidecar sent connections to unknown destinations to BlackHoleCluster.
describe('outbound-default: a mesh config without outboundTrafficPolicy, judged by the Istio version in play', () => {
  const target = 'outbound-default';

  test('each install loads with no error', async () => {
    for (const version of ['1.0', '1.1']) {
      const r = await scan(`${target}/${version}`);
      assert.deepEqual(r.errors, [], version);
      assert.equal(r.summary.resources, objectsIn(`${target}/${version}`), version);
    }
  });

  test('EGR001: nothing under Istio 1.0 (unknown destinations were blocked), high from 1.1 on', async () => {
    assert.deepEqual(ofRule(await scan(`${target}/1.0`), 'EGR001'), []);
    const upgraded = ofRule(await scan(`${target}/1.1`), 'EGR001');
    assert.deepEqual(
      upgraded.map((f) => f.severity),
      ['high'],
    );
    assert.match(upgraded[0].message, /sets no outboundTrafficPolicy\.mode, so Istio's default ALLOW_ANY applies/);
  });

  test('EGR001: with both control planes in the input, the newer one decides', async () => {
    assert.deepEqual(
      ofRule(await scan(target), 'EGR001').map((f) => f.severity),
      ['high'],
    );
  });
});

// Round 33 (docs/real-world.md): Knative's Istio ingress installs Gateways in its own namespace that
// select the platform's ingress pods, and a Service beside those pods in istio-system; the pods are not
// part of the add-on. istiod matches a Gateway's selector against pods in every namespace.
describe("addon-gateway: an add-on's Gateways on the platform's ingress pods, which the input does not hold", () => {
  for (const d of ['shared', 'own']) loadsCleanly(`addon-gateway/${d}`);

  test('shared: HJK006 high on the Gateway, naming the platform Service whose selector includes its own', async () => {
    const fs = ofRule(await scan('addon-gateway/shared'), 'HJK006');
    assert.deepEqual(show(fs).map((s) => s.split(':')[0]), ['HJK006 high Gateway serverless/public-ingress spec.selector'], show(fs).join('\n'));
    assert.match(fs[0].message, /so it selects the shared gateway pods behind Service istio-system\/serverless-local-gateway \(the pods are not in the input/);
    assert.ok(fs[0].evidence.some((e) => e.role === 'shared-gateway-service' && e.resource?.kind === 'Service' && e.resource.name === 'serverless-local-gateway'));
  });

  test('own: a Gateway for gateway pods the Service does not select: no HJK006', async () => {
    assert.deepEqual(show(ofRule(await scan('addon-gateway/own'), 'HJK006')), []);
  });

  test('AUT013 names the port-level exception of a PeerAuthentication that sets no workload-wide mode', async () => {
    const fs = about(await scan('addon-gateway/shared'), 'PeerAuthentication', 'serverless/admission', 'AUT013');
    assert.deepEqual(fs.map((f) => f.severity), ['low'], show(fs).join('\n'));
    assert.match(fs[0].message, /its port-level mode \(PERMISSIVE on port 8443; no workload-wide mode\) applies to nothing\.$/);
    assert.doesNotMatch(fs[0].message, /UNSET/);
  });
});
