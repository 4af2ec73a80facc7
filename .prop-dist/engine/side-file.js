/**
 * The one way meshward reads a side file: `--config`, `--mesh-config`, `--tenants`, `--baseline`,
 * `--advisories`, and kubeconfig files.
 *
 * A path on the command line may name a FIFO (a read blocks until someone writes, forever in CI), a
 * device (`/dev/zero` never ends, `/dev/tty` waits for a key), a folder, or a sparse file of terabytes.
 * So the file is opened with O_NONBLOCK (opening a FIFO does not wait for a writer), the open handle is
 * checked with fstat (no race between a check on the path and the read), anything but a regular file is
 * refused before a byte is read, and at most `maxBytes` are read whatever the file claims its size is
 * (a file growing while it is read is refused too). /dev/null alone among devices reads as empty: it is
 * how users say "no config".
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, statSync } from 'node:fs';
/** Why a side file was not read. `reason` names no path: the caller prefixes its flag and file. */
export class SideFileError extends Error {
    file;
    reason;
    code;
    constructor(file, reason, code = null) {
        super(`${file}: ${reason}`);
        this.file = file;
        this.reason = reason;
        this.code = code;
        this.name = 'SideFileError';
    }
}
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOCTTY ?? 0);
function openFailure(file, err) {
    const code = err?.code ?? null;
    const reason = code === 'ENOENT'
        ? 'no such file; check the path'
        : code === 'EACCES' || code === 'EPERM'
            ? `permission denied (${code})`
            : code === 'ELOOP'
                ? 'too many symbolic links (a link loop?)'
                : `cannot open the file (${code ?? 'error'})`;
    return new SideFileError(file, reason, code);
}
/** Device number of /dev/null, where there is one: `--config /dev/null` is the usual way to say "none". */
let nullDevice;
function isNullDevice(st) {
    if (!st.isCharacterDevice())
        return false;
    if (nullDevice === undefined) {
        try {
            nullDevice = statSync('/dev/null').rdev;
        }
        catch {
            nullDevice = null;
        }
    }
    return nullDevice !== null && st.rdev === nullDevice;
}
function refuse(file, st, maxBytes) {
    if (st.isDirectory())
        return new SideFileError(file, 'is a folder, not a file', 'EISDIR');
    if (!st.isFile())
        return new SideFileError(file, 'is not a regular file (a FIFO, socket or device); not read', 'ENOTREG');
    if (st.size > maxBytes)
        return new SideFileError(file, `is ${st.size} bytes, over the limit of ${maxBytes} bytes`, 'EFBIG');
    return null;
}
function grew(file, maxBytes) {
    return new SideFileError(file, `grew over the limit of ${maxBytes} bytes while being read`, 'EFBIG');
}
/**
 * Reads a regular file of at most `maxBytes` bytes without blocking on FIFOs or devices. Throws
 * SideFileError. Side files are small and read once, before the scan: the synchronous read serves.
 */
export async function readSideFile(file, maxBytes) {
    return readSideFileSync(file, maxBytes);
}
/** The synchronous form of readSideFile, for readers that are synchronous (the advisory database). */
export function readSideFileSync(file, maxBytes) {
    let fd;
    try {
        fd = openSync(file, OPEN_FLAGS);
    }
    catch (err) {
        throw openFailure(file, err);
    }
    try {
        const st = fstatSync(fd);
        if (isNullDevice(st))
            return Buffer.alloc(0);
        const refused = refuse(file, st, maxBytes);
        if (refused)
            throw refused;
        const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
        let len = 0;
        while (len < buf.length) {
            const n = readSync(fd, buf, len, buf.length - len, len);
            if (!n)
                break;
            len += n;
        }
        if (len > maxBytes)
            throw grew(file, maxBytes);
        return buf.subarray(0, len);
    }
    catch (err) {
        if (err instanceof SideFileError)
            throw err;
        const code = err?.code ?? null;
        throw new SideFileError(file, `cannot read the file (${code ?? 'error'})`, code);
    }
    finally {
        closeSync(fd);
    }
}
/** readSideFile as UTF-8 text (invalid sequences become U+FFFD, as `readFile(..., 'utf8')` does). */
export async function readSideText(file, maxBytes) {
    return (await readSideFile(file, maxBytes)).toString('utf8');
}
export function readSideTextSync(file, maxBytes) {
    return readSideFileSync(file, maxBytes).toString('utf8');
}
