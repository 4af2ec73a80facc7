/** Findings page: a placeholder until it is built (issue 14). */
export function FindingsPage() {
  return <h1>Findings</h1>;
}
