import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { visibleText } from '../components/format.js';
import { NODE_HEIGHT, nodeLabel, nodeWidth, type EdgeSecurity, type GraphEdge, type GraphNode, type LaidOut, type ServiceGraph } from './types.js';

let nextRequest = 1;

/** Lays `graph` out in the worker; `null` while it runs. */
export function useLayout(graph: ServiceGraph | null): LaidOut | null {
  const [result, setResult] = useState<LaidOut | null>(null);
  useEffect(() => {
    if (!graph) return;
    setResult(null);
    const worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    const id = nextRequest++;
    worker.onmessage = (e: MessageEvent<LaidOut>) => {
      if (e.data.id === id) setResult(e.data);
      worker.terminate();
    };
    worker.onerror = () => {
      setResult({ id, ok: false, error: 'the layout worker failed to start' });
      worker.terminate();
    };
    worker.postMessage({
      id,
      nodes: graph.nodes.map((n) => ({ id: n.id, width: nodeWidth(nodeLabel(n)), height: NODE_HEIGHT })),
      edges: graph.edges.map((e) => ({ id: e.id, from: e.from, to: e.to })),
    });
    return () => worker.terminate();
  }, [graph]);
  return result;
}

const MTLS_WORD: Record<string, string> = { strict: 'mTLS strict', permissive: 'mTLS permissive', disabled: 'mTLS disabled', none: 'plaintext (no mesh)', 'n/a': 'configuration' };

/** Traffic edges (seen in telemetry) by the security the proxies reported. */
const TRAFFIC_CLASS: Record<EdgeSecurity, string> = { none: 'plaintext', mixed: 'mixed', mutual_tls: 'mutual', unknown: 'unknown' };
const TRAFFIC_WORD: Record<EdgeSecurity, string> = { none: 'traffic: plaintext seen', mixed: 'traffic: plaintext and mutual TLS seen', mutual_tls: 'traffic: mutual TLS', unknown: 'traffic: security not reported' };

/** The CSS classes of an edge: configuration edges by mTLS state, traffic edges by what was seen. */
export function edgeClass(e: GraphEdge): string {
  if (e.kind === 'traffic' && e.traffic) return `edge edge-traffic edge-traffic-${TRAFFIC_CLASS[e.traffic.security] ?? 'unknown'}`;
  return `edge edge-${e.mtls === 'n/a' ? 'na' : e.mtls}${e.kind === 'traffic' ? ' edge-traffic' : ''}`;
}

/** What an edge says on hover (text content: never markup; the server's note made visible). */
export function edgeTitle(e: GraphEdge): string {
  if (!e.traffic) return visibleText(e.note ?? e.kind);
  const t = e.traffic;
  const volume = t.requests > 0 ? `${Math.round(t.requests)} requests (${t.requestRate.toFixed(2)}/s)` : `${Math.round(t.connectionsOpened)} connections`;
  return `${TRAFFIC_WORD[t.security] ?? TRAFFIC_WORD.unknown}: ${volume}`;
}

/** The legend: every state by colour AND dash pattern AND word. */
export function Legend() {
  return (
    <ul class="graph-legend" aria-label="Edge legend">
      {(['strict', 'permissive', 'disabled', 'none', 'n/a'] as const).map((s) => (
        <li>
          <svg width="40" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="40" y2="5" class={`edge edge-${s === 'n/a' ? 'na' : s}`} />
          </svg>{' '}
          {MTLS_WORD[s]}
        </li>
      ))}
      {(['none', 'mixed', 'mutual_tls', 'unknown'] as const).map((s) => (
        <li>
          <svg width="40" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="40" y2="5" class={`edge edge-traffic edge-traffic-${TRAFFIC_CLASS[s]}`} />
          </svg>{' '}
          {TRAFFIC_WORD[s]}
        </li>
      ))}
      <li>
        <span class="legend-hijacked">⚠</span> hijacked host (another tenant takes its traffic)
      </li>
    </ul>
  );
}

function points(p: number[]): string {
  let out = '';
  for (let i = 0; i + 1 < p.length; i += 2) out += `${i ? ' ' : ''}${p[i]!.toFixed(1)},${p[i + 1]!.toFixed(1)}`;
  return out;
}

/**
 * The laid-out graph as SVG: node names are <text> content (never markup, made visible by nodeLabel), edges styled by class.
 * Pan by dragging, zoom with the wheel or the buttons; nodes are buttons (Tab, Enter/Space select).
 */
