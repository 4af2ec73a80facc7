import path from 'node:path';
/**
 * `helm template` writes `# Source: <chart>/templates/<file>.yaml` before every document it renders.
 * This maps findings in rendered output (usually `<stdin>`) back to those template files, so CI
 * annotations land on files that exist in the repository.
 *
 * Rendered lines do not correspond to template lines (templates expand, include and indent), so the
 * location becomes line 1 of the template and `rendered` keeps the line in the scanned output. The
 * chart path in the comment starts with the chart's name; `chartDir` (--chart-dir, the folder that
 * was rendered) replaces that first segment, else the path is taken as relative to the working folder.
 */
export class HelmSourceMap {
    chartDir;
    /** Per input file: document-start lines and the template each document came from (null: none). */
    byFile = new Map();
    /** The rendered charts' folders (first `# Source:` segment, or --chart-dir), relative to the working folder. */
    chartFolders = new Set();
    constructor(files, chartDir) {
        this.chartDir = chartDir;
        for (const f of files) {
            if (f.format !== 'yaml' || !f.text.includes('# Source: '))
                continue;
            const marks = [];
            const lines = f.text.split('\n');
            for (let i = 0; i < lines.length; i++) {
                const l = lines[i];
                if (/^---(\s|$)/.test(l))
                    marks.push({ line: i + 1, source: null });
                else {
                    const m = /^# Source: (\S.*?)\s*$/.exec(l);
                    if (m)
                        marks.push({ line: i + 1, source: this.templatePath(m[1]) });
                }
            }
            if (marks.some((m) => m.source))
                this.byFile.set(f.file, marks);
        }
    }
    get empty() {
        return this.byFile.size === 0;
    }
    /** The template file `line` of `file` was rendered from, if a `# Source:` comment says so. */
    sourceOf(file, line) {
        const marks = this.byFile.get(file);
        if (!marks)
            return null;
        // The last mark at or before the line; a `---` after a Source comment ends that document.
        let lo = 0;
        let hi = marks.length - 1;
        let found = -1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            if (marks[mid].line <= line) {
                found = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        return found >= 0 ? marks[found].source : null;
    }
    /** Rewrites findings' (and their evidence's) locations onto template files, in place. */
    apply(findings) {
        let mapped = 0;
        const remap = (loc) => {
            // A live cluster's object (no file) was never rendered by Helm.
            if (!loc || loc.rendered || loc.file === undefined)
                return loc;
            const source = this.sourceOf(loc.file, loc.line);
            if (!source)
                return loc;
            mapped++;
            return { file: source, line: 1, column: 1, path: loc.path, rendered: { file: loc.file, line: loc.line } };
        };
        for (const f of findings) {
            f.location = remap(f.location) ?? null;
            f.evidence = f.evidence.map((e) => (e.location ? { ...e, location: remap(e.location) ?? null } : e));
        }
        return mapped;
    }
    templatePath(source) {
        const parts = source.split('/').filter((p) => p !== '' && p !== '.');
        // A comment is input: never let it point outside the chart with `..` or an absolute path.
        if (parts.length < 2 || parts.includes('..') || source.startsWith('/') || /^[A-Za-z]:/.test(source))
            return null;
        const chart = this.chartDir ? this.chartDir.split(path.sep).join('/').replace(/\/+$/, '') : parts[0];
        this.chartFolders.add(chart);
        return [chart, ...parts.slice(1)].join('/');
    }
}
