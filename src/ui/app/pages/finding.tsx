import { useRoute } from 'preact-iso';

/** One finding: a placeholder until it is built (issue 14). */
export function FindingPage() {
  const { params } = useRoute();
  return (
    <h1>
      Finding {params.fingerprint} in {params.cluster}
    </h1>
  );
}
