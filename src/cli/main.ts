import { Command, CommanderError } from 'commander';
import { VERSION, UsageError, EXIT_USAGE, type CliIO } from './io.js';
import type { SetExit } from './commands/index.js';
import { terminalSafe, terminalSafeLines } from '../engine/text.js';

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
    // commander's own messages quote what was typed ("argument '...' is invalid", "unknown option"):
    // escaped like every other line meshward prints. Sub-commands made with .command() share this
    // configuration (commander's copyInheritedSettings), so every command's errors and help go here.
    .configureOutput({
      writeOut: (s) => io.stdout.write(terminalSafeLines(s)),
      writeErr: (s) => io.stderr.write(terminalSafeLines(s)),
    })
    .showHelpAfterError('(run with --help for usage)');
  const setExit: SetExit = (code) => {
    exitCode = Math.max(exitCode, code);
  };
  // A run that names its sub-command loads that command's module only: importing every command
  // (the webhook's TLS and metrics libraries, zod schemas, the live client...) cost about 0.3 s of
  // CPU before a scan could start. Anything else (no command, `help`, a typo that commander
  // should answer with a suggestion) registers them all, so help and errors are unchanged.
  const single = argv.length ? COMMAND_MODULES.get(argv[0]) : undefined;
  if (single) (await single())(program, io, setExit);
  else (await import('./commands/index.js')).registerCommands(program, io, setExit);
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

type Register = (program: Command, io: CliIO, setExit: SetExit) => void;

/**
 * Each sub-command's name and the module that registers it (the same modules as commands/index.ts,
 * which stays the list of record: a command missing here still works, through registering all).
 */
export const COMMAND_MODULES: ReadonlyMap<string, () => Promise<Register>> = new Map<string, () => Promise<Register>>([
  ['scan', async () => (await import('./commands/scan.js')).registerScan],
  ['rules', async () => (await import('./commands/rules.js')).registerRules],
  ['explain', async () => (await import('./commands/rules.js')).registerRules],
  ['docs', async () => (await import('./commands/rules.js')).registerRules],
  ['advisories', async () => (await import('./commands/advisories.js')).registerAdvisories],
  ['tenants', async () => (await import('./commands/tenants.js')).registerTenants],
  ['kubeconfig', async () => (await import('./commands/kubeconfig.js')).registerKubeconfig],
  ['blast-radius', async () => (await import('./commands/blast-radius.js')).registerBlastRadius],
  ['generate', async () => (await import('./commands/generate.js')).registerGenerate],
  ['posture', async () => (await import('./commands/posture.js')).registerPosture],
  ['rbac', async () => (await import('./commands/rbac.js')).registerRbac],
  ['webhook', async () => (await import('./commands/webhook.js')).registerWebhook],
  [
    'server',
    async () => {
      const [{ registerServer }, { registerServerAdminCommands }] = await Promise.all([import('./commands/server.js'), import('./commands/server-admin.js')]);
      return (program, io, setExit) => registerServerAdminCommands(registerServer(program, io, setExit), io, setExit);
    },
  ],
  ['agent', async () => (await import('./commands/agent.js')).registerAgent],
  ['demo', async () => (await import('./commands/demo.js')).registerDemo],
  ['graph', async () => (await import('./commands/graph.js')).registerGraph],
  ['federate', async () => (await import('./commands/federate.js')).registerFederate],
]);

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
