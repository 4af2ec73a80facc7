/** The whole text of a chunked report, for callers that want one string (tests, small reports). */
export function joinChunks(chunks) {
    let text = '';
    for (const chunk of chunks)
        text += chunk;
    return text;
}
