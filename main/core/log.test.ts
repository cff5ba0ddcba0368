import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, safeValue, SecretRegistry } from './log';

function setup(extra: Partial<Parameters<typeof createLogger>[0]> = {}) {
  const dir = join(mkdtempSync(join(tmpdir(), 'nvr-log-')), 'logs');
  const secrets = new SecretRegistry();
  let t = Date.UTC(2026, 10, 25, 12);
  const log = createLogger({ dir, secrets, now: () => t, ...extra });
  return { dir, secrets, log, text: () => readFileSync(join(dir, 'app.log'), 'utf8'), tick: (ms: number) => (t += ms) };
}

describe('logger: secrets', () => {
  it('scrubs registered secrets and secret-looking fields', () => {
    const { secrets, log, text } = setup();
    secrets.add('Sup3rSecret9');
    log.info('user typed Sup3rSecret9 somewhere', { password: 'other-secret', nested: { securityCode: '123456' }, ok: 'visible' });
    expect(text()).not.toMatch(/Sup3rSecret9|other-secret|123456/);
    expect(text()).toMatch(/visible/);
  });

  // JSON escaping turns `"` into `\"` and `\` into `\\`: a scrub after serialising
  // looks for the raw text and misses it (how Ab"c\d123 reached app.log).
  it.each([
    ['a quote and a backslash', 'Ab"c\\d123'],
    ['only backslashes', '\\\\x\\y\\'],
    ['unicode', 'Pässwörd€2026'],
    ['an emoji and a control character', 'ok🔒\u0007pass'],
    ['a new line', 'line1\nline2'],
    ['JSON-looking text', '{"a":"b"}'],
  ])('scrubs a password with %s wherever it appears', (_label, pw) => {
    const { secrets, log, text } = setup();
    secrets.add(pw);
    const err = new Error(`sign-in with ${pw} refused`);
    log.warn(`tried ${pw}`, { detail: `before ${pw} after`, list: [pw, { deep: { deeper: pw } }], [`key-${pw}`]: 1, err });
    const raw = text();
    expect(raw).not.toContain(pw);
    expect(raw).not.toContain(JSON.stringify(pw).slice(1, -1));
    for (const line of raw.trim().split('\n')) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(JSON.stringify(parsed)).not.toContain(JSON.stringify(pw).slice(1, -1));
      expect(parsed.detail).toBe('before ‹redacted› after');
    }
  });

  it('each net on its own: values are scrubbed before serialising, and the serialised line again in escaped form', () => {
    const secrets = new SecretRegistry();
    secrets.add('Ab"c\\d123');
    expect(safeValue({ a: 'x Ab"c\\d123 y', [`k Ab"c\\d123`]: ['Ab"c\\d123'] }, secrets)).toEqual({ a: 'x ‹redacted› y', 'k ‹redacted›': ['‹redacted›'] });
    expect(secrets.scrubSerialised(JSON.stringify({ a: 'Ab"c\\d123' }))).toBe('{"a":"‹redacted›"}');
  });

  it('a secret inside a longer one goes whole; cycles and odd values do not break a line', () => {
    const { secrets, log, text } = setup();
    secrets.add('abc');
    secrets.add('abcdef');
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    log.info('values', { s: 'xxabcdefyy', cyclic, big: 10n, fn: () => 1, bytes: new Uint8Array(4) });
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line.s).toBe('xx‹redacted›yy');
    expect(line.cyclic).toEqual({ name: 'x', self: '[circular]' });
    expect(line).toMatchObject({ big: '10', fn: 'function', bytes: '[4 bytes]' });
  });
});

describe('logger: the file', () => {
  it('is 0600 in a 0700 folder, also when they were there before with wider modes', () => {
    const base = mkdtempSync(join(tmpdir(), 'nvr-log-'));
    const dir = join(base, 'logs');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'app.log'), 'old\n', { mode: 0o644 });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'app.log'), 0o644);
    createLogger({ dir, secrets: new SecretRegistry() }).info('hello');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'app.log')).mode & 0o777).toBe(0o600);
    const fresh = setup();
    fresh.log.info('hello');
    expect(statSync(fresh.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(fresh.dir, 'app.log')).mode & 0o777).toBe(0o600);
  });

  it('rotates past maxBytes and keeps a bounded number of files', () => {
    const { dir, log } = setup({ maxBytes: 2_000, keep: 2, burst: 1_000 });
    for (let i = 0; i < 200; i++) log.info('line', { i, pad: 'x'.repeat(50) });
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    for (const f of files) {
      expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2_000);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    // The newest lines are in app.log, the ones before in app.log.1.
    const last = readFileSync(join(dir, 'app.log'), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last).i).toBe(199);
    const prev = readFileSync(join(dir, 'app.log.1'), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(prev).i).toBe(JSON.parse(readFileSync(join(dir, 'app.log'), 'utf8').split('\n')[0]!).i - 1);
  });
});

describe('logger: repeats', () => {
  it('writes a repeated message `burst` times per window, then one line with the count', () => {
    const { log, text, tick } = setup({ burst: 3, windowMs: 60_000 });
    for (let i = 0; i < 500; i++) log.warn('refused WebSocket', { reason: 'foreign Origin' });
    log.warn('something else');
    let lines = text().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; repeated?: number });
    expect(lines.filter((l) => l.msg === 'refused WebSocket')).toHaveLength(3);
    expect(lines.some((l) => l.msg === 'something else')).toBe(true);
    tick(60_001);
    log.warn('refused WebSocket', { reason: 'foreign Origin' });
    lines = text().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; repeated?: number });
    expect(lines.find((l) => l.msg === 'refused WebSocket (repeated)')?.repeated).toBe(497);
    expect(lines.filter((l) => l.msg === 'refused WebSocket')).toHaveLength(4);
  });

  it('close() writes the count still pending; a child logger shares the counters and the file', () => {
    const { log, text, dir } = setup({ burst: 1 });
    const child = log.child('discovery');
    child.warn('bad packet');
    child.warn('bad packet');
    log.child('discovery').warn('bad packet');
    log.close();
    const lines = text().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; scope: string; repeated?: number });
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'bad packet', scope: 'app.discovery' }),
      expect.objectContaining({ msg: 'bad packet (repeated)', scope: 'app.discovery', repeated: 2 }),
    ]);
    expect(existsSync(join(dir, 'app.log'))).toBe(true);
  });
});
