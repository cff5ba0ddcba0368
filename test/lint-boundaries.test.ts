import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints source text as if it lived at `filePath`, with the project's own config.
async function lint(filePath: string, code: string, rule = 'no-restricted-imports'): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('import boundaries (a folder means one runtime)', () => {
  it.each([
    ['common/x.ts', "import { readFileSync } from 'node:fs';"],
    ['common/x.ts', "import fs from 'fs';"],
    ['common/x.ts', "import { app } from 'electron';"],
    ['common/x.ts', "import React from 'react';"],
    ['common/contract/x.ts', "import { createLogger } from '../../main/core/log';"],
    ['main/discovery/x.ts', "import { app } from 'electron';"],
    ['main/core/x.ts', "import { startSite } from '../../sim/site';"],
    ['renderer/src/x.ts', "import { readFileSync } from 'node:fs';"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';"],
    ['renderer/features/x/y.tsx', "import keytar from 'keytar';"],
    ['renderer/src/x.ts', "import { createLogger } from '../../main/core/log';"],
    ['preload/x.ts', "import { readFileSync } from 'node:fs';"],
    ['sim/x.ts', "import { OnvifClient } from '../main/onvif/client';"],
  ])('%s refuses %s', async (file, code) => {
    const messages = await lint(file, code);
    expect(messages.length, `expected a boundary error in ${file}`).toBeGreaterThan(0);
  });

  it.each([
    ['common/x.ts', "import { z } from 'zod';"],
    ['main/electron/x.ts', "import { app } from 'electron';"],
    ['main/core/x.ts', "import { readFileSync } from 'node:fs';"],
    ['main/core/embedded-sim.ts', "import { startSite } from '../../sim/site';"],
    ['renderer/src/x.ts', "import { calls } from '../../common/contract';"],
    ['preload/x.ts', "import { contextBridge } from 'electron';"],
    ['sim/x.ts', "import { createServer } from 'node:http';"],
  ])('%s allows %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});

// Globals per runtime. ESLint's no-undef applies to JavaScript (for TypeScript
// the compiler checks names per runtime: test/runtime-types.test.ts).
describe('globals per folder (no merged Node + browser globals)', () => {
  it.each([
    ['scripts/x.mjs', 'document.title;', 'document'],
    ['bin/x.js', 'window.close();', 'window'],
    ['renderer/x.js', 'process.exit(1);', 'process'],
    ['renderer/x.js', "Buffer.from('x');", 'Buffer'],
    ['common/x.js', 'process.exit(1);', 'process'],
    ['common/x.js', 'document.title;', 'document'],
  ])('%s refuses %s', async (file, code, name) => {
    expect(await lint(file, code, 'no-undef')).toEqual([`'${name}' is not defined.`]);
  });

  it.each([
    ['scripts/x.mjs', 'process.exit(1);'],
    ['renderer/x.js', 'document.title;'],
    ['common/x.js', "new URL('http://127.0.0.1/');"],
  ])('%s allows %s', async (file, code) => {
    expect(await lint(file, code, 'no-undef')).toEqual([]);
  });
});

// Functions a newcomer reads in one screen (issue 20): at most 60 lines of code
// in product folders; tests may keep a long table of cases whole.
describe('function length (max-lines-per-function 60 in product code)', () => {
  const fn = (lines: number) => `export function f(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines - 4)}  return n;\n}\n`;
  it.each(['main/x.ts', 'sim/x.ts', 'renderer/x.tsx', 'common/x.ts', 'preload/x.ts'])('%s refuses a 61-line function and takes a 60-line one', async (file) => {
    expect(await lint(file, fn(61), 'max-lines-per-function')).toHaveLength(1);
    expect(await lint(file, fn(60), 'max-lines-per-function')).toEqual([]);
  });
  it.each(['main/x.test.ts', 'e2e/x.spec.ts', 'test/x.ts'])('%s is not limited', async (file) => {
    expect(await lint(file, fn(200), 'max-lines-per-function')).toEqual([]);
  });
});
