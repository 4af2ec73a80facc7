/**
 * The service graph as the API sends it: the server's own types (src/graph/types.ts), imported as
 * types only (erased at build, so the app bundles nothing of the server), one edge type for the API,
 * `meshward graph` and this page.
 */
import type { ClusterServiceGraph, GraphNode } from '../../../graph/types.js';
import { visibleText } from '../components/format.js';
export type { EdgeSecurity, GraphEdge, GraphEdgeKind, GraphNode, GraphNodeKind, MtlsState, TrafficSummary } from '../../../graph/types.js';
export type ServiceGraph = ClusterServiceGraph;

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
/** A node's name as drawn (and sized): cut at 36 characters, then made visible (visibleText). */
export function nodeLabel(n: GraphNode): string {
  return n.name.length > 36 ? `${visibleText(n.name.slice(0, 35))}…` : visibleText(n.name);
}
