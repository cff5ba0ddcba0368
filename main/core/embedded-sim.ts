import type { Logger } from './log';

export interface EmbeddedSim {
  describe: string;
  /** The simulated support mailbox's inbox (support's replies, as JSON). */
  inboxUrl: string;
  /** What a mail client would send for this mailto link, delivered to the simulated support. */
  deliverMail(mailtoUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `npm run demo`: the simulated site runs inside the app so a new user can walk
 * through the product with no hardware. This is the one place main reaches into
 * sim/ (loaded lazily so a normal launch never loads the simulator).
 */
export async function startEmbeddedSim(log: Logger): Promise<EmbeddedSim> {
  const { startSite } = await import('../../sim/site');
  const { resetOf } = await import('../../sim/nvr/addon');
  const { SITE_CREDENTIALS } = await import('../../sim/identities');
  // Port 8000 is one of the ONVIF ports a sweep tries by default, so a demo sweep
  // finds the cameras without typing a port; any free port if it is taken.
  const site = await startSite({ block: '127.0.1', port: 8000 }).catch(() => startSite({ block: '127.0.1' }));
  const reset = resetOf(site);
  const inboxUrl = new URL('inbox', reset.mailbox.url).href;
  const lines = [
    ...site.devices.map((d) => `  ${d.identity.kind.padEnd(6)} ${d.identity.model.padEnd(24)} ${d.xaddr}`),
    `The NVR's monitor (its reset screens): ${reset.url}`,
    `Simulated support mailbox replies:     ${inboxUrl}`,
    `Demo credentials (simulated devices only): cameras ${SITE_CREDENTIALS.camera.username} / ${SITE_CREDENTIALS.camera.password}; NVR registered email owner@example.com`,
  ];
  log.info('embedded simulated site started', { devices: site.devices.length });
  return {
    describe: lines.join('\n'),
    inboxUrl,
    async deliverMail(url) {
      await reset.mailbox.deliver(url);
    },
    stop: () => site.stop(),
  };
}
