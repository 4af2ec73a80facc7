import { parseDocument, isMap, isSeq, isScalar, LineCounter } from 'yaml';
import { yamlErrorReason } from '../engine/redact.js';
export class ValidationError extends Error {
}
/**
 * Parses a small YAML file (config, tenant policy) and validates it against a zod schema. Errors
 * name the file, the line and the field, and end with where to read about the format.
 */
export function parseValidated(text, file, schema, help) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) {
        const e = doc.errors[0];
        throw new ValidationError(`${file}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${yamlErrorReason(e)}`);
    }
    let value;
    try {
        value = doc.toJS({ maxAliasCount: 100 }) ?? {};
    }
    catch (err) {
        throw new ValidationError(`${file}: ${yamlErrorReason(err)}`);
    }
    const lineOf = (p) => lineOfPath(doc.contents, p, lines);
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? issue.path.join('.') : '(top level)';
        throw new ValidationError(`${file}:${lineOf(issue.path)}: ${where}: ${issue.message}. ${help}`);
    }
    return { value: parsed.data, lineOf };
}
function lineOfPath(root, p, lines) {
    let node = root;
    let best = node?.range?.[0] ?? 0;
    for (const seg of p) {
        if (isMap(node)) {
            const pair = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === seg);
            if (!pair)
                break;
            best = pair.key?.range?.[0] ?? best;
            node = pair.value;
        }
        else if (isSeq(node) && typeof seg === 'number') {
            node = node.items[seg];
            best = node?.range?.[0] ?? best;
        }
        else
            break;
    }
    return lines.linePos(best).line;
}
