import { yamlLib } from './yaml-lib.js';
/**
 * Offset (within the parsed text) of the deepest node along `path` in a `yaml` Document's contents:
 * the key for mapping entries, the item for sequence entries; null when not even the root has a
 * position. Keys compare as text: a YAML key `9090:` is a number to the parser but a string in a path.
 */
export function offsetAlongPath(contents, path) {
    const { isMap, isScalar, isSeq } = yamlLib();
    let node = contents;
    let best = rangeStart(node);
    for (const seg of path) {
        if (isMap(node)) {
            const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
            if (!pair)
                break;
            best = rangeStart(pair.key) ?? best;
            node = pair.value;
        }
        else if (isSeq(node) && typeof seg === 'number') {
            const item = node.items[seg];
            if (!item)
                break;
            best = rangeStart(item) ?? best;
            node = item;
        }
        else
            break;
    }
    return best;
}
function rangeStart(n) {
    const range = n?.range;
    return range ? range[0] : null;
}
