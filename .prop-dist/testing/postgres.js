/**
 * A throwaway PostgreSQL for tests and the store benchmark: `initdb` into a temp dir, `pg_ctl start`
 * on a free loopback port with its unix socket in that dir, trust authentication (initdb -A trust;
 * the server listens on 127.0.0.1 only). One server per process (`sharedPostgres`), a fresh database
 * per suite or test (`createDatabase`). Never a system database.
 *
 * PostgreSQL refuses to run as root, so as root every PostgreSQL program runs as `nobody` (setpriv,
 * or runuser when setpriv is missing) and the temp dir is handed to it. Any failure throws with what
 * went wrong and how to fix it: PostgreSQL tests fail, they never skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
const INSTALL_HINT = 'Install PostgreSQL 15 (Debian: `apt-get install -y postgresql`; `node scripts/test-setup.js` does it as root), ' +
    'or put its bin directory (initdb, pg_ctl) on PATH.';
/** The directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin() {
    for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
        if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')))
            return dir;
    }
    const base = '/usr/lib/postgresql';
    if (existsSync(base)) {
        const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
        for (const v of versions) {
            const dir = path.join(base, v, 'bin');
            if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')))
                return dir;
        }
    }
    throw new Error(`PostgreSQL tests need initdb and pg_ctl, and neither PATH nor /usr/lib/postgresql/*/bin has them. ${INSTALL_HINT}`);
}
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
/** How to run a PostgreSQL program: as ourselves, or, as root, as nobody. */
function runner() {
    if (!isRoot())
        return null;
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    if (spawnSync('setpriv', ['--version']).status === 0) {
        return { uid, gid, wrap: (cmd, args) => ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', cmd, ...args]] };
    }
    if (spawnSync('runuser', ['--help']).status === 0) {
        return { uid, gid, wrap: (cmd, args) => ['runuser', ['-u', 'nobody', '--', cmd, ...args]] };
    }
    throw new Error('running as root, and PostgreSQL refuses root: neither setpriv nor runuser is available to run it as nobody. Run the tests as an unprivileged user.');
}
async function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            const port = typeof addr === 'object' && addr ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}
export async function startPostgres(opts = {}) {
    const bin = findPostgresBin();
    const as = runner();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-pg-'));
    if (as)
        chownSync(dir, as.uid, as.gid);
    const data = path.join(dir, 'data');
    const log = path.join(dir, 'server.log');
    const run = (prog, args, what) => {
        const [cmd, argv] = as ? as.wrap(path.join(bin, prog), args) : [path.join(bin, prog), args];
        const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } });
        if (r.status !== 0) {
            const logText = existsSync(log) ? safeRead(log).slice(-2000) : '';
            throw new Error(`${what} failed (${prog} exited ${r.status ?? r.signal ?? r.error?.message}): ${(r.stderr || r.stdout || '').slice(-2000)}${logText ? `\nserver log:\n${logText}` : ''}\n${INSTALL_HINT}`);
        }
    };
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], 'initdb of the test PostgreSQL');
    let port = 0;
    let started = false;
    for (let attempt = 0; attempt < 5 && !started; attempt++) {
        port = await freePort();
        const settings = {
            listen_addresses: '127.0.0.1',
            port: String(port),
            unix_socket_directories: dir,
            fsync: opts.fsync ? 'on' : 'off',
            full_page_writes: opts.fsync ? 'on' : 'off',
            max_connections: '200',
            ...opts.settings,
        };
        const o = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
        try {
            run('pg_ctl', ['-D', data, '-l', log, '-o', o, '-w', '-t', '60', 'start'], `starting the test PostgreSQL on port ${port}`);
            started = true;
        }
        catch (e) {
            // Another process may have taken the port between freePort and start: try another.
            if (attempt === 4) {
                rmSync(dir, { recursive: true, force: true });
                throw e;
            }
        }
    }
    let stopped = false;
    const stopSync = () => {
        if (stopped)
            return;
        stopped = true;
        const [cmd, argv] = as ? as.wrap(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']) : [path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']];
        spawnSync(cmd, argv, { stdio: 'ignore', timeout: 60_000 });
        rmSync(dir, { recursive: true, force: true });
    };
    // Never leave a server behind, whatever way the test process ends.
    process.once('exit', stopSync);
    const url = (database) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    return {
        port,
        dir,
        url,
        async createDatabase(prefix = 'meshward') {
            const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
            const client = new pg.Client({ connectionString: url('postgres') });
            await client.connect();
            try {
                await client.query(`CREATE DATABASE ${name}`); // name is ours: [a-z0-9_] only
            }
            finally {
                await client.end();
            }
            return url(name);
        },
        async stop() {
            process.removeListener('exit', stopSync);
            stopSync();
        },
    };
}
function safeRead(file) {
    try {
        return readFileSync(file, 'utf8');
    }
    catch {
        return '';
    }
}
let shared = null;
/** The one throwaway server of this process (started on first use, stopped when the process exits). */
export function sharedPostgres() {
    shared ??= startPostgres();
    return shared;
}
/**
 * For other suites (ingest, API) that want to run against PostgreSQL as well as SQLite: a migrated
 * store on a fresh database of this process's throwaway server. Close it when done; the server stops
 * when the process exits.
 */
export async function freshPostgresStore() {
    const server = await sharedPostgres();
    const connectionString = await server.createDatabase('suite');
    const { openPostgresStore } = await import('../store/postgres.js');
    return { store: await openPostgresStore({ connectionString }), connectionString };
}
