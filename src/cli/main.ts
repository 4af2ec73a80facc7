import { Command, CommanderError } from 'commander';
import { VERSION, UsageError, EXIT_USAGE, type CliIO } from './io.js';
import { registerCommands } from './commands/index.js';
import { terminalSafe } from '../engine/text.js';

/**
 * Runs the CLI and resolves to the exit code: 0 nothing at or above --fail-on, 1 findings at or
 * above it (or unreadable input), 2 usage or internal error.
 */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let exitCode = 0;
  const program = new Command('meshward')
    .description('Security-posture engine for Istio service meshes')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  registerCommands(program, io, (code) => {
    exitCode = Math.max(exitCode, code);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      // Usage errors quote paths, flag values and config content: escape control and bidi characters.
      io.stderr.write(`meshward: ${terminalSafe(err.message)}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`meshward: internal error: ${(err as Error)?.stack ?? err}\n`);
    return EXIT_USAGE;
  }
  return exitCode;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
