/** The CLI's only contact with the terminal, so commands can be tested in-process. */
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  setExitCode(n: number): void;
  stdin(): Promise<string>;
}

/** Standard input, bounded: secrets arrive this way and never as arguments. */
export async function readStdin(limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limit) throw new Error(`standard input is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  setExitCode: (n) => {
    process.exitCode = n;
  },
  stdin: () => readStdin(),
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
