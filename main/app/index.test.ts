import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callNames } from '../../common/contract';
import { version } from '../../package.json';
import { testContext } from '../../test/support/test-context';
import type { AppOptions } from '../core/context';
import type { Handlers } from '../core/dispatch';
import { startApp } from '.';
import { setupAppFeature } from './app-feature';
import { assertHandlers, mergeHandlers } from './handlers';

const options = (): AppOptions => ({
  dataDir: mkdtempSync(join(tmpdir(), 'nvr-app-')),
  testHooks: true,
  clockOffsetMs: 0,
  interfaces: ['127.0.0.1'],
  embeddedSim: false,
});
const host = { kind: 'browser' as const, openExternal: async () => undefined, notify: () => undefined };

describe('composition root', () => {
  it('starts every feature; every contract verb answers; the version is package.json’s', async () => {
    const app = await startApp(options(), host);
    try {
      const info = await app.dispatch('app.info', undefined, { host: 'test' });
      expect(info).toMatchObject({ ok: true, value: { version, host: 'browser' } });
      expect(version).toMatch(/^\d+\.\d+\.\d+/);
      // Every verb is known to the dispatcher and validates its input (a function is
      // no valid input of any verb), so none runs and none is "unknown".
      for (const name of callNames) {
        const r = await app.dispatch(name, () => 'not valid', { host: 'test' });
        expect(r, name).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      }
    } finally {
      await app.dispose();
    }
  });

  it('an extension overrides options, wraps the host and is disposed after the app', async () => {
    const order: string[] = [];
    const opened: string[] = [];
    const app = await startApp(options(), host, {
      options: { embeddedSim: true },
      wrapHost: (h) => ({ ...h, openExternal: async (url) => void opened.push(url) }),
      dispose: async () => void order.push('extension'),
    });
    expect(app.ctx.options.embeddedSim).toBe(true);
    await app.ctx.host.openExternal('https://x.example/');
    expect(opened).toEqual(['https://x.example/']);
    await app.dispose();
    expect(order).toEqual(['extension']);
  });
});

describe('handler table checks', () => {
  const { ctx } = testContext();
  const full = () => {
    const t: Record<string, unknown> = {};
    for (const n of callNames) t[n] = () => undefined;
    return t;
  };

  it('a contract namespace nobody handles stops start-up, naming the verbs (as a new reports.* would)', () => {
    expect(() => assertHandlers(full(), [...callNames, 'reports.list', 'reports.get'])).toThrow(/no handler for reports\.list, reports\.get/);
  });

  it('refuses a handler for a verb the contract does not declare, and a non-function', () => {
    expect(() => assertHandlers({ ...full(), 'reports.list': () => undefined })).toThrow(/does not declare: reports\.list/);
    expect(() => assertHandlers({ ...full(), 'app.info': 'not a function' })).toThrow(/no handler for app\.info/);
    expect(() => assertHandlers(full())).not.toThrow();
  });

  it('refuses two features answering the same verb', () => {
    const a = setupAppFeature(ctx);
    expect(() => mergeHandlers([a, a])).toThrow(/Two features handle app\.info/);
  });

  it('the compiler refuses a table with a verb missing (this file fails typecheck if it does not)', () => {
    const partial = mergeHandlers([setupAppFeature(ctx)]);
    // @ts-expect-error -- discovery, cases and sync verbs are missing: `satisfies Handlers` must fail.
    const checked = partial satisfies Handlers;
    expect(() => assertHandlers(checked)).toThrow(/no handler for devices\./);
  });
});
