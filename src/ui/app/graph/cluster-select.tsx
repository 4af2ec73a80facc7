import { useApi } from '../components/use-api.js';

interface ClusterList {
  items: Array<{ name: string }>;
}

/**
 * A cluster picker for the posture, graph and blast-radius pages (dashcore's components/cluster-picker.tsx
 * may replace it at merge). Options come from /api/clusters and render as text.
 */
export function ClusterSelect({ value, onChange, label = 'Cluster' }: { value: string; onChange(cluster: string): void; label?: string }) {
  const clusters = useApi<ClusterList>('/api/clusters');
  const names = clusters.state === 'ok' ? clusters.data.items.map((c) => c.name) : [];
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">(pick a cluster)</option>
        {names.map((n) => (
          <option value={n}>{n}</option>
        ))}
      </select>
    </label>
  );
}

/** The first cluster's name, once /api/clusters answered (pages default to it). */
export function useFirstCluster(): string | null {
  const clusters = useApi<ClusterList>('/api/clusters');
  return clusters.state === 'ok' ? (clusters.data.items[0]?.name ?? null) : null;
}
