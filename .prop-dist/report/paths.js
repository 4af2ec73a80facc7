import path from 'node:path';
/**
 * A finding's file as a repository-relative path with forward slashes: `file` is relative to `cwd`
 * (as the loader shows it), the result relative to `srcRoot` (the repository root or --sarif-base).
 * Null for pseudo-files such as `<stdin>` and for files outside `srcRoot`, which no repository holds.
 */
export function repoRelative(file, cwd, srcRoot) {
    if (!file || /^<.*>$/.test(file))
        return null;
    const rel = path.relative(path.resolve(srcRoot), path.resolve(cwd, file));
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
        return null;
    return rel.split(path.sep).join('/');
}
