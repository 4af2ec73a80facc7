import { defineRule } from '../types.js';
import { ISTIO_GW, gatewayServers } from './common.js';

const WEAK = new Set(['TLSV1_0', 'TLSV1_1']);

export default defineRule({
  meta: {
    id: 'AUT017',
    title: 'Gateway server accepts TLS below 1.2',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: [ISTIO_GW],
    docs: {
      summary:
        "A server of an Istio Gateway sets `tls.minProtocolVersion` (or `maxProtocolVersion`) to TLSV1_0 or TLSV1_1. When the field is absent (or TLS_AUTO) Envoy's own default applies: TLS 1.2 minimum for servers since Envoy 1.22 (Istio 1.14); Envoy 1.21 and earlier (Istio 1.13 and earlier) accepted TLS 1.0, so on such old, unsupported releases an absent field means TLS 1.0 (the advisories rules flag those versions).",
      why:
        'TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and CBC constructions with known attacks (BEAST, POODLE-style downgrades, Lucky13) and lack modern AEAD cipher suites. A gateway that still offers them lets a network attacker push clients down to the weakest version both sides accept, and it fails PCI DSS and most compliance baselines.',
      fix: 'Set `tls.minProtocolVersion: TLSV1_2` (or TLSV1_3 when every client supports it), or remove the field on Istio 1.14 and later.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop-cert, minProtocolVersion: TLSV1_0}',
      good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop-cert, minProtocolVersion: TLSV1_2}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSProtocol',
        'https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto',
        'https://www.rfc-editor.org/rfc/rfc8996',
      ],
    },
  },
  check({ model, report }) {
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      for (const s of gatewayServers(g)) {
        if (!s.tls) continue;
        for (const field of ['minProtocolVersion', 'maxProtocolVersion'] as const) {
          const v = typeof s.tls[field] === 'string' ? s.tls[field].toUpperCase() : '';
          if (!WEAK.has(v)) continue;
          const version = v === 'TLSV1_0' ? 'TLS 1.0' : 'TLS 1.1';
          report({
            resource: g,
            path: [...s.path, 'tls', field],
            key: `${s.index}:${field}`,
            message:
              field === 'minProtocolVersion'
                ? `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}, ${s.hosts.join(', ') || 'no hosts'}) accepts ${version}: a network attacker can downgrade clients to a deprecated protocol.`
                : `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}, ${s.hosts.join(', ') || 'no hosts'}) caps TLS at ${version}: every client is held to a deprecated protocol.`,
          });
        }
      }
    }
  },
});
