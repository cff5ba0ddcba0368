import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchCore } from './launch';

describe('npm run demo (embedded simulated site)', () => {
  it('routes mail to support into the simulated mailbox, never to the OS mail client', async () => {
    const opened: string[] = [];
    const { core, sim } = await launchCore(
      { dataDir: mkdtempSync(join(tmpdir(), 'nvr-demo-')), testHooks: false, clockOffsetMs: 0, interfaces: ['127.0.0.1'], embeddedSim: true },
      { kind: 'browser', openExternal: async (url) => void opened.push(url), notify: () => undefined },
    );
    try {
      const notices: string[] = [];
      core.events.subscribe((name, payload) => name === 'app.notice' && notices.push((payload as { message: string }).message));
      expect(sim?.describe).toMatch(/NVR's monitor/);
      const r = await core.dispatch('app.openExternal', { url: 'mailto:support_gpwd@htmicrochip.com?body=not-a-real-qr' }, { host: 'test' });
      expect(r.ok).toBe(true);
      expect(opened).toEqual([]);
      const inbox = (await (await fetch(sim!.inboxUrl)).json()) as unknown[];
      expect(inbox).toHaveLength(1);
      expect(notices.join('\n')).toMatch(/simulated support mailbox, not to real support/);

      await core.dispatch('app.openExternal', { url: 'https://support.htmicrochip.com/hc' }, { host: 'test' });
      expect(opened).toEqual(['https://support.htmicrochip.com/hc']);
    } finally {
      await core.dispose();
    }
  });
});
