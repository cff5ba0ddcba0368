import { Command, CommanderError } from 'commander';
import { EXIT, type CliIo } from './io';
import { cliApp } from './app';
import { registerCommands } from './commands';

/** Builds and runs the CLI against the given IO and environment (the app's options); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let code: number = EXIT.ok;
  const wrapped: CliIo = { ...io, setExitCode: (n) => (code = n) };
  const program = new Command('nvr-console')
    .description('NVR Support Console from the command line: the same engine as the app.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false);
  const app = cliApp(env);
  registerCommands(program, wrapped, app);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander raises is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
    }
    io.stderr(`nvr-console: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  } finally {
    app.close();
  }
  return code;
}