export function GraphCanvas({ graph, layout, selected, onSelect, onDrawn }: { graph: ServiceGraph; layout: LaidOut; selected: string | null; onSelect(id: string): void; onDrawn(): void }) {
  const [view, setView] = useState({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ px: number; py: number; x: number; y: number } | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = layout.width ?? 0;
  const height = layout.height ?? 0;
  useEffect(() => {
    // Fit the whole graph in the view at first.
    const el = svgRef.current;
    if (!el || !width || !height) return;
    const k = Math.min(1, el.clientWidth / width, el.clientHeight / height);
    setView({ x: (el.clientWidth - width * k) / 2, y: 8, k });
  }, [layout]);
  useEffect(() => {
    requestAnimationFrame(() => onDrawn());
  }, [layout]);
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);
  const zoom = (f: number) => setView((v) => ({ ...v, k: Math.max(0.05, Math.min(4, v.k * f)) }));
  const nodes = layout.nodes ?? {};
  const edges = layout.edges ?? {};
  return (
    <div class="graph-wrap">
      <div class="graph-tools">
        <button type="button" onClick={() => zoom(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom(0.8)} aria-label="Zoom out">
          −
        </button>
        <button
          type="button"
          onClick={() => {
            const el = svgRef.current;
            if (!el) return;
            const k = Math.min(1, el.clientWidth / Math.max(1, width), el.clientHeight / Math.max(1, height));
            setView({ x: (el.clientWidth - width * k) / 2, y: 8, k });
          }}
        >
          Fit
        </button>
        <span class="muted">
          {graph.nodes.length} nodes, {graph.edges.length} edges; layout {layout.algorithm} in {Math.round(layout.ms ?? 0)} ms
        </span>
      </div>
      <svg
        ref={svgRef}
        class="graph"
        role="group"
        aria-label="Service graph"
        onWheel={(e) => {
          e.preventDefault();
          zoom(e.deltaY < 0 ? 1.1 : 0.9);
        }}
        onPointerDown={(e) => {
          if ((e.target as Element).closest('.node')) return;
          drag.current = { px: e.clientX, py: e.clientY, x: view.x, y: view.y };
          (e.currentTarget as Element).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setView((v) => ({ ...v, x: d.x + e.clientX - d.px, y: d.y + e.clientY - d.py }));
        }}
        onPointerUp={() => (drag.current = null)}
      >
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {graph.edges.map((e) => {
            let p = edges[e.id];
            if (!p || p.length < 4) {
              // Not routed by the layout (a hub's edge in a large graph): a straight line between the boxes.
              const a = nodes[e.from];
              const z = nodes[e.to];
              if (!a || !z) return null;
              const fa = byId.get(e.from);
              p = [a.x + (fa ? nodeWidth(nodeLabel(fa)) : 0), a.y + NODE_HEIGHT / 2, z.x, z.y + NODE_HEIGHT / 2];
            }
            return (
              <polyline class={edgeClass(e)} points={points(p)} data-edge={e.id} data-security={e.traffic?.security}>
                <title>{edgeTitle(e)}</title>
              </polyline>
            );
          })}
          {graph.nodes.map((n) => {
            const pos = nodes[n.id];
            if (!pos) return null;
            const label = nodeLabel(n);
            const w = nodeWidth(label);
            return (
              <g
                class={`node node-${n.kind}${n.hijacked ? ' node-hijacked' : ''}${n.hijacks ? ' node-hijacks' : ''}${selected === n.id ? ' node-selected' : ''}`}
                transform={`translate(${pos.x},${pos.y})`}
                // SVG attributes are case-sensitive: `tabindex`, not the HTML property name.
                {...{ tabindex: 0 }}
                role="button"
                aria-label={`${n.hijacked ? '⚠ ' : ''}${visibleText(n.resourceKind)} ${label}, namespace ${visibleText(n.namespace)}${n.hijacked ? ', hijacked' : ''}${n.hijacks ? ', takes another tenant host' : ''}`}
                aria-pressed={selected === n.id}
                data-node={n.id}
                onClick={() => onSelect(n.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(n.id);
                  }
                }}
              >
                <rect width={w} height={NODE_HEIGHT} rx={n.kind === 'service' ? 16 : 3} />
                <text x={8} y={13} class="node-kind">
                  {n.hijacked ? '⚠ ' : ''}
                  {`${visibleText(n.resourceKind)} `}
                </text>
                <text x={8} y={27}>
                  {label}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      {byId.size === 0 ? <p class="muted">No workloads, services or routes in this selection.</p> : null}
    </div>
  );
}

export function nodeById(graph: ServiceGraph, id: string | null): GraphNode | null {
  return id ? (graph.nodes.find((n) => n.id === id) ?? null) : null;
}
