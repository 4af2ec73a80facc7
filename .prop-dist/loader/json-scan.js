/** `duplicates: false` skips the duplicate-key check (and its per-object key sets) when only the items are wanted. */
export function scanJson(text, duplicates = true) {
    const stack = [];
    let duplicate = null;
    let items = null;
    let itemsArray = null;
    let lastKey = null;
    const n = text.length;
    const beginValue = (at) => {
        const top = stack[stack.length - 1];
        if (top?.spans && top.elementStart < 0)
            top.elementStart = at;
    };
    const endElement = (at) => {
        const top = stack[stack.length - 1];
        if (!top?.spans || top.elementStart < 0)
            return;
        let end = at;
        while (end > top.elementStart && isSpace(text.charCodeAt(end - 1)))
            end--;
        top.spans.push([top.elementStart, end]);
        top.elementStart = -1;
    };
    for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 34 /* " */) {
            let j = i + 1;
            let escaped = false;
            for (; j < n; j++) {
                const d = text.charCodeAt(j);
                if (d === 92 /* \ */) {
                    escaped = true;
                    j++;
                }
                else if (d === 34)
                    break;
            }
            const top = stack[stack.length - 1];
            if (top?.object && top.expectKey) {
                top.expectKey = false;
                if (duplicates || stack.length === 1) {
                    // Keys compare decoded: "a" and "\u0061" are the same key.
                    const key = escaped ? JSON.parse(text.slice(i, j + 1)) : text.slice(i + 1, j);
                    if (top.keys.has(key))
                        duplicate ??= { key, offset: i };
                    top.keys.add(key);
                    lastKey = key;
                }
            }
            else
                beginValue(i);
            i = j;
        }
        else if (c === 123 /* { */ || c === 91 /* [ */) {
            beginValue(i);
            const parent = stack[stack.length - 1];
            const isItems = c === 91 && stack.length === 1 && parent.object && lastKey === 'items';
            stack.push({ object: c === 123, keys: c === 123 ? new Set() : null, expectKey: c === 123, spans: isItems ? [] : null, elementStart: -1 });
            if (isItems) {
                items = stack[stack.length - 1].spans;
                itemsArray = [i, -1];
            }
        }
        else if (c === 125 /* } */ || c === 93 /* ] */) {
            if (c === 93)
                endElement(i);
            const closed = stack.pop();
            if (closed?.spans && closed.spans === items && itemsArray)
                itemsArray[1] = i + 1;
            const top = stack[stack.length - 1];
            // A closed element of the items array ends at its closing bracket.
            if (top?.spans && top.elementStart >= 0 && stack.length === 2) {
                top.spans.push([top.elementStart, i + 1]);
                top.elementStart = -1;
            }
        }
        else if (c === 44 /* , */) {
            const top = stack[stack.length - 1];
            if (top?.object)
                top.expectKey = true;
            else
                endElement(i);
        }
        else if (!isSpace(c) && c !== 58 /* : */) {
            beginValue(i);
        }
    }
    if (itemsArray && itemsArray[1] < 0)
        itemsArray = null;
    return { duplicate, items, itemsArray };
}
/**
 * Offset of the first `[` or `{` nested deeper than `maxDepth` (strings skipped), or -1. Iterative, so
 * a megabyte of `[[[[...` is measured instead of overflowing a recursive parser's stack.
 */
export function firstTooDeep(text, maxDepth) {
    let depth = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 34 /* " */) {
            for (i++; i < n; i++) {
                const d = text.charCodeAt(i);
                if (d === 92 /* \ */)
                    i++;
                else if (d === 34)
                    break;
            }
        }
        else if (c === 123 || c === 91) {
            if (++depth > maxDepth)
                return i;
        }
        else if (c === 125 || c === 93) {
            depth--;
        }
    }
    return -1;
}
function isSpace(c) {
    return c === 32 || c === 10 || c === 13 || c === 9;
}
