// `nvr-console sync` in-process against the simulated site (loopback 127.55.5.0/24 only).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type Site } from '../../sim/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { Command } from 'commander';
import { runCliCaptured } from '../../test/support/cli';
import { registerSync, strayErrorReporter } from './sync';
import type { JournalFile } from '../sync/journal';
import { acquireJournalLock } from '../site/journal-lock';

const NEW = 'Cli-new-pass-7';
const dir = mkdtempSync(join(tmpdir(), 'sync-cli-'));

const cli = (argv: string[], stdin = '') => runCliCaptured(['sync', ...argv], stdin);

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** One simulated site for every test in this file; camera 2 refuses password changes for admin (a fixed user). */
let site: Site;
beforeAll(async () => {
  site = await startSite({ block: '127.55.5', cameras: 3, faults: { '2': { fixedAdmin: true } } });
});
afterAll(async () => {
  await site?.stop();
});
const secrets = () => JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW });

describe('nvr-console sync: exit codes and usage errors', () => {
  it('exit 0 when every camera ends updated or already current; one JSON row per target on stdout', async () => {
    const targets = file('ok.json', JSON.stringify(site.cameras.slice(0, 2).map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'j1.jsonl')], secrets());
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ username: 'admin', outcome: 'updated' });
      for (const k of ['xaddr', 'detail', 'attempts', 'ms']) expect(row).toHaveProperty(k);
    }
    expect(r.stdout + r.stderr).not.toContain(NEW);
    // Run again: the cameras already hold the new password.
    const again = await cli(['--targets', targets, '--secrets-stdin', '--journal', join(dir, 'j2.jsonl')], secrets());
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { outcome: string }[]).map((x) => x.outcome)).toEqual(['already-current', 'already-current']);
  });

  it('exit 1 when a camera fails', async () => {
    const targets = file('mixed.json', JSON.stringify([{ xaddr: site.cameras[2]!.xaddr, username: 'admin' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'j3.jsonl')], secrets());
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ outcome: 'rejected', subcode: 'FixedUser' });
  });

  it('exit 2 on usage errors, with a clear message and nothing on stdout', async () => {
    const good = file('good.json', JSON.stringify([{ xaddr: site.cameras[0]!.xaddr, username: 'admin' }]));
    const cases: [string[], string, RegExp][] = [
      [['--secrets-stdin'], secrets(), /--targets/],
      [['--targets', join(dir, 'missing.json'), '--secrets-stdin'], secrets(), /does not exist/],
      [['--targets', file('bad.json', '[{'), '--secrets-stdin'], secrets(), /not valid JSON/],
      [['--targets', file('schema.json', '[{"xaddr":"ftp://x"}]'), '--secrets-stdin'], secrets(), /invalid/],
      [['--targets', good], secrets(), /--secrets-stdin/],
      [['--targets', good, '--secrets-stdin'], '{"currentPasswords":[]}', /standard input is invalid/],
      [['--targets', good, '--secrets-stdin'], `{"currentPasswords":["a"],"newPassword":"${NEW}"`, /not valid JSON/],
      [['--targets', good, '--secrets-stdin', '--new-password', NEW], secrets(), /never accepted as arguments/],
      [['--targets', good, '--secrets-stdin', '--concurrency', '0'], secrets(), /--concurrency/],
    ];
    for (const [argv, stdin, message] of cases) {
      const r = await cli(argv, stdin);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(NEW);
    }
    expect((await cli(['--targets', good, '--bogus'], secrets())).code).toBe(2);
  });
});

