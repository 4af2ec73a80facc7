import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A windowed list: only the rows in view (plus a few either side) are in the DOM, so 10,000 rows
 * scroll as smoothly as 20. Rows have one fixed height; the container is focusable so the keyboard
 * scrolls it (arrows, Page Up/Down), and the links inside its rows are reachable by Tab.
 */
/** A ref that sets style properties through the DOM (CSP allows that; style attributes in HTML it does not). */
export function styled(props: Partial<Record<'top' | 'height' | 'width', string>>) {
  return (el: HTMLElement | null): void => {
    if (el) Object.assign(el.style, props);
  };
}

export function VirtualList<T>({ items, rowHeight, height, label, row, overscan = 8 }: { items: readonly T[]; rowHeight: number; height: number; label: string; row: (item: T, index: number) => ComponentChildren; overscan?: number }) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const visible: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    visible.push(
      <div role="listitem" class="vrow" key={i} ref={styled({ top: `${i * rowHeight}px`, height: `${rowHeight}px` })}>
        {row(items[i]!, i)}
      </div>,
    );
  }
  return (
    <div
      class="vlist"
      tabIndex={0}
      aria-label={label}
      ref={styled({ height: `${height}px` })}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div role="list" aria-label={label} class="vspace" ref={styled({ height: `${items.length * rowHeight}px` })}>
        {visible}
      </div>
    </div>
  );
}
