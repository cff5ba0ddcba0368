import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../common/contract';
import { createDispatcher, type Handlers } from './dispatch';
import { createLogger, SecretRegistry } from './log';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'nvr-dispatch-'));
  const secrets = new SecretRegistry();
  const log = createLogger({ dir, secrets });
  const handlers = {
    'app.openExternal': ({ url }: { url: string }) => {
      if (url === 'boom') throw new Error(`kaboom with ${url}`);
      if (url === 'refuse') throw new AppError('refused', 'Not that one.');
      return { opened: true as const };
    },
    'app.advanceClock': ({ ms }: { ms: number }) => ({ clockOffsetMs: ms }),
  } as unknown as Handlers;
  return { dispatch: createDispatcher(handlers, log), logText: () => readFileSync(join(dir, 'app.log'), 'utf8'), secrets };
}

const ctx = { host: 'test' as const };

describe('dispatcher: every argument is untrusted', () => {
  it('runs a valid call', async () => {
    const { dispatch } = setup();
    expect(await dispatch('app.advanceClock', { ms: 5 }, ctx)).toEqual({ ok: true, value: { clockOffsetMs: 5 } });
  });

  it.each([
    ['unknown name', 'app.nope', {}],
    ['prototype key', '__proto__', {}],
    ['constructor key', 'constructor', {}],
    ['non-string name', 42, {}],
    ['null name', null, {}],
  ])('refuses %s', async (_label, name, input) => {
    const { dispatch } = setup();
    const r = await dispatch(name, input, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it.each([
    ['missing input', undefined],
    ['wrong type', { ms: 'five' }],
    ['negative', { ms: -1 }],
    ['too large', { ms: 1e15 }],
    ['not an object', 'ms=5'],
    ['array', [5]],
  ])('refuses malformed arguments: %s', async (_label, input) => {
    const { dispatch } = setup();
    const r = await dispatch('app.advanceClock', input, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad-request');
      expect(r.error.message).toMatch(/Invalid arguments for app.advanceClock/);
    }
  });

  it('turns a handler crash into an internal error without the details, and logs it', async () => {
    const { dispatch, logText } = setup();
    const r = await dispatch('app.openExternal', { url: 'boom' }, ctx);
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'Internal error in app.openExternal; see the app log.' } });
    expect(logText()).toMatch(/kaboom/);
  });

  it('passes AppError messages through', async () => {
    const { dispatch } = setup();
    expect(await dispatch('app.openExternal', { url: 'refuse' }, ctx)).toEqual({
      ok: false,
      error: { code: 'refused', message: 'Not that one.' },
    });
  });

  it('never throws, whatever arrives (fuzz)', async () => {
    const { dispatch } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('app.advanceClock', 'app.openExternal', 'app.info')), fc.anything(), async (name, input) => {
        const r = await dispatch(name, input, ctx);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