describe('nvr-console sync: a journal another process holds, or a full disk', () => {
  it('another process holds the journal: refused with a plain message before the journal is read or written, no camera touched', async () => {
    const cam = site.cameras[0]!;
    const targets = file('locked.json', JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
    const journal = join(dir, 'locked.jsonl');
    const before = cam.stats().requests;
    const lock = acquireJournalLock(journal);
    try {
      const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', journal], secrets());
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Another nvr-console \(process \d+\) is using the journal .*locked\.jsonl.*No camera was changed/s);
      expect(existsSync(journal)).toBe(false);
      expect(cam.stats().requests).toBe(before);
    } finally {
      lock.release();
    }
    // Released: the same command runs.
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', journal], secrets());
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`${journal}.lock`)).toBe(false);
  });

  it('disk full during a run: every row so far is printed, a clear message, exit 1, no crash', async () => {
    const targets = file('full.json', JSON.stringify(site.cameras.slice(0, 2).map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
    let writes = 0;
    const openJournalFile = async (): Promise<JournalFile> => ({
      write() {
        // the run header and the first few records land; then the disk is full
        if (++writes > 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      async sync() {},
      async close() {},
    });
    let stdout = '';
    let stderr = '';
    let code = -1;
    const program = new Command('nvr-console').exitOverride();
    registerSync(program, { stdout: (x) => void (stdout += x), stderr: (x) => void (stderr += x), setExitCode: (n) => (code = n), stdin: async () => secrets() }, { openJournalFile });
    await program.parseAsync(['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'full.jsonl')], { from: 'user' });
    expect(code).toBe(1);
    const rows = JSON.parse(stdout) as { outcome: string; detail: string }[];
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.outcome).toBeTruthy();
    expect(stderr).toMatch(/disk is full/);
    expect(stderr).toMatch(/Every camera's row so far is printed/);
    expect(stdout + stderr).not.toContain(NEW);
  });
});

describe('nvr-console sync: the password rule, stray errors, the budget across runs', () => {
  it('refuses a new password against the rule as a usage error naming the character, before touching any camera; warns when the list outruns the budget', async () => {
    const good = file('amp.json', JSON.stringify([{ xaddr: site.cameras[0]!.xaddr, username: 'admin' }]));
    const before = site.cameras[0]!.stats().requests;
    for (const [bad, said] of [['Site;2024', ';'], ['Pass&2026x', '&'], ['Pass<2026x', '<'], ['short1', '6 characters']] as const) {
      const r = await cli(['--targets', good, '--secrets-stdin', '--journal', join(dir, 'amp.jsonl')], JSON.stringify({ currentPasswords: ['a'], newPassword: bad }));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(said.length === 1 ? `contains "${said}"` : said);
      expect(r.stderr).not.toContain(bad);
      expect(r.stdout).toBe('');
    }
    expect(site.cameras[0]!.stats().requests).toBe(before);
    const many = await cli(['--targets', good, '--secrets-stdin', '--journal', join(dir, 'many.jsonl')], JSON.stringify({ currentPasswords: ['Wrong-1x', 'Wrong-2x', NEW], newPassword: NEW }));
    expect(many.stderr).toMatch(/3 current passwords but only 2 refused sign-ins allowed per camera: password 3 may go untried/);
  });

  it('an escaped error is reported once per error, and nothing more once the terminal is gone (no EPIPE loop)', () => {
    const said: string[] = [];
    const report = strayErrorReporter({ stdout: () => {}, stderr: (x) => void said.push(x), setExitCode: () => {}, stdin: async () => '' });
    report(new Error('first'));
    report(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    report(new Error('after the pipe closed'));
    expect(said).toEqual(['nvr-console sync: unexpected error (the run goes on): first\n']);
    const throwing = strayErrorReporter({ stdout: () => {}, stderr: () => { throw new Error('closed'); }, setExitCode: () => {}, stdin: async () => '' });
    expect(() => throwing(new Error('x'))).not.toThrow();
  });

  it('a finished run\'s refused sign-ins still count in the next run on the same journal: it stops at the budget', async () => {
    const cam = site.cameras[1]!;
    const targets = file('budget.json', JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
    const wrong = (a: string, b: string) => JSON.stringify({ currentPasswords: [a, b], newPassword: 'Other-new-99' });
    const before = cam.stats().failedAuths;
    const first = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'budget.jsonl')], wrong('Wrong-aa-11', 'Wrong-bb-22'));
    expect(JSON.parse(first.stdout)[0]).toMatchObject({ outcome: 'auth-failed', failedAuths: 2 });
    const second = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'budget.jsonl')], wrong('Wrong-cc-33', 'Wrong-dd-44'));
    expect(JSON.parse(second.stdout)[0]).toMatchObject({ outcome: 'skipped', failedAuths: 2 });
    expect(cam.stats().failedAuths - before).toBe(2);
  });
});
