import { defineRule } from '../types.js';
import { str } from '../../posture/util.js';
import { isObject } from '../../posture/util.js';
import type { MeshModel } from '../../model/model.js';
import { DR, MESH_CONFIG, NAMESPACE, SERVICE, WORKLOADS, clientVerification, isInMeshHost, tlsBlocks, tlsMode, destinationRulesWithTls } from './common.js';

/** Port protocols Istio builds HTTP clusters for: only there do the upstream HTTP options auto_sni / auto_san_validation act. */
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB']);
const MAX_PORTS = 1000;

/** A Service or ServiceEntry port's protocol, upper case; null when Istio would sniff it (unnamed port). */
function portProtocol(kind: string, p: Record<string, any>): string | null {
  if (kind === 'ServiceEntry') return typeof p.protocol === 'string' && p.protocol ? p.protocol.toUpperCase() : null;
  const raw = typeof p.appProtocol === 'string' && p.appProtocol ? p.appProtocol : typeof p.name === 'string' ? p.name.split('-')[0] : '';
  const up = raw.toUpperCase();
  return up === 'GRPC' && typeof p.name === 'string' && p.name.toLowerCase().startsWith('grpc-web') ? 'GRPC-WEB' : up || null;
}

/**
 * Whether the origination's port is HTTP for Istio: `http` when every port the block applies to (the
 * block's port, or all of the host's ports) is an HTTP protocol, `other` when one is known not to be,
 * `unknown` when the host's Service/ServiceEntry is not in the input or a port would be sniffed.
 */
function originationProtocol(model: MeshModel, host: string, namespace: string, port: number | null): 'http' | 'other' | 'unknown' {
  const owners = model.hosts.ownersOf(model.resolveHost(host, namespace));
  let seen = 0;
  let unknown = false;
  for (const o of owners) {
    const ports = o.resource.obj?.spec?.ports;
    if (!Array.isArray(ports)) continue;
    for (const p of ports.slice(0, MAX_PORTS)) {
      if (!isObject(p)) continue;
      const number = o.via === 'ServiceEntry' ? p.number : p.port;
      if (port !== null && number !== port) continue;
      seen++;
      const proto = portProtocol(o.via, p);
      if (proto === null) unknown = true;
      else if (!HTTP_PROTOCOLS.has(proto)) return 'other';
    }
  }
  return !seen || unknown ? 'unknown' : 'http';
}

/** VirtualService routes read per run, at most: bounds the work a hostile input can ask for. */
const MAX_ROUTES = 100_000;

/**
 * `host|port` keys (the host resolved as Istio resolves it in the VirtualService's namespace) that an
 * HTTP route sends requests to: `spec.http[].route[].destination` and `spec.http[].mirror` with a port
 * number. Istio sets auto SNI and auto SAN validation on every cluster whose DestinationRule originates
 * TLS without sni (cluster_tls.go, setAutoSniAndAutoSanValidation), as upstream HTTP options; they act
 * on whatever HTTP requests the cluster carries, and a cluster of a non-HTTP port carries them when an
 * HTTP route targets it: the egress TLS origination pattern of Istio's samples routes plaintext HTTP on
 * port 80 to port 443 (HTTPS) and originates TLS there. Such requests have their certificate's name
 * checked against the request host like those of an HTTP port.
 */
