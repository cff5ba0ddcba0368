import type { Logger } from './log';

export interface EmbeddedSim {
  describe: string;
  stop(): Promise<void>;
}

/**
 * `npm run demo`: the simulated site runs inside the app so a new user can walk
 * through the product with no hardware. This is the one place main reaches into
 * sim/ (loaded lazily so a normal launch never loads the simulator).
 */
export async function startEmbeddedSim(log: Logger): Promise<EmbeddedSim> {
  const { startSite } = await import('../../sim/site');
  const site = await startSite({ block: '127.0.1' });
  const lines = site.devices.map((d) => `${d.identity.kind.padEnd(6)} ${d.identity.model.padEnd(24)} ${d.xaddr}`);
  log.info('embedded simulated site started', { devices: site.devices.length });
  return {
    describe: lines.join('\n'),
    stop: () => site.stop(),
  };
}
