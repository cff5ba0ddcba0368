import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OffsetClock } from '../../common/clock';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COMPACT_GATE_FILE_BYTES, CredentialGate, deviceKeyOf, GateRecord, persistGate } from './credential-gate';

describe('deviceKeyOf', () => {
  it.each([
    ['http://127.0.1.12:8000/onvif/device_service', '127.0.1.12'],
    ['https://Cam.Local/onvif', 'cam.local'],
    ['127.0.1.12:80', '127.0.1.12'],
    ['127.0.1.12', '127.0.1.12'],
    ['http://[::1]:8080/x', '::1'],
    ['[fe80::1]:80', 'fe80::1'],
  ])('%s is device %s', (input, key) => expect(deviceKeyOf(input)).toBe(key));

  it('one device whatever port or account: the NVR web RPC and its ONVIF service share a budget', () => {
    expect(deviceKeyOf('http://10.0.0.5/RPC2_Login')).toBe(deviceKeyOf('http://10.0.0.5:8000/onvif/device_service'));
  });
});

describe('CredentialGate', () => {
  it('runs one exchange at a time per device, in call order; other devices run alongside', async () => {
    const gate = new CredentialGate({ clock: new OffsetClock() });
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const job = (dev: string, name: string) =>
      gate.withDevice(dev, async () => {
        inside++;
        most = Math.max(most, inside);
        log.push(`${name}+`);
        await new Promise((r) => setImmediate(r));
        log.push(`${name}-`);
        inside--;
      });
    await Promise.all([job('http://a:1/x', 'a1'), job('http://a:2/y', 'a2'), job('a', 'a3')]);
    expect(log).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(most).toBe(1);
    log.length = 0;
    await Promise.all([job('a', 'a'), job('b', 'b')]);
    expect(log.slice(0, 2).sort()).toEqual(['a+', 'b+']);
  });

  it('a failing holder releases the device for the next caller', async () => {
    const gate = new CredentialGate({ clock: new OffsetClock() });
    const first = gate.withDevice('a', async () => {
      throw new Error('boom');
    });
    const second = gate.withDevice('a', async () => 'ran');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ran');
  });

  it('a queued caller whose signal aborts never runs and does not jump the queue', async () => {
    const gate = new CredentialGate({ clock: new OffsetClock() });
    let releaseFirst!: () => void;
    const order: string[] = [];
    const first = gate.withDevice('a', () => new Promise<void>((r) => (releaseFirst = () => (order.push('first'), r()))));
    const ac = new AbortController();
    const second = gate.withDevice('a', async () => void order.push('second'), ac.signal);
    const third = gate.withDevice('a', async () => void order.push('third'));
    ac.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    await Promise.resolve();
    expect(order).toEqual([]);
    releaseFirst();
    await Promise.all([first, third]);
    expect(order).toEqual(['first', 'third']);
  });

  it('one budget per device across accounts and features; failures age out after the window', async () => {
    const clock = new OffsetClock(0, () => 1_000_000);
    const records: GateRecord[] = [];
    const gate = new CredentialGate({ clock, maxFailures: 2, windowMs: 60_000, onRecord: (r) => records.push(r) });
    await gate.withDevice('http://cam:80/onvif', async (l) => {
      expect(l.canTry()).toBe(true);
      l.recordFailure();
    });
    await gate.withDevice('http://cam:8000/RPC2', async (l) => {
      expect(l.failures()).toBe(1);
      expect(l.recordFailure()).toBe(2);
      expect(l.canTry()).toBe(false);
    });
    expect(gate.status('cam')).toEqual({ failures: 2, max: 2 });
    expect(records.map((r) => r.t)).toEqual(['fail', 'fail']);
    clock.advance(60_001);
    expect(gate.status('cam').failures).toBe(0);
  });

  it('a reported lock stops every feature until it passes', async () => {
    const clock = new OffsetClock(0, () => 0);
    const gate = new CredentialGate({ clock });
    await gate.withDevice('cam', async (l) => l.lock(10_000));
    await gate.withDevice('cam', async (l) => {
      expect(l.canTry()).toBe(false);
      expect(l.lockedUntil()).toBe(10_000);
    });
    clock.advance(10_001);
    expect(gate.status('cam').lockedUntil).toBeUndefined();
  });

  it('restores persisted spends (a resumed run or a restarted app keeps its budget)', () => {
    const clock = new OffsetClock(0, () => 5_000);
    const gate = new CredentialGate({ clock, maxFailures: 3 });
    gate.restore([
      { t: 'fail', device: 'http://Cam:80/x', at: 4_000 },
      { t: 'fail', device: 'cam', at: 4_500 },
      { t: 'lock', device: 'cam', until: 9_000 },
    ]);
    expect(gate.status('cam')).toEqual({ failures: 2, max: 3, lockedUntil: 9_000 });
  });

  it('restore is idempotent: records the gate already holds are not counted twice', async () => {
    const clock = new OffsetClock(0, () => 5_000);
    const seen: GateRecord[] = [];
    const gate = new CredentialGate({ clock, maxFailures: 5 });
    const off = gate.onRecord((r) => seen.push(r));
    await gate.withDevice('cam', async (l) => {
      l.recordFailure();
      l.recordFailure();
    });
    off();
    await gate.withDevice('cam', async (l) => void l.recordFailure());
    expect(seen).toHaveLength(2);
    // the journal of a run resumed in the same session replays what this gate already counted, plus one new spend
    gate.restore([...seen, { t: 'fail', device: 'cam', at: 4_000 }]);
    expect(gate.status('cam').failures).toBe(4);
  });

  it('a caller may bring its own limit; the count stays the device\'s', async () => {
    const gate = new CredentialGate({ clock: new OffsetClock(), maxFailures: 2 });
    await gate.withDevice('cam', async (l) => {
      l.recordFailure();
      l.recordFailure();
      expect(l.canTry()).toBe(false);
      expect(l.canTry(3)).toBe(true);
      expect(l.remaining(3)).toBe(1);
      expect(l.remaining(1)).toBe(0);
    });
  });

  it('property: concurrent features never see more than max failures on a device', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.boolean()), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), async (attempts, max) => {
        const gate = new CredentialGate({ clock: new OffsetClock(), maxFailures: max });
        const refused = new Map<string, number>();
        await Promise.all(
          attempts.map(([dev, wrong]) =>
            gate.withDevice(dev, async (l) => {
              if (!l.canTry()) return;
              // the sign-in's round trip: without the gate another feature would check the budget meanwhile
              await new Promise((r) => setImmediate(r));
              if (wrong) {
                refused.set(dev, (refused.get(dev) ?? 0) + 1);
                l.recordFailure();
              }
            }),
          ),
        );
        for (const n of refused.values()) expect(n).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('persistGate: the budget outlives the process', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'gate-')), 'data', 'credential-gate.jsonl');

  it('a restarted gate on the same file keeps the spends and locks still in the window', async () => {
    let now = 1_000_000;
    const clock = new OffsetClock(0, () => now);
    const path = file();
    const first = new CredentialGate({ clock, windowMs: 60_000 });
    persistGate(first, path);
    await first.withDevice('http://cam:80/onvif', async (l) => {
      l.recordFailure();
      now += 30_000;
      l.recordFailure();
      l.lock(now + 10_000);
    });
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    now += 31_000; // the first spend is now out of the window, the lock is over
    const second = new CredentialGate({ clock, windowMs: 60_000 });
    const problems: string[] = [];
    persistGate(second, path, (what) => void problems.push(what));
    expect(second.status('cam')).toEqual({ failures: 1, max: 2 });
    // New spends go to the file as they happen.
    await second.withDevice('cam', async (l) => void l.recordFailure());
    const third = new CredentialGate({ clock, windowMs: 60_000 });
    persistGate(third, path);
    expect(third.status('cam').failures).toBe(2);
    expect(problems).toEqual([]);
  });

  it.each<[string, string, number]>([
    ['torn last line', '{"t":"fail","device":"cam","at":5000}\n{"t":"fa', 1],
    ['wrong shapes', '{"t":"fail","device":"cam","at":"soon"}\n{"t":"lock","device":""}\nnull\n[]\n{"t":"fail","device":"cam","at":5000}\n', 1],
    ['not JSON at all', '\u0000\u0001garbage\n<xml/>\n', 0],
    ['a device name too long', `{"t":"fail","device":"${'x'.repeat(400)}","at":5000}\n`, 0],
  ])('a hostile gate file (%s): good lines kept, bad ones skipped and said, no crash', (_name, text, kept) => {
    const path = file();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const gate = new CredentialGate({ clock: new OffsetClock(0, () => 6_000) });
    const problems: string[] = [];
    persistGate(gate, path, (what) => void problems.push(what));
    expect(gate.status('cam').failures).toBe(kept);
    expect(problems.some((p) => /skipped/.test(p))).toBe(true);
  });

  it('a small file is not rewritten at start (the app and a CLI share it: a rewrite would lose what the other appends meanwhile); a large or torn one is', () => {
    const path = file();
    mkdirSync(dirname(path), { recursive: true });
    const line = (at: number) => JSON.stringify({ t: 'fail', device: 'cam', at }) + '\n';
    writeFileSync(path, line(1000) + line(5000));
    const before = statSync(path).ino;
    persistGate(new CredentialGate({ clock: new OffsetClock(0, () => 6_000) }), path);
    expect(statSync(path).ino).toBe(before);
    expect(readFileSync(path, 'utf8')).toBe(line(1000) + line(5000));
    // Large: only the records still in the window are kept (the default window is 30 minutes).
    const now = 10 * 3_600_000;
    writeFileSync(path, line(1000).repeat(Math.ceil(COMPACT_GATE_FILE_BYTES / line(1000).length) + 1) + line(now - 1000));
    persistGate(new CredentialGate({ clock: new OffsetClock(0, () => now) }), path);
    expect(readFileSync(path, 'utf8')).toBe(line(now - 1000));
    // Torn last line (a crash mid-append), or a whole record whose newline was cut: rewritten, so the next
    // record appended does not join it.
    for (const torn of [line(now - 1000) + '{"t":"fa', line(now - 2000) + line(now - 1000).trimEnd()]) {
      writeFileSync(path, torn);
      persistGate(new CredentialGate({ clock: new OffsetClock(0, () => now) }), path);
      expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
      expect(readFileSync(path, 'utf8')).toContain(line(now - 1000));
    }
  });

  it('a file too large is not read, said, and replaced', () => {
    const path = file();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'x'.repeat(2 * 1024 * 1024));
    const problems: string[] = [];
    persistGate(new CredentialGate({ clock: new OffsetClock() }), path, (what) => void problems.push(what));
    expect(problems).toEqual(['credential gate file too large; not read']);
    expect(statSync(path).size).toBe(0);
  });
});
