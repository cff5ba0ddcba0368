import { processIo } from './io';
import { runCli } from './program';

/** Entry of `nvr-console` (bin/nvr-console.js runs the built copy of this file). */
runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nvr-console: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
