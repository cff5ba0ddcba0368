import { createAppCore, type AppCore } from './app';
import type { AppOptions } from './context';
import type { HostAdapter } from './host';
import { startEmbeddedSim, type EmbeddedSim } from './embedded-sim';

/** Shared start-up of both hosts: the simulated site first (demo), then the services. */
export async function launchCore(options: AppOptions, host: HostAdapter): Promise<{ core: AppCore; sim?: EmbeddedSim }> {
  let sim: EmbeddedSim | undefined;
  const core = await createAppCore(options, host);
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
