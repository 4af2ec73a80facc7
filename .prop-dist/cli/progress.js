import { terminalSafe } from '../engine/text.js';
/**
 * Whether to draw live-cluster progress on stderr: only for a person at a terminal. Never in CI (logs
 * keep every redraw as a line), never when stderr is not a terminal, and not when standard output
 * carries a machine format to a file or pipe while stderr is a terminal (a redirected `--format json`
 * run stays quiet, as tools that pipe it expect).
 */
export function progressWanted(io, format) {
    if (!io.stderr.isTTY)
        return false;
    const ci = io.env.CI;
    if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false')
        return false;
    if (io.env.TERM === 'dumb')
        return false;
    if (format !== 'text' && format !== 'compact' && !io.stdout.isTTY)
        return false;
    return true;
}
const SYMBOL = {
    refused: '✖',
    connecting: '…',
    listing: '…',
    analysing: '…',
    done: '✔',
    error: '✖',
};
/** Redraws of listing counts at most this often; phase changes are drawn at once. */
const REDRAW_MS = 100;
/**
 * One line per cluster (phase and detail) and a total, rewritten in place on a terminal. With more
 * clusters than the terminal has rows, the clusters still at work are shown first, then the latest to
 * finish; the total counts all of them.
 */
export class Progress {
    out;
    lines = new Map();
    drawn = 0;
    tick = 0;
    timer = null;
    finished = false;
    constructor(out) {
        this.out = out;
    }
    update(e) {
        if (this.finished)
            return;
        const previous = this.lines.get(e.cluster);
        const detail = terminalSafe(e.detail ?? '').split('\n')[0];
        this.lines.set(e.cluster, { phase: e.phase, detail, changed: ++this.tick });
        if (previous?.phase === e.phase)
            this.schedule();
        else
            this.draw();
    }
    /** The final state, left on screen: every cluster when they fit, else the ones that failed; and the total. */
    finish() {
        if (this.finished)
            return;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        this.draw(true);
        this.finished = true;
    }
    schedule() {
        if (this.timer)
            return;
        this.timer = setTimeout(() => {
            this.timer = null;
            if (!this.finished)
                this.draw();
        }, REDRAW_MS);
        this.timer.unref();
    }
    draw(final = false) {
        // A terminal that reports no size (0: a pseudo-terminal nobody sized) gets the classic 80×24.
        const room = Math.max(3, Math.min(40, (this.out.rows || 24) - 2));
        const width = Math.max(20, (this.out.columns || 80) - 1);
        const entries = [...this.lines.entries()];
        const busy = (l) => l.phase !== 'done' && l.phase !== 'error' && l.phase !== 'refused';
        let shown;
        if (entries.length <= room)
            shown = entries;
        else if (final)
            shown = entries.filter(([, l]) => l.phase !== 'done').slice(0, room);
        else {
            const active = entries.filter(([, l]) => busy(l));
            const recent = entries.filter(([, l]) => !busy(l)).sort((a, b) => b[1].changed - a[1].changed);
            const picked = new Set([...active, ...recent].slice(0, room).map(([name]) => name));
            shown = entries.filter(([name]) => picked.has(name));
        }
        const text = shown.map(([name, l]) => fit(`${SYMBOL[l.phase]} ${terminalSafe(name)}  ${l.phase}${l.detail ? `  ${l.detail}` : ''}`, width));
        text.push(fit(this.total(), width));
        // Back to the start of the block, then each line cleared and rewritten, then whatever is left of a longer block cleared.
        let buf = this.drawn ? `\x1b[${this.drawn}F` : '';
        for (const t of text)
            buf += `\x1b[2K${t}\n`;
        if (this.drawn > text.length)
            buf += '\x1b[J';
        this.drawn = final ? 0 : text.length;
        this.out.write(buf);
    }
    total() {
        let done = 0;
        let failed = 0;
        let busy = 0;
        for (const l of this.lines.values()) {
            if (l.phase === 'done')
                done++;
            else if (l.phase === 'error' || l.phase === 'refused')
                failed++;
            else
                busy++;
        }
        const n = this.lines.size;
        return `${n} cluster${n === 1 ? '' : 's'}: ${done} done, ${failed} failed, ${busy} in progress`;
    }
}
function fit(s, width) {
    const chars = [...s];
    return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}
