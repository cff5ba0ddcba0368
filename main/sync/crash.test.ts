// kill -9 in the middle of a CLI run, then resume (loopback 127.55.3.0/24 only).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type Site } from '../../sim/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { readJournal } from './journal';
import { until } from '../../test/support/until';

const NEW = 'Crash-safe-2026';
const ROOT = join(import.meta.dirname, '..', '..');

/** tsx when installed (the lead's runner), else jiti (present through eslint): the child runs the TS sources as they are. */
const LOADER = (() => {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return 'tsx';
  } catch {
    return 'jiti/register';
  }
})();

/** Runs the sync command in its own process, as a technician would (see main/sync/cli-entry.ts). */
function cli(args: string[], stdin: string): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', LOADER, join(ROOT, 'main/sync/cli-entry.ts'), 'sync', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(stdin);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}


describe('kill -9 then resume', () => {
  let site: Site;
  const dir = mkdtempSync(join(tmpdir(), 'sync-crash-'));
  const targetsFile = join(dir, 'targets.json');
  const journal = join(dir, 'run.jsonl');
  const secrets = JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW });

  beforeAll(async () => {
    // Enough latency that the run is mid-way when the kill lands, whatever the machine's speed.
    const faults = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [String(i), { latencyMs: 40 }]));
    site = await startSite({ block: '127.55.3', cameras: 40, faults });
    writeFileSync(targetsFile, JSON.stringify(site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('every device ends with exactly one outcome and no password is set twice', async () => {
    const first = cli(['--targets', targetsFile, '--secrets-stdin', '--journal', journal, '--concurrency', '4', '--json'], secrets);
    const outcomes = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"t":"outcome"')).length : 0);
    const sentWithoutOutcome = () => {
      const s = existsSync(journal) ? readJournal(journal) : undefined;
      return s ? s.setUserPending.size : 0;
    };
    // Kill while some devices are between "setuser-sent" and their outcome, the case resume must get right.
    await until(() => outcomes() >= 8 && sentWithoutOutcome() > 0, 'a mid-run moment', 30_000);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBe(null);
    const mid = readJournal(journal)!;
    expect(mid.outcomes.size).toBeLessThan(40);
    expect(mid.setUserPending.size).toBeGreaterThan(0);
    const finishedBefore = [...mid.outcomes.keys()];
    const requestsBefore = new Map(site.cameras.map((c) => [c.xaddr, c.stats().requests]));

    const second = cli(['--targets', targetsFile, '--secrets-stdin', '--journal', journal, '--concurrency', '4', '--json'], secrets);
    const res = await second.done;
    expect(res.stderr).not.toContain(NEW);
    const rows = JSON.parse(res.stdout) as { xaddr: string; outcome: string; detail: string }[];
    expect(res.code, `${res.stderr}\n${JSON.stringify(rows.filter((r) => r.outcome !== 'updated'), null, 1)}`).toBe(0);
    expect(rows).toHaveLength(40);
    for (const r of rows) expect(['updated', 'already-current']).toContain(r.outcome);

    const final = readJournal(journal)!;
    expect(final.outcomes.size).toBe(40);
    const text = readFileSync(journal, 'utf8');
    expect(text).not.toContain(NEW);
    expect(text).not.toContain(SITE_CREDENTIALS.camera.password);
    // One outcome record per device over both processes.
    const perKey = new Map<string, number>();
    for (const l of text.split('\n')) if (l.includes('"t":"outcome"')) { const k = JSON.parse(l).key as string; perKey.set(k, (perKey.get(k) ?? 0) + 1); }
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    expect(perKey.size).toBe(40);

    for (const c of site.cameras) {
      const st = c.stats();
      expect(st.setUserCount['admin'] ?? 0, c.xaddr).toBe(1);
      expect(st.failedAuths, c.xaddr).toBeLessThanOrEqual(2);
      expect(c.users.checkPassword('admin', NEW)).toBe(true);
    }
    // Devices finished before the kill were not contacted again.
    for (const key of finishedBefore) {
      const xaddr = key.split(' ')[0]!;
      expect(site.cameras.find((c) => c.xaddr === xaddr)!.stats().requests).toBe(requestsBefore.get(xaddr));
    }
  }, 90_000);
});
