#!/usr/bin/env node
// Empties dist/ before a build, so a working copy builds exactly what a fresh clone builds. tsc only
// adds and overwrites: a file it no longer emits (a JSON no module imports any more, the compiled test
// of a deleted source) would stay from an earlier build and let local tests pass where CI's fail.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

rmSync(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true, force: true });
