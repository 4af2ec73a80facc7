import { textReporter, compactReporter, textChunks, compactChunks } from './text.js';
import { jsonReporter, jsonChunks } from './json.js';
import { sarifReporter, sarifChunks } from './sarif.js';
import { junitReporter, junitChunks } from './junit.js';
import { gitlabReporter, gitlabChunks } from './gitlab.js';
import { htmlReporter, htmlChunks } from './html.js';
export const FORMATS = ['text', 'compact', 'json', 'sarif', 'junit', 'gitlab', 'html'];
export const REPORTERS = {
    text: textReporter,
    compact: compactReporter,
    json: jsonReporter,
    sarif: sarifReporter,
    junit: junitReporter,
    gitlab: gitlabReporter,
    html: htmlReporter,
};
/**
 * The same reports, in chunks, as the CLI writes them: each chunk is written before the next is made,
 * so memory does not grow with the size of the report. A test keeps each identical to REPORTERS.
 */
export const CHUNKED_REPORTERS = {
    text: textChunks,
    compact: compactChunks,
    json: jsonChunks,
    sarif: sarifChunks,
    junit: junitChunks,
    gitlab: gitlabChunks,
    html: htmlChunks,
};
