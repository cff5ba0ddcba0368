import { createAppCore, type AppCore } from './app';
import type { AppOptions } from './context';
import type { HostAdapter } from './host';
import { startEmbeddedSim, type EmbeddedSim } from './embedded-sim';

/** Shared start-up of both hosts: the services, then (demo) the simulated site. */
export async function launchCore(options: AppOptions, host: HostAdapter): Promise<{ core: AppCore; sim?: EmbeddedSim }> {
  let sim: EmbeddedSim | undefined;
  // On the simulated site, mail to support goes to the simulated support
  // mailbox: a demo must never send a made-up reset request to the vendor.
  const adapter: HostAdapter = {
    ...host,
    async openExternal(url) {
      if (sim && url.startsWith('mailto:')) {
        await sim.deliverMail(url);
        core.events.emit('app.notice', {
          level: 'info',
          message: `Demo: the message went to the simulated support mailbox, not to real support. Its reply is at ${sim.inboxUrl}`,
          at: core.ctx.clock.now(),
        });
        return;
      }
      await host.openExternal(url);
    },
  };
  const core = await createAppCore(options, adapter);
  if (options.embeddedSim) {
    sim = await startEmbeddedSim(core.log);
    process.stderr.write(`Simulated site (demo data, loopback only):\n${sim.describe}\n`);
  }
  const dispose = core.dispose;
  core.dispose = async () => {
    await dispose();
    await sim?.stop();
  };
  return { core, sim };
}
