import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';

// The contract gains a namespace (as `reports.*` once did) and no feature
// handles it: before the start-up assertion this compiled, passed every test
// and failed at run time as `internal`.
vi.mock('../../common/contract', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../common/contract')>();
  const fake = { 'reports.list': real.call(z.void(), z.array(z.string()), 'fake') };
  const calls = { ...real.calls, ...fake };
  return {
    ...real,
    calls,
    callNames: Object.keys(calls),
    isCallName: (n: unknown) => typeof n === 'string' && Object.prototype.hasOwnProperty.call(calls, n),
  };
});

const { startApp } = await import('.');

describe('start-up with a contract verb nobody handles', () => {
  it('refuses to start, naming the verb', async () => {
    const options = { dataDir: mkdtempSync(join(tmpdir(), 'nvr-app-')), testHooks: true, clockOffsetMs: 0, interfaces: ['127.0.0.1'], embeddedSim: false };
    const host = { kind: 'browser' as const, openExternal: async () => undefined, notify: () => undefined };
    await expect(startApp(options, host)).rejects.toThrow(/no handler for reports\.list/);
  });
});
