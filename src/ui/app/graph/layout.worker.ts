/**
 * Lays out the service graph off the main thread with elkjs. Small graphs get `layered` (readable
 * left-to-right flow); large ones `layered` with cheaper options, which measured fastest for
 * service-mesh graphs (many small components): see docs/dashboard-graph.md.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { LaidOut, LayoutRequest } from './types.js';

const elk = new ELK();
/** Above this many nodes the layout trades some quality for time (2,000 nodes must be drawn within 2 s). */
const LARGE = 400;
/** In large graphs, a node with more edges than this is a hub: see below. */
const HUB_DEGREE = 24;

self.onmessage = async (e: MessageEvent<LayoutRequest>) => {
  const req = e.data;
  const started = performance.now();
  const large = req.nodes.length > LARGE;
  try {
    const ids = new Set(req.nodes.map((n) => n.id));
    // Large graphs: edges of hubs (a shared gateway binding hundreds of routes) join everything into
    // one component, which layered lays out in seconds; laid out without them, the graph falls into
    // many small components, each fast. Hub edges are then drawn straight (no points from here).
    const degree = new Map<string, number>();
    for (const x of req.edges) for (const id of [x.from, x.to]) degree.set(id, (degree.get(id) ?? 0) + 1);
    const hub = (id: string) => large && (degree.get(id) ?? 0) > HUB_DEGREE;
    const graph: ElkNode = {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.separateConnectedComponents': 'true',
        'elk.spacing.componentComponent': '24',
        'elk.spacing.nodeNode': large ? '12' : '20',
        'elk.layered.spacing.nodeNodeBetweenLayers': large ? '30' : '50',
        'elk.edgeRouting': large ? 'ORTHOGONAL' : 'SPLINES',
        'elk.layered.thoroughness': large ? '1' : '7',
        'elk.layered.nodePlacement.strategy': large ? 'SIMPLE' : 'BRANDES_KOEPF',
        'elk.aspectRatio': '1.6',
      },
      children: req.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
      edges: req.edges.filter((x) => ids.has(x.from) && ids.has(x.to) && x.from !== x.to && !hub(x.from) && !hub(x.to)).map((x) => ({ id: x.id, sources: [x.from], targets: [x.to] })),
    };
    const out = await elk.layout(graph);
    const nodes: Record<string, { x: number; y: number }> = {};
    for (const c of out.children ?? []) nodes[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
    const edges: Record<string, number[]> = {};
    for (const ed of out.edges ?? []) {
      const pts: number[] = [];
      for (const s of ed.sections ?? []) {
        pts.push(s.startPoint.x, s.startPoint.y);
        for (const b of s.bendPoints ?? []) pts.push(b.x, b.y);
        pts.push(s.endPoint.x, s.endPoint.y);
      }
      edges[ed.id] = pts;
    }
    const answer: LaidOut = { id: req.id, ok: true, algorithm: large ? 'layered (hub edges straight)' : 'layered', width: out.width ?? 0, height: out.height ?? 0, nodes, edges, ms: performance.now() - started };
    self.postMessage(answer);
  } catch (err) {
    self.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies LaidOut);
  }
};
