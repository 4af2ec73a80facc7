/** Service graph page: a placeholder until it is built (issue 14). */
export function GraphPage() {
  return <h1>Service graph</h1>;
}
