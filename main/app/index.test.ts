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
  testHooks: false,
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

  it('a feature may use the host while starting: a reminder due at launch reaches a host that needs the app', async () => {
    const base = options();
    const call = async (app: Awaited<ReturnType<typeof startApp>>, name: string, input: unknown) => {
      const r = await app.dispatch(name, input, { host: 'test' });
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.value as { id: string };
    };
    const first = await startApp(base, host);
    const c = await call(first, 'cases.create', { nvr: { label: 'Shop NVR' } });
    await call(first, 'cases.setEmail', { caseId: c.id, email: 'owner@example.com' });
    await call(first, 'cases.setQrText', { caseId: c.id, qrText: 'https://gpwd.htmicrochip.com/r?sn=ABC123&n=0123456789abcdef&e=owner%40example.com', source: 'paste' });
    await call(first, 'cases.recordSent', { caseId: c.id, via: 'clipboard' });
    await first.dispose();

    // 23.5 h later the reply is due soon: the cases feature notifies while it starts.
    const shown: string[] = [];
    const second = await startApp({ ...base, clockOffsetMs: 23.5 * 3600_000 }, (app) => ({
      ...host,
      // Like the browser host: a notification is an event of the running app.
      notify: (title) => void shown.push(`${title} @${app().ctx.clock.offset}`),
    }));
    await second.dispose();
    expect(shown).toEqual([`Shop NVR: reply from support due soon @${23.5 * 3600_000}`]);
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
