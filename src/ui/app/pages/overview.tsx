/** Overview page: a placeholder until it is built (issue 14). */
export function OverviewPage() {
  return <h1>Overview</h1>;
}
