import { BlockList, isIP } from 'node:net';
import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { hostCovers } from '../../model/hosts.js';
import { exportScope } from '../../tenancy/visibility.js';
import { ISTIO_NET_GROUP, listSome, quote } from './common.js';

/** Link-local and provider addresses that hand out the node's (or task's) cloud credentials. */
const METADATA_ADDRESSES: ReadonlyArray<{ ip: string; what: string }> = [
  { ip: '169.254.169.254', what: 'the instance metadata service of AWS, Azure, GCP, Oracle, OpenStack and most clouds' },
  { ip: 'fd00:ec2::254', what: 'the AWS instance metadata service over IPv6' },
  { ip: '169.254.170.2', what: 'the AWS ECS task credentials endpoint' },
  { ip: '169.254.170.23', what: 'the EKS Pod Identity agent' },
  { ip: 'fd00:ec2::23', what: 'the EKS Pod Identity agent over IPv6' },
  { ip: '100.100.100.200', what: 'the Alibaba Cloud metadata service' },
];

/** DNS names of the same services. */
const METADATA_NAMES: ReadonlyArray<{ name: string; what: string }> = [
  { name: 'metadata.google.internal', what: 'the GCP metadata server' },
  { name: 'metadata', what: 'the GCP metadata server (short name)' },
  { name: 'metadata.goog', what: 'the GCP metadata server' },
  { name: 'instance-data', what: 'the AWS instance metadata service (short name)' },
  { name: 'instance-data.ec2.internal', what: 'the AWS instance metadata service' },
  { name: 'metadata.tencentyun.com', what: 'the Tencent Cloud metadata service' },
];

interface Hit {
  path: PathSegment[];
  text: string;
}

/** Which metadata endpoint an IP or CIDR string covers, or null. */
function metadataIn(raw: string): string | null {
  const s = raw.trim();
  if (!s || s.length > 64) return null;
  const slash = s.indexOf('/');
  const ip = slash >= 0 ? s.slice(0, slash) : s;
  const family = isIP(ip);
  if (!family) return null;
  const prefix = slash >= 0 ? Number(s.slice(slash + 1)) : family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  try {
    list.addSubnet(ip, prefix, type);
  } catch {
    return null;
  }
  const hit = METADATA_ADDRESSES.find((m) => isIP(m.ip) === family && list.check(m.ip, type));
  if (!hit) return null;
  return slash >= 0 && !(prefix === (family === 4 ? 32 : 128)) ? `${quote(s)} (covers ${hit.ip}, ${hit.what})` : `${quote(s)} (${hit.what})`;
}

/** Which metadata name a ServiceEntry host names or covers; `*` alone is EGR005's business. */
function metadataName(raw: string): string | null {
  const h = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!h || h === '*' || h.length > 253) return null;
  const hit = METADATA_NAMES.find((m) => h === m.name || (h.startsWith('*.') && hostCovers(h, m.name)));
  if (!hit) return metadataIn(h);
  return h === hit.name ? `${quote(raw)} (${hit.what})` : `${quote(raw)} (covers ${hit.name}, ${hit.what})`;
}

export default defineRule({
  meta: {
    id: 'EGR007',
    title: "ServiceEntry opens the cloud metadata service (the node's credentials) to the mesh",
    severity: 'critical',
    category: 'egress',
    scope: 'namespace',
    reads: ['networking.istio.io/ServiceEntry', 'ConfigMap'],
    docs: {
      summary:
        'A ServiceEntry names a cloud metadata endpoint in its `hosts` (`metadata.google.internal`, `metadata`, `instance-data.ec2.internal`...), its `addresses` (169.254.169.254, fd00:ec2::254, 100.100.100.200, the ECS and EKS Pod Identity credential endpoints, or a CIDR such as 169.254.0.0/16 that covers one), or an endpoint `address`. Critical when namespaces other than its own see the entry, high when it is exported to its own namespace only.',
      why:
        "The metadata service answers any process on the node with the node's (or task's) cloud identity: temporary access keys for the instance role, service-account tokens, user data with bootstrap secrets. In a REGISTRY_ONLY mesh the sidecar blocks it; this entry registers it as a legitimate destination, so every workload that sees the entry — including a compromised one, or an SSRF in a web service — can fetch the cloud credentials and act as the node: read buckets and secrets, join the cluster, move into the cloud account.",
      fix:
        "Delete the entry. Workloads that need cloud APIs should use workload identity (IRSA / EKS Pod Identity, GKE Workload Identity, Azure Workload Identity) rather than the node's metadata credentials; if a platform agent truly needs the metadata service, run it outside the mesh or give it its own namespace with `exportTo: [\".\"]`, and block the address for everyone else with a NetworkPolicy and IMDSv2 with a hop limit of 1.",
      bad: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: imds, namespace: shop}\nspec:\n  hosts: [metadata.google.internal]\n  addresses: [169.254.169.254]\n  location: MESH_EXTERNAL\n  resolution: STATIC\n  endpoints: [{address: 169.254.169.254}]\n  ports: [{number: 80, name: http, protocol: HTTP}]',
      references: [
        'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html',
        'https://cloud.google.com/compute/docs/metadata/overview',
        'https://istio.io/latest/docs/reference/config/networking/service-entry/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/',
      ],
    },
  },
  check({ model, report }) {
    for (const se of model.ofKind(ISTIO_NET_GROUP, 'ServiceEntry')) {
      const spec = se.obj?.spec;
      if (!isObject(spec)) continue;
      const hits: Hit[] = [];
      const scan = (list: unknown, field: string, judge: (s: string) => string | null) => {
        if (!Array.isArray(list)) return;
        list.forEach((v: unknown, i: number) => {
          const text = typeof v === 'string' ? judge(v) : null;
          if (text) hits.push({ path: ['spec', field, i], text });
        });
      };
      scan(spec.hosts, 'hosts', metadataName);
      scan(spec.addresses, 'addresses', metadataIn);
      if (Array.isArray(spec.endpoints)) {
        spec.endpoints.forEach((ep: unknown, i: number) => {
          if (!isObject(ep) || typeof ep.address !== 'string') return;
          const text = metadataIn(ep.address) ?? metadataName(ep.address);
          if (text) hits.push({ path: ['spec', 'endpoints', i, 'address'], text });
        });
      }
      if (!hits.length) continue;
      // The same address as entry address and endpoint is one fact.
      const texts = [...new Set(hits.map((h) => h.text))];
      const scope = exportScope(model, 'ServiceEntry', se.namespace, spec.exportTo);
      if (!scope.all && scope.namespaces.size === 0) continue; // exportTo ["~"]: no proxy sees it
      const ownOnly = !scope.all && [...scope.namespaces].every((ns) => ns === se.namespace);
      const severity: Severity = ownOnly ? 'high' : 'critical';
      const who = ownOnly ? `every workload in ${se.namespace}` : scope.all ? 'every workload in the mesh' : `workloads in ${listSome([...scope.namespaces].sort(), 5)}`;
      report({
        resource: se,
        path: hits[0].path,
        severity,
        message: `ServiceEntry ${se.namespace}/${se.name} registers the cloud metadata service: ${listSome(texts, 3)}. ${who[0].toUpperCase()}${who.slice(1)} can then fetch the node's cloud credentials through the mesh.`,
        evidence: hits.slice(1, 10).map((h) => ({ role: 'metadata-endpoint', description: `${h.path.join('.')}: ${h.text}`, resource: se, path: h.path })),
      });
    }
  },
});
