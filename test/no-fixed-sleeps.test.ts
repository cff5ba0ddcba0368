import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No test waits a fixed time (DEVELOPERS.md's rules, issue 20). A sleep is too short on a busy machine (a
 * flaky test) or longer than needed (a slow one), and a sleep that "proves nothing happened" proves nothing:
 * the work may simply not have happened yet. Wait on an event, `expect.poll` / `vi.waitFor` on state, or move
 * time yourself with fake timers or an injected clock; for "nothing happens", wait for a positive event that
 * proves the work is over (main/nvr/service.test.ts counts the timers a refused sign-in leaves behind).
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Every folder that holds Vitest tests or Playwright specs. */
const ROOTS = ['main', 'sim', 'common', 'renderer', 'preload', 'test', 'e2e', 'bench', 'scripts', 'demo'];
const TEST_FILE = /\.(test|spec)\.tsx?$/;
/** This file: its examples below are the very patterns it looks for. */
const SELF = 'test/no-fixed-sleeps.test.ts';

/** A duration written as a number: 100, 2_000, 5 * 60_000. */
const MS = String.raw`\d[\d_]*(?:\s*\*\s*\d[\d_]*)*`;
const NAME = String.raw`[A-Za-z_$][\w$]*`;

/** The shapes of a fixed wait. Written on several lines or one, they are found the same (whitespace is free). */
const FIXED_WAITS: { what: string; pattern: RegExp }[] = [
  { what: 'a timer used as a sleep: setTimeout(resolve, <ms>)', pattern: new RegExp(String.raw`\bsetTimeout\(\s*${NAME}\s*,\s*${MS}\s*,?\s*\)`, 'g') },
  {
    what: 'a promise settled by a timer after <ms>: new Promise(… setTimeout(() => resolve(…), <ms>))',
    pattern: new RegExp(String.raw`\bnew Promise\b[^;]*?\bsetTimeout\(\s*\(\s*\)\s*=>\s*(?!reject\b)${NAME}\([^()]*\)\s*,\s*${MS}\s*,?\s*\)`, 'g'),
  },
  // Not Playwright's test.setTimeout(ms) (a time limit) nor a fake clock's clock.sleep(ms): a bare call.
  { what: 'setTimeout(<ms>) of node:timers/promises', pattern: new RegExp(String.raw`(?<![.\w$])setTimeout\(\s*${MS}\s*[,)]`, 'g') },
  { what: 'scheduler.wait(<ms>) of node:timers/promises', pattern: /\bscheduler\.wait\(/g },
  { what: "Playwright's waitForTimeout()", pattern: /\bwaitForTimeout\(/g },
  { what: 'sleep(<ms>) or delay(<ms>)', pattern: new RegExp(String.raw`(?<![.\w$])(?:sleep|delay)\(\s*${MS}\s*\)`, 'g') },
];

/**
 * Files in another engineer's open work that still wait a fixed time, each with why and how many waits; the
 * lead clears an entry when that work lands. Nothing else may join. An entry must stay exact: a file that
 * waits more often than listed fails (a new sleep), and so does one that waits less (a stale allowance).
 */
const ALLOWED = new Map<string, { waits: number; why: string }>([]);

interface Finding {
  file: string;
  line: number;
  what: string;
  code: string;
}

/** Every fixed wait in one file's text, with its line. */
function fixedWaitsIn(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  for (const { what, pattern } of FIXED_WAITS) {
    for (const m of text.matchAll(pattern)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push({ file, line, what, code: text.split('\n')[line - 1]!.trim().slice(0, 140) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Test and spec files under `root`'s test folders, as repository paths. */
function testFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'out') return [];
      const full = join(dir, e.name);
      if (e.isDirectory()) return walk(full);
      return TEST_FILE.test(e.name) ? [relative(root, full).split(sep).join('/')] : [];
    });
  return ROOTS.flatMap((r) => {
    try {
      return walk(join(root, r));
    } catch {
      return []; // a folder this checkout does not have
    }
  });
}

function scan(root: string): Finding[] {
  return testFiles(root)
    .filter((f) => f !== SELF)
    .flatMap((f) => fixedWaitsIn(f, readFileSync(join(root, f), 'utf8')));
}

/** What fails: each fixed wait outside the allowance (file:line), and each allowance that no longer matches its file. */
function judge(found: Finding[], allowed: Map<string, { waits: number; why: string }>): { waits: string[]; stale: string[] } {
  const waits = found.filter((f) => !allowed.has(f.file)).map((f) => `${f.file}:${f.line}  ${f.what}  — ${f.code}`);
  const stale: string[] = [];
  for (const [file, { waits: listed }] of allowed) {
    const mine = found.filter((f) => f.file === file);
    if (mine.length > listed) waits.push(...mine.map((f) => `${f.file}:${f.line}  ${f.what} (the allowance is for ${listed})  — ${f.code}`));
    if (mine.length < listed) stale.push(`${file}: allowed ${listed} fixed wait(s), has ${mine.length}; tighten or remove the entry`);
  }
  return { waits, stale };
}

describe('no fixed sleeps in tests', () => {
  const verdict = judge(scan(REPO), ALLOWED);

  it('no test or spec waits a fixed time (wait on an event, expect.poll / vi.waitFor, fake timers or an injected clock)', () => {
    expect(verdict.waits).toEqual([]);
  });

  it('every allowance still matches its file exactly', () => {
    expect(verdict.stale).toEqual([]);
  });

  it('the scan sees the test folders', () => {
    const files = testFiles(REPO);
    expect(files).toContain('main/nvr/service.test.ts');
    expect(files).toContain(SELF);
    expect(files.some((f) => f.startsWith('e2e/') && f.endsWith('.spec.ts'))).toBe(true);
  });

  it.each([
    ['a sleep', 'await new Promise((r) => setTimeout(r, 100));'],
    ['a sleep in a polling loop', 'while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));'],
    ['a sleep over several lines', 'await new Promise((r) =>\n  setTimeout(\n    r,\n    5 * 1_000,\n  ),\n);'],
    ['a race against a timer', "const w = await Promise.race([p, new Promise((r) => setTimeout(() => r('silent'), 300))]);"],
    ['timers/promises', "import { setTimeout } from 'node:timers/promises';\nawait setTimeout(50);"],
    ['scheduler.wait', 'await scheduler.wait(50);'],
    ['Playwright', 'await page.waitForTimeout(500);'],
    ['a sleep helper', 'await sleep(250);'],
  ])('finds %s', (_label, code) => {
    expect(fixedWaitsIn('x.test.ts', code)).toHaveLength(1);
  });

  it.each([
    ['a device that trickles its body', "const t = setInterval(() => res.write('<a>'), 20);"],
    ['a real clock handed to the code under test', 'const clock = { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };'],
    ['a fake clock moved by the test', 'await clock.sleep(60_000);'],
    ["Playwright's time limit for a slow test", 'test.setTimeout(300_000);'],
    ['a guard that fails a hung wait', "new Promise((_, reject) => setTimeout(() => reject(new Error('no event')), 5000));"],
    ['a poll on state', 'await expect.poll(() => rows.length).toBe(3);'],
  ])('leaves alone %s', (_label, code) => {
    expect(fixedWaitsIn('x.test.ts', code)).toEqual([]);
  });

  it('a planted sleep fails the check, naming the file and the line', () => {
    const root = mkdtempSync(join(tmpdir(), 'no-sleeps-'));
    mkdirSync(join(root, 'main', 'feature'), { recursive: true });
    writeFileSync(join(root, 'main', 'feature', 'planted.test.ts'), "it('waits', async () => {\n  start();\n  await new Promise((r) => setTimeout(r, 300));\n});\n");
    expect(judge(scan(root), new Map()).waits).toEqual([expect.stringMatching(/^main\/feature\/planted\.test\.ts:3 {2}a timer used as a sleep/)]);
  });

  it('an allowance fails once its file no longer waits as listed, and does not cover a new wait', () => {
    const at = (line: number): Finding => ({ file: 'main/x.test.ts', line, what: 'a sleep', code: '…' });
    const allowed = new Map([['main/x.test.ts', { waits: 1, why: 'test' }]]);
    expect(judge([at(4)], allowed)).toEqual({ waits: [], stale: [] });
    expect(judge([], allowed).stale).toEqual([expect.stringMatching(/^main\/x\.test\.ts: allowed 1 fixed wait\(s\), has 0/)]);
    expect(judge([at(4), at(9)], allowed).waits).toHaveLength(2);
  });
});
