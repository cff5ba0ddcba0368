import { runCli } from '../../main/cli/program';

/** Runs the CLI in-process with `stdin` as standard input; what it printed and its exit code. */
export async function runCliCaptured(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    setExitCode: () => {},
    stdin: async () => stdin,
  });
  return { code, stdout, stderr };
}
