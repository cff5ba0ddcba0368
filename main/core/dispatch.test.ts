import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, callNames, calls, isCallName, type CallName } from '../../common/contract';
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
      fc.asyncProperty(fc.oneof(fc.string(), fc.anything()).filter((n) => !isCallName(n)), fc.anything(), async (name, input) => {
        const r = await dispatch(name, input, ctx);
        expect(r).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
      }),
      { numRuns: 200 },
    );
  });
});

describe('dispatcher fuzz: every real verb refuses malformed arguments before its handler runs', () => {
  // Every handler is a trap: if one ran, the call would come back 'internal'.
  const ran: string[] = [];
  const traps = new Proxy({} as Handlers, {
    get: (_t, verb) => () => {
      ran.push(String(verb));
      throw new Error(`the ${String(verb)} handler ran on arguments its schema refuses`);
    },
  });
  const log = createLogger({ dir: mkdtempSync(join(tmpdir(), 'nvr-dispatch-fuzz-')), secrets: new SecretRegistry() });
  const dispatch = createDispatcher(traps, log);

  /** Arguments of the verb's own shape (its keys, wrong values) or of any shape, that its schema refuses. */
  const malformed = (verb: CallName) => {
    const schema = calls[verb].input;
    const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const nearMiss = keys.length ? fc.dictionary(fc.constantFrom(...keys), fc.anything()) : fc.anything();
    return fc.oneof(nearMiss, fc.anything()).filter((input) => !schema.safeParse(input).success);
  };
  const verbAndInput = fc.constantFrom(...callNames).chain((verb) => fc.tuple(fc.constant(verb), malformed(verb)));

  it('answers bad-request (never internal) for every verb', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(verbAndInput, async ([verb, input]) => {
        seen.add(verb);
        const r = await dispatch(verb, input, ctx);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.error.code, `${verb} ${JSON.stringify(input)}`).toBe('bad-request');
        expect(r.error.message).toContain(`Invalid arguments for ${verb}`);
      }),
      { numRuns: 40 * callNames.length },
    );
    expect(ran).toEqual([]);
    // The draw reached the whole contract, not a corner of it.
    expect([...seen].sort()).toEqual([...callNames].sort());
  });
});
