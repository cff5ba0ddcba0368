// `nvr-console sync` in-process against the simulated site (loopback 127.55.5.0/24 only).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type Site } from '../../sim/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { runCli } from './program';

const NEW = 'Cli-new-pass-7';
const dir = mkdtempSync(join(tmpdir(), 'sync-cli-'));

async function cli(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['sync', ...argv], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    setExitCode: () => {},
    stdin: async () => stdin,
  });
  return { code, stdout, stderr };
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('nvr-console sync', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.55.5', cameras: 3, faults: { '2': { fixedAdmin: true } } });
  });
  afterAll(async () => {
    await site?.stop();
  });
  const secrets = () => JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW });

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
