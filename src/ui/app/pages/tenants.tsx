/** Tenants page: a placeholder until it is built (issue 14). */
export function TenantsPage() {
  return <h1>Tenants</h1>;
}
