import type { Site, SiteAddon, SiteOptions } from '../site';
import { startNvrReset, type NvrResetSim, type SimMailbox } from './reset-page';

export const DEFAULT_REGISTERED_EMAIL = 'owner@example.com';

declare module '../site' {
  interface SiteOptions {
    /** The email registered on the simulated NVR (the reset page checks it). Default owner@example.com. */
    registeredEmail?: string;
  }
  interface Site {
    /** The NVR's reset screens (what its monitor shows). Set by the nvr-reset add-on. */
    nvrResetUrl?: string;
    /** The vendor's support mailbox. */
    mailbox?: SimMailbox;
    nvrReset?: NvrResetSim;
  }
}

/** Site add-on: the NVR's forgot-password screens and the support mailbox, on the NVR's address. */
export const nvrResetAddon: SiteAddon = {
  name: 'nvr-reset',
  async start(site: Site, opts: SiteOptions) {
    const sim = await startNvrReset({
      address: site.nvr.address,
      nvr: { identity: site.nvr.identity, users: site.nvr.users },
      registeredEmail: opts.registeredEmail ?? DEFAULT_REGISTERED_EMAIL,
      clock: opts.clock,
    });
    site.nvrResetUrl = sim.url;
    site.mailbox = sim.mailbox;
    site.nvrReset = sim;
    return { stop: () => sim.stop() };
  },
};

/** The reset parts of a site, or a clear error if the add-on did not run. */
export function resetOf(site: Site): { url: string; mailbox: SimMailbox; sim: NvrResetSim } {
  if (!site.nvrReset || !site.mailbox || !site.nvrResetUrl) throw new Error('the nvr-reset site add-on is not registered in sim/site.ts');
  return { url: site.nvrResetUrl, mailbox: site.mailbox, sim: site.nvrReset };
}
