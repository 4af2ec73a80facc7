import { SEVERITIES, severityColor } from './severity.js';
import type { TrendPoint } from '../types.js';

const W = 640;
const H = 180;
const PAD = { left: 36, right: 8, top: 8, bottom: 22 };

/**
 * Open findings per day, one line per severity. The SVG is labelled as an image for screen readers
 * and the same numbers are in a table beside it (a <details>, for keyboard and screen-reader users).
 */
export function TrendChart({ points, title }: { points: TrendPoint[]; title: string }) {
  const days = points.length;
  const value = (p: TrendPoint, s: string) => {
    const v = Object.hasOwn(p.open, s) ? (p.open as Record<string, unknown>)[s] : 0;
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  const max = Math.max(1, ...points.flatMap((p) => SEVERITIES.map((s) => value(p, s))));
  const x = (i: number) => PAD.left + (days <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (days - 1));
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
  const last = points[days - 1];
  return (
    <figure class="trend">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${last ? SEVERITIES.map((s) => `${value(last, s)} ${s}`).join(', ') + ' today' : 'no data'}`}>
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} class="axis" />
        <line x1={PAD.left} x2={W - PAD.right} y1={y(max)} y2={y(max)} class="grid" />
        <text x={PAD.left - 4} y={y(max) + 4} class="tick" text-anchor="end">
          {max}
        </text>
        <text x={PAD.left - 4} y={y(0) + 4} class="tick" text-anchor="end">
          0
        </text>
        {days > 0 ? (
          <>
            <text x={x(0)} y={H - 6} class="tick">
              {points[0]!.day}
            </text>
            <text x={x(days - 1)} y={H - 6} class="tick" text-anchor="end">
              {points[days - 1]!.day}
            </text>
          </>
        ) : null}
        {SEVERITIES.map((s) => (
          <polyline fill="none" stroke={severityColor(s)} stroke-width="2" points={points.map((p, i) => `${x(i).toFixed(1)},${y(value(p, s)).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <figcaption>
        <ul class="legend">
          {SEVERITIES.map((s) => (
            <li class={`sev-${s}`}>{s}</li>
          ))}
        </ul>
        <details>
          <summary>{title} as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {SEVERITIES.map((s) => (
                  <th scope="col">{s}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr>
                  <th scope="row">{p.day}</th>
                  {SEVERITIES.map((s) => (
                    <td>{value(p, s)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
