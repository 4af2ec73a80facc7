import { ClusterPicker, useQueryParam } from '../components/cluster-picker.js';
import { Status } from '../components/status.js';
import { useApi } from '../components/use-api.js';

/** One tenant as `meshward tenants -f json` writes it (src/tenancy/map.ts); agents' strings throughout. */
type HostClaim = { kind: string; namespace: string; name: string; host: string; resolved: string; attachment: string[]; exportTo: string; conflictsWith: string[] };
type Tenant = { name: string; platform: boolean; namespaces: string[]; owns: string[]; allowedHosts: string[]; gateways: string[]; claims: HostClaim[] };

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function TenantTable({ tenants }: { tenants: Tenant[] }) {
  const conflicts = tenants.flatMap((t) => (Array.isArray(t.claims) ? t.claims : []).filter((c) => list(c.conflictsWith).length > 0).map((c) => ({ tenant: t.name, c })));
  return (
    <>
      <section aria-labelledby="h-conflicts">
        <h2 id="h-conflicts">Conflicts</h2>
        {conflicts.length === 0 ? (
          <p class="muted">No host is claimed by two tenants.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Host</th>
                <th scope="col">Claimed by</th>
                <th scope="col">Conflicts with</th>
              </tr>
            </thead>
            <tbody>
              {conflicts.map(({ tenant, c }) => (
                <tr>
                  <td>{tenant}</td>
                  <td>{c.host}</td>
                  <td>
                    {c.kind} {c.namespace}/{c.name}
                  </td>
                  <td>{list(c.conflictsWith).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="h-tenants">
        <h2 id="h-tenants">Tenants</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Namespaces</th>
              <th scope="col">Hosts owned</th>
              <th scope="col">Hosts claimed</th>
              <th scope="col">Gateways</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((t) => (
              <tr>
                <th scope="row">
                  {t.name}
                  {t.platform ? <span class="badge muted">platform</span> : null}
                </th>
                <td>{list(t.namespaces).join(', ')}</td>
                <td>{list(t.owns).join(', ') || '—'}</td>
                <td>
                  <ul class="plain">
                    {(Array.isArray(t.claims) ? t.claims : []).map((c) => (
                      <li class={list(c.conflictsWith).length ? 'sev-high' : undefined}>
                        {c.host} <span class="muted">({c.kind} {c.namespace}/{c.name})</span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{list(t.gateways).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function ClusterTenants({ cluster }: { cluster: string }) {
  const tenants = useApi<{ cluster: string; tenants: Tenant[] }>(`/api/clusters/${encodeURIComponent(cluster)}/tenants`);
  return <Status result={tenants}>{(d) => <TenantTable tenants={d.tenants} />}</Status>;
}

/** Tenants of one cluster: the hosts each owns and claims, and where two claim the same host. */
export function TenantsPage() {
  const cluster = useQueryParam('cluster');
  return (
    <>
      <h1>Tenants</h1>
      <div class="toolbar">
        <ClusterPicker />
      </div>
      {cluster ? <ClusterTenants cluster={cluster} /> : <p class="muted">Choose a cluster.</p>}
    </>
  );
}
