/** Blast radius page: a placeholder until it is built (issue 14). */
export function BlastRadiusPage() {
  return <h1>Blast radius</h1>;
}
