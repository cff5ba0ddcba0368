import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseStore, STORE_FILE } from './store';
import { ResetCase } from '../../common/reset/case';

const T0 = Date.UTC(2026, 0, 10, 9);
const sample = ResetCase.parse({ id: 'case-000001', createdAt: T0, updatedAt: T0, nvr: { label: 'Shop NVR' }, step: 'send', qrText: 'https://x/r?a=1' });
const dir = () => mkdtempSync(join(tmpdir(), 'store-test-'));
const now = () => T0;

describe('case store', () => {
  it('round-trips cases through an atomic write', () => {
    const d = dir();
    new CaseStore(d, now).put(sample);
    expect(readdirSync(d)).toEqual([STORE_FILE]); // no tmp file left behind
    const again = new CaseStore(d, now);
    expect(again.get('case-000001')).toEqual(sample);
    expect(again.problems).toEqual([]);
  });

  const BAD: [string, string, RegExp][] = [
    ['truncated', JSON.stringify({ version: 1, cases: [sample] }).slice(0, 60), /damaged/],
    ['not JSON', 'PK\u0003\u0004 this is a zip', /damaged/],
    ['empty', '', /empty/],
    ['newer version', JSON.stringify({ version: 7, cases: [] }), /newer version/],
    ['wrong layout', JSON.stringify({ version: 1, cases: 'nope' }), /layout/],
    ['a number', '42', /does not hold cases/],
  ];
  it.each(BAD)('%s file → moved aside with a timestamp and reported, never overwritten', (_name, content, why) => {
    const d = dir();
    writeFileSync(join(d, STORE_FILE), content);
    const s = new CaseStore(d, now);
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]!.message).toMatch(why);
    const moved = s.problems[0]!.movedTo!;
    expect(moved).toMatch(/cases\.json\.unreadable-2026-01-10T09-00-00-000Z$/);
    expect(readFileSync(moved, 'utf8')).toBe(content);
    expect(existsSync(join(d, STORE_FILE))).toBe(false);
    // A new case file starts; the old one stays aside.
    s.put(sample);
    expect(readFileSync(moved, 'utf8')).toBe(content);
    expect(s.list()).toHaveLength(1);
  });

  it('two damaged files in the same second get distinct names', () => {
    const d = dir();
    writeFileSync(join(d, STORE_FILE), '{');
    const a = new CaseStore(d, now).problems[0]!.movedTo;
    writeFileSync(join(d, STORE_FILE), '[');
    const b = new CaseStore(d, now).problems[0]!.movedTo;
    expect(a).not.toBe(b);
  });

  it('keeps good cases and a copy of the file when some cases are unreadable', () => {
    const d = dir();
    const content = JSON.stringify({ version: 1, cases: [sample, { id: 'BAD ID', step: 'nowhere' }] });
    writeFileSync(join(d, STORE_FILE), content);
    const s = new CaseStore(d, now);
    expect(s.list().map((c) => c.id)).toEqual(['case-000001']);
    expect(s.problems[0]!.message).toMatch(/1 case/);
    expect(readFileSync(s.problems[0]!.movedTo!, 'utf8')).toBe(content);
  });

  it('migrates the v0 layout (bare array, stepIndex)', () => {
    const d = dir();
    const { step: _step, ...v0 } = sample;
    writeFileSync(join(d, STORE_FILE), JSON.stringify([{ ...v0, stepIndex: 4 }]));
    const s = new CaseStore(d, now);
    expect(s.problems).toEqual([]);
    expect(s.get('case-000001')!.step).toBe('code');
  });
});

describe('case store fuzz', () => {
  it('any file content either loads or is moved aside intact; never throws, never loses bytes', () => {
    const valid = JSON.stringify({ version: 1, cases: [sample] });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.integer({ min: 0, max: valid.length }).map((n) => valid.slice(0, n)),
          fc.json(),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (content) => {
          const d = dir();
          writeFileSync(join(d, STORE_FILE), content, 'latin1');
          const s = new CaseStore(d, now);
          for (const p of s.problems) if (p.movedTo) expect(readFileSync(p.movedTo, 'latin1')).toBe(content);
          if (s.problems.length === 0) expect(existsSync(join(d, STORE_FILE))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
