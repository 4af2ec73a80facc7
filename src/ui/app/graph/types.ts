/** The service graph as the API sends it (the server's src/graph/types.ts, copied: the app compiles alone). */
export type GraphNodeKind = 'workload' | 'service' | 'route' | 'gateway' | 'external' | 'unknown';
export type MtlsState = 'strict' | 'permissive' | 'disabled' | 'none' | 'n/a';
export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  resourceKind: string;
  namespace: string;
  name: string;
  hosts: string[];
  mtls: MtlsState | null;
  hijacked: boolean;
  hijacks: boolean;
  findings: string[];
}
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: 'selects' | 'routes' | 'binds' | 'traffic';
  mtls: MtlsState;
  note: string | null;
  traffic: { requests: number; requestRate: number; connectionsOpened: number; plaintextSeen: boolean; windowSeconds: number } | null;
}
export interface ServiceGraph {
  cluster: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
  notes: string[];
}

/** What the layout worker is asked and answers. */
export interface LayoutRequest {
  id: number;
  nodes: Array<{ id: string; width: number; height: number }>;
  edges: Array<{ id: string; from: string; to: string }>;
}
export interface LaidOut {
  id: number;
  ok: boolean;
  error?: string;
  algorithm?: string;
  width?: number;
  height?: number;
  nodes?: Record<string, { x: number; y: number }>;
  /** Edge id → polyline points [x0, y0, x1, y1, ...]. */
  edges?: Record<string, number[]>;
  ms?: number;
}

export const NODE_HEIGHT = 34;
export function nodeWidth(label: string): number {
  return Math.min(240, 24 + Math.min(label.length, 40) * 6.5);
}
export function nodeLabel(n: GraphNode): string {
  return n.name.length > 36 ? `${n.name.slice(0, 35)}…` : n.name;
}
