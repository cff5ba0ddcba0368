// `nvr-console init` in-process against the simulated site (loopback 127.74.2.0/24 only).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devInitOf } from '../../sim/devinit/addon';
import { startSite, type Site } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { filesUnder } from '../../test/support/files';

const NEW = 'Cli-init-pass-7';
const MAIL = 'owner@example.com';
const dir = mkdtempSync(join(tmpdir(), 'init-cli-'));
const cli = (argv: string[], stdin = '') => runCliCaptured(['init', ...argv], stdin);
const secrets = (over: Record<string, unknown> = {}) => JSON.stringify({ newPassword: NEW, email: MAIL, ...over });

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Every request body the factory-fresh cameras received: the plain wire. */
function wire(site: Site): string {
  return Object.values(site.devInit ?? {}).flatMap((s) => s.requests().map((r) => `${r.path} ${r.body}`)).join('\n');
}

describe('nvr-console init', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({
      block: '127.74.2', cameras: 5, behindNvr: 0,
      factoryFresh: { '1': {}, '2': { generation: 'older' }, '3': { initialised: true }, '4': { passwordRule: 'strict' } },
    });
  });
  afterAll(async () => {
    await site?.stop();
  });
  const address = (i: number) => devInitOf(site, i).url;

  it('exit 0 when every device ends initialised or already initialised; one JSON row per device; no password anywhere', async () => {
    // As a technician writes them: a URL, an address with its port.
    const targets = file('ok.json', JSON.stringify([address(1), new URL(address(2)).host, address(3)]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json'], secrets());
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.map((x) => [x['device'], x['outcome']])).toEqual([
      [address(1), 'initialised'],
      [address(2), 'initialised'],
      [address(3), 'already-initialised'],
    ]);
    for (const row of rows) for (const k of ['detail', 'nextStep']) expect(row).toHaveProperty(k);
    expect(devInitOf(site, 1).state()).toMatchObject({ initialised: true, password: NEW, email: MAIL });
    // Nothing leaks: stdout, stderr, the journal beside the targets, the devices' plain requests.
    const journal = readFileSync(`${targets}.init-journal.jsonl`, 'utf8');
    for (const text of [r.stdout, r.stderr, journal, wire(site)]) expect(text).not.toContain(NEW);
    expect(r.stdout + r.stderr + journal).not.toContain(MAIL);

    // Again: the finished run is archived, and the devices are now initialised.
    const again = await cli(['--targets', targets, '--secrets-stdin'], secrets());
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { outcome: string }[]).map((x) => x.outcome)).toEqual(['already-initialised', 'already-initialised', 'already-initialised']);
    expect(again.stderr).toMatch(/Done: 3 already-initialised/);
    expect(filesUnder(dir).filter((p) => p.includes('ok.json.init-journal'))).toHaveLength(2);
  });

  it("exit 1 when a device refuses (its own words) or does not answer", async () => {
    const targets = file('mixed.json', JSON.stringify([address(4), '127.74.2.99:8']));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json'], secrets({ newPassword: 'sitepass2024' }));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ device: address(4), outcome: 'refused', deviceWords: 'Password is too simple: use more kinds of characters' }),
      expect.objectContaining({ device: 'http://127.74.2.99:8', outcome: 'not-reachable' }),
    ]);
    expect(devInitOf(site, 4).stats().accountCalls).toBe(1);
  });

  it('exit 2 on usage errors, with a clear message, nothing on stdout and nothing sent', async () => {
    const good = file('good.json', JSON.stringify([address(4)]));
    const before = devInitOf(site, 4).stats().requests;
    const cases: [string[], string, RegExp][] = [
      [['--secrets-stdin'], secrets(), /--targets/],
      [['--targets', good], secrets(), /--secrets-stdin/],
      [['--targets', join(dir, 'missing.json'), '--secrets-stdin'], secrets(), /does not exist/],
      [['--targets', file('bad.json', '[{'), '--secrets-stdin'], secrets(), /not valid JSON/],
      [['--targets', file('empty.json', '[]'), '--secrets-stdin'], secrets(), /invalid/],
      [['--targets', file('https.json', '["https://127.74.2.12"]'), '--secrets-stdin'], secrets(), /invalid/],
      [['--targets', file('twice.json', JSON.stringify([address(4), address(4)])), '--secrets-stdin'], secrets(), /listed twice/],
      [['--targets', file('objects.json', '[{"xaddr":"http://x"}]'), '--secrets-stdin'], secrets(), /invalid/],
      [['--targets', good, '--secrets-stdin'], '', /standard input is empty/],
      [['--targets', good, '--secrets-stdin'], `{"newPassword":"${NEW}"`, /not valid JSON/],
      [['--targets', good, '--secrets-stdin'], JSON.stringify({ newPassword: NEW }), /standard input is invalid/],
      [['--targets', good, '--secrets-stdin'], secrets({ extra: 1 }), /standard input is invalid/],
      [['--targets', good, '--secrets-stdin'], secrets({ newPassword: 'Pass word1x' }), /No spaces/],
      [['--targets', good, '--secrets-stdin'], secrets({ email: 'a@b.c,d@e.f' }), /e-mail is not usable/],
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
    expect(devInitOf(site, 4).stats().requests).toBe(before);
  });
});
