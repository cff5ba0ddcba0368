import { SITE_CREDENTIALS, siteIdentities } from './identities';
import { startDevice, type SimDevice } from './onvif/device';
import type { DeviceFaults } from './onvif/types';
import { nvrResetAddon } from './nvr/addon';
import { nvrRpcAddon } from './nvr/rpc-addon';
import { discoveryAddon, type DiscoverySiteOptions } from './discovery/site-addon';
import { devInitAddon } from './devinit/addon';

export { startDevice } from './onvif/device';
export type { SimDevice } from './onvif/device';
export type { DeviceFaults } from './onvif/types';

export interface SiteOptions {
  /** First three octets, default '127.0.1' → NVR at .10, cameras at .11, .12, … */
  block?: string;
  /** Default 8. At most 244 (one /24). */
  cameras?: number;
  /** 0 (default) = pick a free port once; every device of the site uses that port. */
  port?: number;
  seed?: number;
  /** Key: 'nvr' or camera index '0', '1', … */
  faults?: Record<string, Partial<DeviceFaults>>;
  /** WS-Discovery/SSDP responders (sim/discovery): per-device `multicast: false`, ports. */
  discovery?: DiscoverySiteOptions;
  /** Base clock, default Date.now. */
  clock?: () => number;
}

export interface Site {
  nvr: SimDevice;
  cameras: SimDevice[];
  devices: SimDevice[];
  block: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Seam for other parts of the simulated site (discovery responders, the NVR reset page):
 * started after the devices, stopped before them, in reverse order.
 */
export interface SiteAddon {
  name: string;
  start(site: Site, opts: SiteOptions): Promise<{ stop(): Promise<void> }>;
}

/** Add-ons every site starts. Other modules push here (or pass `addons` to startSite). */
// The NVR's web RPC starts before discovery, so the NVR's DHIP answer can carry its web port.
export const siteAddons: SiteAddon[] = [nvrRpcAddon, devInitAddon, discoveryAddon, nvrResetAddon];

const NVR_HOST = 10;
const FIRST_CAMERA_HOST = 11;

export async function startSite(opts: SiteOptions = {}, addons: SiteAddon[] = siteAddons): Promise<Site> {
  const block = opts.block ?? '127.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(block)) throw new Error(`site block must be 127.N.M, got ${block}`);
  const count = opts.cameras ?? 8;
  if (count < 0 || FIRST_CAMERA_HOST + count > 255) throw new Error(`a /24 block holds at most ${255 - FIRST_CAMERA_HOST} cameras`);
  const ids = siteIdentities(count, opts.seed ?? 1);
  const devices = await startOnOnePort((port) => startDevices(ids, block, port, opts), opts.port);

  const running: { stop(): Promise<void> }[] = [];
  const site: Site = {
    nvr: devices.nvr,
    cameras: devices.cameras,
    devices: [devices.nvr, ...devices.cameras],
    block,
    port: devices.nvr.port,
    async stop() {
      for (const a of running.splice(0).reverse()) await a.stop();
      await Promise.all(site.devices.map((d) => d.stop()));
    },
  };
  try {
    for (const addon of addons) running.push(await addon.start(site, opts));
  } catch (e) {
    await site.stop();
    throw e;
  }
  return site;
}

interface Devices {
  nvr: SimDevice;
  cameras: SimDevice[];
}

/** The site's devices on one port; with port 0 the NVR picks a free one, and a clash on a camera's address picks again. */
async function startOnOnePort(start: (port: number) => Promise<Devices>, port: number | undefined): Promise<Devices> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start(port ?? 0);
    } catch (e) {
      // A port picked for the NVR may be taken on a camera's address by someone else: pick again.
      if (port || attempt >= 4 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}

/** The NVR, then every camera on the NVR's port at its own address; all stopped again if one fails. */
async function startDevices(ids: ReturnType<typeof siteIdentities>, block: string, port: number, opts: SiteOptions): Promise<Devices> {
  const clock = opts.clock ?? Date.now;
  const started: SimDevice[] = [];
  try {
    const nvr = await startDevice({
      identity: ids.nvr,
      address: `${block}.${NVR_HOST}`,
      port,
      users: [{ ...SITE_CREDENTIALS.nvr, userLevel: 'Administrator' }],
      faults: opts.faults?.['nvr'],
      clock,
    });
    started.push(nvr);
    // Port 0: the NVR picked a free port; every camera reuses it on its own address.
    const cameras = await Promise.all(
      ids.cameras.map((identity, i) =>
        startDevice({
          identity,
          address: `${block}.${FIRST_CAMERA_HOST + i}`,
          port: nvr.port,
          users: [
            { ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' },
            { ...SITE_CREDENTIALS.cameraOperator, userLevel: 'Operator' },
          ],
          faults: opts.faults?.[String(i)],
          clock,
        }).then((d) => (started.push(d), d)),
      ),
    );
    return { nvr, cameras };
  } catch (e) {
    await Promise.all(started.map((d) => d.stop()));
    throw e;
  }
}
