import { isMap, isScalar, isSeq, parseDocument, stringify, type Node } from 'yaml';
import { visibleText } from './format.js';

/** `spec.containers[0].securityContext`, `metadata.annotations["a.b/c"]` → its keys and indexes. */
export function parseFieldPath(path: string): (string | number)[] | null {
  const out: (string | number)[] = [];
  const re = /\.?([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]!.replace(/\\(.)/g, '$1'));
    i = re.lastIndex;
  }
  return out;
}

/** The lines (0-based, inclusive) of the YAML text that hold the field at `path`, or null. */
function fieldLines(text: string, path: (string | number)[]): [number, number] | null {
  const doc = parseDocument(text);
  let node: unknown = doc.contents;
  let keyStart: number | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return null;
      keyStart = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : null;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      keyStart = null;
    } else return null;
  }
  const range = (node as Node | null)?.range;
  if (!range) return null;
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  const start = lineOf(keyStart ?? range[0]);
  const end = lineOf(Math.max(range[0], range[1] - 1));
  return [start, Math.max(start, end)];
}

/** Scrolls the YAML box (not the page) so the highlighted field is in its middle. */
function scrollToMark(el: HTMLElement | null): void {
  const box = el?.parentElement;
  if (el && box) box.scrollTop = Math.max(0, el.offsetTop - box.clientHeight / 2);
}

/**
 * An object as YAML with the field at `path` highlighted (marked, and scrolled into view). Text only:
 * each line is a text node, with control and bidi characters made visible (visibleText) and the line's
 * own break kept. `label` is the caller's, already made visible.
 */
export function YamlView({ object, path, label }: { object: unknown; path: string | undefined; label: string }) {
  const text = stringify(object, { lineWidth: 0 });
  const segments = path ? parseFieldPath(path) : null;
  const lines = segments ? fieldLines(text, segments) : null;
  return (
    <pre class="yaml" tabIndex={0} aria-label={label}>
      {text.split('\n').map((line, i) => {
        const hit = lines !== null && i >= lines[0] && i <= lines[1];
        return hit ? (
          <mark class="hl" ref={i === lines![0] ? scrollToMark : undefined}>
            {visibleText(line) + '\n'}
          </mark>
        ) : (
          visibleText(line) + '\n'
        );
      })}
    </pre>
  );
}
