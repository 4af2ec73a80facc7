// A small block-style YAML writer for the benchmark corpus. It only has to handle what the
// generator produces (plain objects, arrays, strings, numbers, booleans, null), and it writes the
// way people and Helm write manifests: block mappings, indented sequences, plain scalars where they
// are unambiguous, double quotes where they are not, `|` literals for multi-line strings.

const RESERVED = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~']);
// Plain-safe: starts with a letter, `_` or `/`, and holds no YAML indicator that matters in block context.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:@=+-]*$/;
// Quantities and durations (`100m`, `128Mi`, `25%`, `30s`) are strings in every YAML schema.
const UNIT = /^[0-9]+(?:m|Mi|Gi|Ki|Ti|M|G|k|s|ms|h|%)$/;
// A digit-led string is plain only when it cannot read as a number (no hex/exponent look-alikes).
const DIGIT_LED = /^[0-9][A-Za-z0-9_./:@=+-]*$/;
const WORDY = /[g-zG-Z/_]/;

export function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s === '') return '""';
  if ((PLAIN.test(s) || UNIT.test(s) || (DIGIT_LED.test(s) && WORDY.test(s))) && !RESERVED.has(s.toLowerCase()) && !s.includes(': ') && !s.endsWith(':')) return s;
  return JSON.stringify(s);
}

function key(k) {
  return PLAIN.test(k) && !RESERVED.has(k.toLowerCase()) ? k : JSON.stringify(k);
}

function isObj(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Appends the lines of mapping `obj` at `indent` spaces to `out`. */
function emitMap(obj, indent, out) {
  const pad = ' '.repeat(indent);
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const kk = key(k);
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${pad}${kk}: []`);
      else {
        out.push(`${pad}${kk}:`);
        emitSeq(v, indent + 2, out);
      }
    } else if (isObj(v)) {
      if (Object.keys(v).length === 0) out.push(`${pad}${kk}: {}`);
      else {
        out.push(`${pad}${kk}:`);
        emitMap(v, indent + 2, out);
      }
    } else if (typeof v === 'string' && v.includes('\n')) {
      const body = v.endsWith('\n') ? v.slice(0, -1) : v;
      out.push(`${pad}${kk}: ${v.endsWith('\n') ? '|' : '|-'}`);
      for (const line of body.split('\n')) out.push(line ? `${pad}  ${line}` : '');
    } else {
      out.push(`${pad}${kk}: ${scalar(v)}`);
    }
  }
}

function emitSeq(arr, indent, out) {
  const pad = ' '.repeat(indent);
  for (const item of arr) {
    if (isObj(item) && Object.keys(item).length) {
      const start = out.length;
      emitMap(item, indent + 2, out);
      out[start] = `${pad}- ${out[start].slice(indent + 2)}`;
    } else if (Array.isArray(item) && item.length) {
      const start = out.length;
      emitSeq(item, indent + 2, out);
      out[start] = `${pad}- ${out[start].slice(indent + 2)}`;
    } else if (isObj(item)) out.push(`${pad}- {}`);
    else if (Array.isArray(item)) out.push(`${pad}- []`);
    else out.push(`${pad}- ${scalar(item)}`);
  }
}

/** One YAML document (without the `---` separator), ending in a newline. */
export function toYaml(obj) {
  const out = [];
  emitMap(obj, 0, out);
  return out.join('\n') + '\n';
}
