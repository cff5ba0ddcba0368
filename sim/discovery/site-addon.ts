import type { Site, SiteAddon, SiteOptions } from '../site';
import { startDiscoverySim } from './index';
import type { DhipBehaviour } from './dhip-responder';
import type { DiscoverableDevice } from './wsd-responder';

/** Per-device discovery behaviour, keyed like `faults`: 'nvr' or a camera index '0', '1', … */
export interface DiscoverySiteOptions {
  devices?: Record<string, { multicast?: boolean; ssdp?: boolean; dhip?: false | DhipBehaviour }>;
  wsdPort?: number;
  ssdpPort?: number;
  ssdpHttpPort?: number;
  /** DHIP group port (37810 by default). */
  dhipPort?: number;
  maxDelayMs?: number;
}

/**
 * DHIP as the Dahua family answers it: the NVR with its class and channels,
 * the cameras too (every site camera is Dahua or an Amcrest OEM), half of them
 * to the prober's port and half to the multicast group. Each says what it is:
 * a factory-fresh camera (sim/devinit, which runs before this add-on and sets
 * its `dhip`) answers Init 1 until it is initialised; every other one 2.
 */
function defaultDhip(i: number, httpPort: number): DhipBehaviour {
  return { replyTo: i % 2 === 0 ? 'prober' : 'group', httpPort };
}

/** A device's own DHIP behaviour over the site's default; `false` keeps it silent. */
function dhipOf(given: false | DhipBehaviour | undefined, i: number, httpPort: number): false | DhipBehaviour {
  return given === false ? false : { ...defaultDhip(i, httpPort), ...given };
}

/**
 * WS-Discovery + SSDP responders for every device of a site. Stopping a
 * device (`site.cameras[i].stop()`) now sends its Bye first, as a camera
 * being unplugged cleanly does.
 */
export const discoveryAddon: SiteAddon = {
  name: 'discovery',
  async start(site: Site, opts: SiteOptions & { discovery?: DiscoverySiteOptions }) {
    const o = opts.discovery ?? {};
    const keyOf = (i: number) => (i === 0 ? 'nvr' : String(i - 1));
    const devices: DiscoverableDevice[] = site.devices.map((d, i) => ({
      identity: d.identity,
      address: d.address,
      xaddr: d.xaddr,
      multicast: o.devices?.[keyOf(i)]?.multicast ?? true,
      ssdp: o.devices?.[keyOf(i)]?.ssdp ?? true,
      dhip: dhipOf(o.devices?.[keyOf(i)]?.dhip, i, d.port),
    }));
    const sim = await startDiscoverySim(devices, {
      ...(o.wsdPort ? { wsdPort: o.wsdPort } : {}),
      ...(o.ssdpPort ? { ssdpPort: o.ssdpPort } : {}),
      ...(o.ssdpHttpPort ? { ssdpHttpPort: o.ssdpHttpPort } : {}),
      ...(o.dhipPort ? { dhipPort: o.dhipPort } : {}),
      ...(o.maxDelayMs !== undefined ? { maxDelayMs: o.maxDelayMs } : {}),
    });
    for (const d of site.devices) {
      const original = d.stop.bind(d);
      d.stop = async () => {
        await sim.stopDevice(d.address);
        await original();
      };
    }
    return { stop: () => sim.stop() };
  },
};
