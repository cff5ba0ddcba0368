import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One process per journal. Two `nvr-console sync` runs on the same journal
 * would both pause, change and store the same cameras, each believing its own
 * record: a `.lock` file beside the journal, created exclusively (O_EXCL) with
 * the owner's pid, says the journal is taken. A lock whose process is gone
 * (kill -9, a reboot) is stale and taken over; one held by a live process —
 * this one included — is refused with a plain message. Released on release()
 * and, as a last resort, when the process exits.
 */

export class JournalLockedError extends Error {
  override readonly name = 'JournalLockedError';
}

export interface JournalLock {
  readonly path: string;
  release(): void;
}

export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

export function acquireJournalLock(journalPath: string): JournalLock {
  const path = lockPathOf(journalPath);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return held(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const owner = ownerOf(path);
    if (owner !== undefined && alive(owner)) {
      throw new JournalLockedError(
        `Another nvr-console (process ${owner}) is using the journal ${journalPath}. Wait for it to finish (or stop it), then run again; two runs on one journal would change the same cameras twice. If no such process runs, delete ${path}.`,
      );
    }
    // Stale: its process is gone. Take it over (once; a second EEXIST means someone else just did).
    try {
      unlinkSync(path);
    } catch {
      // Removed by the other claimant in between: the next open decides.
    }
  }
}

function held(path: string): JournalLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    if (ownerOf(path) === process.pid) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', release);
  return { path, release };
}

function ownerOf(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
