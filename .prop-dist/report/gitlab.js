/**
 * GitLab Code Quality report (`artifacts: reports: codequality`), the format GitLab documents: a JSON
 * array of issues, each with `description`, `check_name`, `fingerprint`, `severity` (info, minor,
 * major, critical, blocker) and `location.path` + `location.lines.begin`, the path relative to the
 * repository root. GitLab shows them in merge requests.
 *
 * A finding with no source file is pinned on the fallback file (README "Findings without a file"); with
 * none, it is left out (GitLab needs a path). Suppressed findings are never issues.
 */
import { fileLocation } from '../engine/finding.js';
import { repoRelative } from './paths.js';
import { jsonArrayChunks } from './json.js';
import { joinChunks } from './types.js';
export const GITLAB_SEVERITY = {
    critical: 'blocker',
    high: 'critical',
    medium: 'major',
    low: 'minor',
    info: 'info',
};
export const gitlabReporter = (report, ctx) => joinChunks(gitlabChunks(report, ctx));
/** The report in chunks (the same text as gitlabReporter); issues are made one at a time as written. */
export const gitlabChunks = function* (report, ctx) {
    yield* jsonArrayChunks('', issuesOf(report, ctx), 0);
    yield '\n';
};
/** The issues, made when iterated: the array of every finding's issue is not held at once. */
function issuesOf(report, ctx) {
    const srcRoot = ctx.srcRoot ?? ctx.cwd;
    const fallback = ctx.fallbackFile ? repoRelative(ctx.fallbackFile, ctx.cwd, srcRoot) : null;
    return (function* () {
        for (const f of report.findings) {
            if (f.suppressed)
                continue;
            // A live cluster's object has no file: pinned on the fallback file like any finding without one.
            const at = fileLocation(f.location);
            const located = at ? repoRelative(at.file, ctx.cwd, srcRoot) : null;
            const file = located ?? fallback;
            if (!file)
                continue;
            const line = located && at && Number.isFinite(at.line) && at.line >= 1 ? Math.floor(at.line) : 1;
            const resource = f.resource.namespace ? `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}` : `${f.resource.kind}/${f.resource.name}`;
            const rendered = f.location?.rendered ? ` (rendered output line ${f.location.rendered.line})` : '';
            const unlocated = located ? '' : ' (no source position; pinned on this file)';
            yield {
                description: `${f.ruleId} ${resource}: ${f.message}${rendered}${unlocated}`,
                check_name: f.ruleId,
                fingerprint: f.fingerprint,
                severity: GITLAB_SEVERITY[f.severity],
                location: { path: file, lines: { begin: line } },
            };
        }
    })();
}
