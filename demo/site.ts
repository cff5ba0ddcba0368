import type { AppCore, AppExtension } from '../main/app';
import type { HostAdapter } from '../main/core/host';
import { defaultDataDir } from '../main/core/options';
import { SITE_CREDENTIALS } from '../sim/identities';
import { resetOf } from '../sim/nvr/addon';
import { startSite } from '../sim/site';
import { DEMO_FRESH_CAMERA } from '../sim/devinit/addon';

/** The demo around the app: the simulated site, and what changes because of it. */
export interface Demo extends AppExtension {
  /** What the site is, for the terminal (addresses, demo credentials). */
  describe: string;
  /** The simulated support mailbox's inbox (support's replies). */
  inboxUrl: string;
}

/**
 * `npm run demo`: the simulated site (an NVR, 8 cameras, the NVR's reset screens
 * and the vendor's support mailbox) on loopback, and the app told so. This folder
 * is the only code that joins main/ and sim/, and it is never packaged
 * (electron-builder.yml, test/build-output.test.ts).
 */
export async function startDemo(env: NodeJS.ProcessEnv = process.env): Promise<Demo> {
  // Port 8000 is one of the ONVIF ports a sweep tries by default, so a demo sweep
  // finds the cameras without typing a port; any free port if it is taken.
  // The NVR reconnects to its cameras every 5 s, as a recorder does: change a camera without updating the NVR
  // and its channel drops while the camera's failure counter climbs; with the app's ordering it comes back.
  // One camera is factory-fresh, as a replaced camera on site is: Devices initialises it (issue 21).
  const demoSite = { block: '127.0.1', nvrPollMs: 5000, factoryFresh: { [DEMO_FRESH_CAMERA]: {} } };
  const site = await startSite({ ...demoSite, port: 8000 }).catch(() => startSite(demoSite));
  const reset = resetOf(site);
  const inboxUrl = new URL('inbox', reset.mailbox.url).href;
  const describe = [
    ...site.devices.map((d) => `  ${d.identity.kind.padEnd(6)} ${d.identity.model.padEnd(24)} ${d.xaddr}`),
    `Factory-fresh (no password yet; initialise it from Devices): camera ${site.cameras[DEMO_FRESH_CAMERA]?.xaddr ?? '(none)'}`,
    `The NVR's monitor (its reset screens): ${reset.url}`,
    `Simulated support mailbox replies:     ${inboxUrl}`,
    `Demo credentials (simulated devices only): cameras ${SITE_CREDENTIALS.camera.username} / ${SITE_CREDENTIALS.camera.password}; NVR registered email owner@example.com`,
  ].join('\n');

  return {
    describe,
    inboxUrl,
    options: {
      embeddedSim: true,
      // The simulated site lives on loopback: discovery runs there, never on a real adapter.
      interfaces: ['127.0.0.1'],
      // Demo cases and keychain entries stay out of the real app's data folder.
      ...(env.NVR_DATA_DIR ? {} : { dataDir: `${defaultDataDir()} (demo)` }),
    },
    wrapHost: (host, app) => demoHost(host, app, async (url) => void (await reset.mailbox.deliver(url)), inboxUrl),
    dispose: () => site.stop(),
  };
}

/**
 * On the simulated site, mail to support goes to the simulated support mailbox:
 * a demo must never send a made-up reset request to the vendor.
 */
function demoHost(host: HostAdapter, app: () => AppCore, deliver: (mailto: string) => Promise<void>, inboxUrl: string): HostAdapter {
  return {
    ...host,
    async openExternal(url) {
      if (!url.startsWith('mailto:')) return host.openExternal(url);
      await deliver(url);
      const core = app();
      core.events.emit('app.notice', {
        level: 'info',
        message: `Demo: the message went to the simulated support mailbox, not to real support. Its reply is at ${inboxUrl}`,
        at: core.ctx.clock.now(),
      });
    },
  };
}
