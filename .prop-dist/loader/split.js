export function splitYamlDocuments(text) {
    const spans = [];
    let docStart = 0;
    let docLine = 1;
    let lineNo = 1;
    let pos = 0;
    const n = text.length;
    while (pos <= n) {
        let eol = text.indexOf('\n', pos);
        if (eol < 0)
            eol = n;
        // Only lines starting with '-' or '.' can be markers; test cheaply before slicing.
        const c = text.charCodeAt(pos);
        if ((c === 45 /* - */ || c === 46) /* . */ && isMarker(text, pos, eol)) {
            const isEnd = c === 46;
            if (pos > docStart)
                spans.push({ start: docStart, end: pos, line: docLine });
            if (isEnd) {
                // `...` ends a document; the next one starts on the following line.
                docStart = eol + 1;
                docLine = lineNo + 1;
            }
            else {
                // `---` starts a document and may carry content on the same line (`--- |`, `--- !tag`).
                docStart = pos;
                docLine = lineNo;
            }
        }
        pos = eol + 1;
        lineNo++;
    }
    if (docStart < n)
        spans.push({ start: docStart, end: n, line: docLine });
    return spans;
}
function isMarker(text, pos, eol) {
    const ch = text.charCodeAt(pos);
    if (eol - pos < 3)
        return false;
    if (text.charCodeAt(pos + 1) !== ch || text.charCodeAt(pos + 2) !== ch)
        return false;
    if (eol - pos === 3)
        return true;
    const after = text.charCodeAt(pos + 3);
    return after === 32 || after === 9 || after === 13;
}
/** Sorted offsets of every line start, for offset → line/column conversion by binary search. */
export function lineStarts(text) {
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1))
        count++;
    const starts = new Uint32Array(count);
    let k = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1))
        starts[k++] = i + 1;
    return starts;
}
/** 1-based line and column of `offset`. */
export function positionOf(starts, offset) {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid] <= offset)
            lo = mid;
        else
            hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
}
