import { Command } from 'commander';
import { processIo } from '../../main/cli/io';
import { registerSync } from '../../main/cli/sync';

/**
 * Stand-alone `sync` command for tests that must kill -9 a real process
 * (`node --import jiti/register test/support/sync-cli-entry.ts sync …`) without
 * depending on the app's build. The shipped CLI registers the same command.
 */
const program = new Command('nvr-console').exitOverride();
registerSync(program, processIo);
program.parseAsync(process.argv.slice(2), { from: 'user' }).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) process.exitCode = code === 'commander.helpDisplayed' ? 0 : 2;
  else {
    process.stderr.write(`nvr-console: ${String(err)}\n`);
    process.exitCode = 1;
  }
});
