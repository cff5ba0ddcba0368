import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../main/cli/program';

/**
 * Runs the CLI in-process with `stdin` as standard input; what it printed and its exit code.
 * The CLI builds the app's base (main/cli/app.ts) in the data folder of `env` — by default a
 * throwaway one per run, never the user's app data.
 */
export async function runCliCaptured(argv: string[], stdin = '', env: NodeJS.ProcessEnv = { ...process.env, NVR_DATA_DIR: mkdtempSync(join(tmpdir(), 'nvr-cli-data-')) }): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      setExitCode: () => {},
      stdin: async () => stdin,
    },
    env,
  );
  return { code, stdout, stderr };
}