function httpRouteTargets(model: MeshModel): Set<string> {
  const out = new Set<string>();
  let budget = MAX_ROUTES;
  const add = (d: unknown, namespace: string) => {
    if (!isObject(d) || typeof d.host !== 'string' || !isObject(d.port) || typeof d.port.number !== 'number') return;
    out.add(`${model.resolveHost(d.host, namespace)}|${d.port.number}`);
  };
  for (const vs of model.ofKind('networking.istio.io', 'VirtualService')) {
    const http = vs.obj?.spec?.http;
    if (!Array.isArray(http)) continue;
    for (const h of http) {
      if (--budget < 0) return out;
      if (!isObject(h)) continue;
      if (Array.isArray(h.route)) for (const r of h.route.slice(0, MAX_PORTS)) if (isObject(r)) add(r.destination, vs.namespace);
      add(h.mirror, vs.namespace);
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'AUT004',
    title: 'TLS origination does not verify the server (no CA, or no subjectAltNames)',
    severity: 'high',
    category: 'authn-authz',
    reads: [DR, SERVICE, 'networking.istio.io/ServiceEntry', 'networking.istio.io/VirtualService', NAMESPACE, ...WORKLOADS, ...MESH_CONFIG],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A DestinationRule originates TLS (`tls.mode` SIMPLE or MUTUAL, at the top level, per port or per subset) without `caCertificates` or `credentialName`, or with a CA but without `subjectAltNames` to check the name in it (medium). Without a CA, the grade follows the Istio version found in the input (the istiod image, else the proxy images; a current release when none is found): before 1.21, or with `VERIFY_CERTIFICATE_AT_CLIENT=false` on istiod, the server certificate is not verified at all (high); since 1.21 the proxy verifies it against the operating system CA bundle, which leaves an in-cluster host merely failing against a private CA (info). Since 1.21 too, a block with neither `sni` nor `subjectAltNames` on an HTTP port (HTTP, HTTP2, GRPC), or on a port an HTTP route of a VirtualService sends requests to (the egress TLS origination pattern: plaintext on port 80 routed to 443), gets auto SNI and auto SAN validation: the certificate must name the request host, so a CA without subjectAltNames is fine there and a public host without a CA is info. With `sni` set or on a non-HTTP port no name is checked (medium, with or without a CA); when the port protocol is not in the input, low. Blocks with `insecureSkipVerify: true` are reported by AUT005 instead.',
      why:
        "Without a CA you choose, the proxy either skips verification (Istio 1.20 and older, or `compatibilityVersion: 1.20`) or trusts whatever its system trust store trusts; without subjectAltNames it accepts a certificate for any name that CA signed. Either way an attacker who can intercept the connection (DNS spoofing, a compromised egress path, a rogue ServiceEntry) presents their own certificate and reads or alters the traffic, including the credentials the application sends. Istio's best-practices page asks for both: a CA check without a name check is not enough.",
      fix:
        'Set `caCertificates` (a file mounted in the proxy) or `credentialName` (a Secret holding `ca.crt`), and `subjectAltNames` with the names the server certificate must carry; also set `sni`.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: payments-api, namespace: payments}\nspec:\n  host: api.payments.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE}',
      good: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: payments-api, namespace: payments}\nspec:\n  host: api.payments.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n      credentialName: payments-api-ca\n      subjectAltNames: [api.payments.example.com]\n      sni: api.payments.example.com',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#configure-tls-verification-in-destination-rule-when-using-tls-origination',
        'https://istio.io/latest/docs/reference/config/analysis/ist0128/',
        'https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/',
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings',
      ],
    },
  },
  check({ model, report }) {
    let routed: Set<string> | null = null;
    const httpRouted = (host: string, namespace: string, port: number | null) =>
      port !== null && (routed ??= httpRouteTargets(model)).has(`${model.resolveHost(host, namespace)}|${port}`);
    for (const dr of destinationRulesWithTls(model.ofKind('networking.istio.io', 'DestinationRule'), ['SIMPLE', 'MUTUAL'])) {
      const host = str(dr.obj?.spec?.host) ?? '(no host)';
      for (const b of tlsBlocks(dr)) {
        const mode = tlsMode(b.tls);
        if (mode !== 'SIMPLE' && mode !== 'MUTUAL') continue;
        if (b.tls.insecureSkipVerify === true || b.tls.insecureSkipVerify === 'true') continue;
        const ca = str(b.tls.caCertificates) ?? str(b.tls.credentialName);
        const sans = Array.isArray(b.tls.subjectAltNames) && b.tls.subjectAltNames.some((s: unknown) => typeof s === 'string' && s !== '');
        if (ca && sans) continue;
        const what = `DestinationRule ${dr.namespace}/${dr.name} originates TLS (${mode}, ${b.where}) to ${host}`;
        const v = clientVerification(model);
        // Since 1.21 (ENABLE_AUTO_SNI with VERIFY_CERTIFICATE_AT_CLIENT), a block without sni and without
        // subjectAltNames gets auto SNI and auto SAN validation: the certificate must carry the request's
        // host. Those are upstream HTTP options: an HTTP port gets them, and so does a port an HTTP route
        // sends requests to (httpRouteTargets).
        const sniSet = str(b.tls.sni) !== undefined;
        const autoSanPossible = !sans && !sniSet && v.verifies;
        const portProto = autoSanPossible ? originationProtocol(model, host, dr.namespace, b.port) : 'other';
        const protocol = autoSanPossible && portProto !== 'http' && httpRouted(host, dr.namespace, b.port) ? 'http' : portProto;
        const autoSan = protocol === 'http';
        const nameCheck = sans ? 'checked' : autoSan ? 'auto' : protocol === 'unknown' ? 'unknown' : 'none';
        const unknownNote = `whether the name is checked depends on the port's protocol, which the input does not show (on an HTTP port without sni, Istio checks it against the request's host)`;
        if (!ca) {
          const inMesh = isInMeshHost(model, host, dr.namespace);
          const noSans = sans ? '' : ', and no subjectAltNames pin the name either';
          const nameText = nameCheck === 'auto' ? `, and the name against the request's host (auto SAN validation: ${portProto === 'http' ? 'an HTTP port' : 'HTTP requests a VirtualService routes to this port'} with neither sni nor subjectAltNames)` : nameCheck === 'checked' ? ', and the name against subjectAltNames' : '';
          const message = !v.verifies
            ? `${what} without caCertificates or credentialName, and ${v.basis}: the server certificate is not verified at all, so anyone who can intercept the connection can present their own${noSans}.`
            : inMesh
              ? `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server against the operating system's CA bundle, which a certificate from a private (mesh or cluster) CA does not pass; set caCertificates or credentialName to the CA that signs it${noSans}.`
              : nameCheck === 'none'
                ? `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server only against the operating system's CA bundle and ${sniSet ? 'sni is set, so no name is checked' : 'the port is not HTTP, so no name is checked'}: a certificate any public CA issued, for any name, is accepted; pin the CA you expect and set subjectAltNames.`
                : nameCheck === 'unknown'
                  ? `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server against the operating system's CA bundle; ${unknownNote}. Pin the CA you expect and set subjectAltNames.`
                  : `${what} without caCertificates or credentialName: with ${v.basis}, the proxy checks the server against the operating system's CA bundle${nameText}; every public CA is trusted for it, so pin the CA you expect if that is too wide.`;
          report({
            resource: dr,
            path: [...b.path, 'mode'],
            key: `${b.path.join('.')}:ca`,
            severity: !v.verifies ? 'high' : inMesh ? 'info' : nameCheck === 'none' ? 'medium' : nameCheck === 'unknown' ? 'low' : 'info',
            message,
            evidence: v.evidence,
          });
        } else if (nameCheck !== 'auto') {
          report({
            resource: dr,
            path: [...b.path, 'mode'],
            key: `${b.path.join('.')}:san`,
            severity: nameCheck === 'unknown' ? 'low' : 'medium',
            message:
              nameCheck === 'unknown'
                ? `${what} without subjectAltNames: ${unknownNote}; without a name check, another holder of a certificate from that CA can impersonate the server.`
                : `${what} without subjectAltNames${sniSet ? ' and with sni set (so Istio does not check the name against the request host)' : ''}: the proxy accepts any certificate its CA signed, for any name, so another holder of a certificate from that CA can impersonate the server.`,
          });
        }
      }
    }
  },
});
