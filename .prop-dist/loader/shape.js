/**
 * Walks a parsed value once with a budget. YAML aliases let a small file describe an enormous tree
 * (the "billion laughs"); the parser shares the nodes, but anything that walks the tree would not,
 * so a value over the budget must be refused before anything else looks at it. Returns which bound
 * was broken, or null; callers word the error for their input.
 */
export function shapeViolation(root, maxNodes, maxDepth) {
    let nodes = 0;
    const stack = [{ v: root, d: 0 }];
    while (stack.length) {
        const { v, d } = stack.pop();
        if (++nodes > maxNodes)
            return 'nodes';
        if (v === null || typeof v !== 'object')
            continue;
        if (d >= maxDepth)
            return 'depth';
        if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++)
                stack.push({ v: v[i], d: d + 1 });
        }
        else {
            for (const k in v)
                stack.push({ v: v[k], d: d + 1 });
        }
    }
    return null;
}
