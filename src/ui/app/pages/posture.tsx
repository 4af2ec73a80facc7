/** Posture page: a placeholder until it is built (issue 14). */
export function PosturePage() {
  return <h1>Posture</h1>;
}
