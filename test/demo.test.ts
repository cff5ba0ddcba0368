import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemo } from '../demo/site';
// demo/ is outside tsconfig.json's include: type-only imports put the demo
// entries in the typecheck without running them (erased at run time).
import type {} from '../demo/host';
import type {} from '../demo/electron';
import { startApp } from '../main/app';
import { defaultDataDir, readOptions } from '../main/core/options';

describe('npm run demo (demo/ around the app)', () => {
  it('turns the simulated site on, keeps discovery on loopback, and routes mail to support into the simulated mailbox', async () => {
    const opened: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'nvr-demo-'));
    const demo = await startDemo({ NVR_DATA_DIR: dataDir });
    const core = await startApp({ ...readOptions({ NVR_DATA_DIR: dataDir }), interfaces: ['192.168.1.20'] }, { kind: 'browser', openExternal: async (url) => void opened.push(url), notify: () => undefined }, demo);
    try {
      expect(core.ctx.options).toMatchObject({ embeddedSim: true, interfaces: ['127.0.0.1'], dataDir });
      const notices: string[] = [];
      core.events.subscribe((name, payload) => name === 'app.notice' && notices.push((payload as { message: string }).message));
      expect(demo.describe).toMatch(/NVR's monitor/);
      // Issue 21: the demo has a factory-fresh camera to initialise, and says which.
      expect(demo.describe).toMatch(/Factory-fresh \(no password yet; initialise it from Devices\): camera http:\/\/127\.0\.1\.17:/);
      const r = await core.dispatch('app.openExternal', { url: 'mailto:support_gpwd@htmicrochip.com?body=not-a-real-qr' }, { host: 'test' });
      expect(r.ok).toBe(true);
      expect(opened).toEqual([]);
      const inbox = (await (await fetch(demo.inboxUrl)).json()) as unknown[];
      expect(inbox).toHaveLength(1);
      expect(notices.join('\n')).toMatch(/simulated support mailbox, not to real support/);

      await core.dispatch('app.openExternal', { url: 'https://support.htmicrochip.com/hc' }, { host: 'test' });
      expect(opened).toEqual(['https://support.htmicrochip.com/hc']);
    } finally {
      await core.dispose();
    }
    // The site stops with the app.
    await expect(fetch(demo.inboxUrl)).rejects.toThrow();
  });

  it('keeps demo cases out of the real app’s data folder unless told where', async () => {
    const demo = await startDemo({});
    try {
      expect(demo.options?.dataDir).toBe(`${defaultDataDir()} (demo)`);
    } finally {
      await demo.dispose?.();
    }
  });
});
