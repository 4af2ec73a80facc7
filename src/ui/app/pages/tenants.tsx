import { useEffect, useState } from 'preact/hooks';
import { ClusterPicker, uiUrl, useDefaultCluster, useQueryParam, useSetQuery } from '../components/cluster-picker.js';
import { Status } from '../components/status.js';
import { visibleList, visibleText } from '../components/format.js';
import { useApi } from '../components/use-api.js';

/** One tenant as `meshward tenants -f json` writes it (src/tenancy/map.ts); agents' strings throughout, shown made visible (visibleText). */
type HostClaim = { kind: string; namespace: string; name: string; host: string; resolved: string; attachment: string[]; exportTo: string; conflictsWith: string[] };
type Tenant = { name: string; platform: boolean; namespaces: string[]; owns: string[]; allowedHosts: string[]; gateways: string[]; claims: HostClaim[] };

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const claimsOf = (t: Tenant): HostClaim[] => (Array.isArray(t.claims) ? t.claims.filter((c) => c && typeof c === 'object') : []);

/** The findings of one object (searched by name in its namespace, open and resolved). */
const objectFindings = (cluster: string, c: HostClaim) => uiUrl('/ui/findings', { cluster, namespace: String(c.namespace ?? ''), q: String(c.name ?? ''), state: 'all' });
const namespaceFindings = (cluster: string, ns: string) => uiUrl('/ui/findings', { cluster, namespace: ns });

/** Whether a tenant matches the search: its name, a namespace, a host it owns or claims, a gateway. */
function matches(t: Tenant, needle: string): boolean {
  if (!needle) return true;
  const words = [String(t.name ?? ''), ...list(t.namespaces), ...list(t.owns), ...list(t.gateways), ...claimsOf(t).flatMap((c) => [String(c.host ?? ''), String(c.name ?? '')])];
  return words.some((w) => w.toLowerCase().includes(needle));
}

/** A comma-separated list of links (each its own Tab stop). */
function Links({ items, href }: { items: string[]; href(item: string): string }) {
  if (!items.length) return <>—</>;
  return (
    <>
      {items.map((x, i) => (
        <>
          {i ? ', ' : null}
          <a href={href(x)}>{visibleText(x)}</a>
        </>
      ))}
    </>
  );
}

function TenantTable({ cluster, tenants, needle }: { cluster: string; tenants: Tenant[]; needle: string }) {
  const shown = tenants.filter((t) => t && typeof t === 'object' && matches(t, needle));
  const conflicts = shown.flatMap((t) => claimsOf(t).filter((c) => list(c.conflictsWith).length > 0).map((c) => ({ tenant: t.name, c })));
  return (
    <>
      <p class="muted" role="status">
        {needle ? `${shown.length} of ${tenants.length} tenants match` : `${tenants.length} tenant${tenants.length === 1 ? '' : 's'}`}, {conflicts.length} conflicting claim{conflicts.length === 1 ? '' : 's'}
      </p>
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
                  <td>{visibleText(tenant)}</td>
                  <td>{visibleText(c.host)}</td>
                  <td>
                    <a href={objectFindings(cluster, c)}>
                      {visibleText(c.kind)} {visibleText(c.namespace)}/{visibleText(c.name)}
                    </a>
                  </td>
                  <td>{visibleList(list(c.conflictsWith), '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="h-tenants">
        <h2 id="h-tenants">Tenants</h2>
        {tenants.length === 0 ? (
          <p class="muted">This cluster has no tenants: no namespace is labelled with a tenant and no tenant policy was given to the server.</p>
        ) : shown.length === 0 ? (
          <p class="muted">No tenant matches the search.</p>
        ) : (
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
              {shown.map((t) => (
                <tr>
                  <th scope="row">
                    {visibleText(t.name)}
                    {t.platform ? <span class="badge muted">platform</span> : null}
                  </th>
                  <td>
                    <Links items={list(t.namespaces)} href={(ns) => namespaceFindings(cluster, ns)} />
                  </td>
                  <td>{visibleList(list(t.owns))}</td>
                  <td>
                    <ul class="plain">
                      {claimsOf(t).map((c) => {
                        const conflict = list(c.conflictsWith).length > 0;
                        return (
                          <li class={conflict ? 'sev-high' : undefined}>
                            {visibleText(c.host)}{' '}
                            <a href={objectFindings(cluster, c)} class="muted">
                              ({visibleText(c.kind)} {visibleText(c.namespace)}/{visibleText(c.name)})
                            </a>
                            {/* In words, not colour alone. */}
                            {conflict ? <span class="badge">conflict</span> : null}
                          </li>
                        );
                      })}
                    </ul>
                  </td>
                  <td>{visibleList(list(t.gateways))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function ClusterTenants({ cluster, needle }: { cluster: string; needle: string }) {
  const tenants = useApi<{ cluster: string; tenants: Tenant[] }>(`/api/clusters/${encodeURIComponent(cluster)}/tenants`);
  return <Status result={tenants}>{(d) => <TenantTable cluster={cluster} tenants={Array.isArray(d.tenants) ? d.tenants : []} needle={needle} />}</Status>;
}

/** /ui/tenants?cluster=&q=: a cluster's tenants, the hosts each owns and claims, and where two claim the same host. */
export function TenantsPage() {
  const cluster = useQueryParam('cluster');
  const q = useQueryParam('q');
  const setQuery = useSetQuery();
  // The search box edits a draft; Enter (or leaving the box) puts it in the URL, so a shared link keeps it.
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  useDefaultCluster();
  return (
    <>
      <h1>Tenants</h1>
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: draft.trim() });
        }}
      >
        <ClusterPicker reset={['q']} />
        <label>
          Search
          <input type="search" name="q" class="wide" value={draft} placeholder="tenant, namespace, host" onInput={(e) => setDraft((e.target as HTMLInputElement).value)} onBlur={() => draft.trim() !== q && setQuery({ q: draft.trim() }, { replace: true })} />
        </label>
      </form>
      {cluster ? <ClusterTenants cluster={cluster} needle={q.trim().toLowerCase()} /> : <p class="muted">Choose a cluster.</p>}
    </>
  );
}
