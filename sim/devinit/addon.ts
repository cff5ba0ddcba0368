import { randomBytes } from 'node:crypto';
import type { SimDevice } from '../onvif/device';
import type { Site, SiteAddon, SiteOptions } from '../site';
import { startDevInitSim, type DevInitSim } from './device';
import type { DevInitFirmware } from './firmware';

declare module '../site' {
  interface SiteOptions {
    /**
     * Factory-fresh cameras, by camera index ('0', '1', …), each with its firmware
     * (sim/devinit/firmware.ts). Default: none — a site a test starts has only the
     * cameras it asks for; the demo asks for `DEMO_FRESH_CAMERA` (demo/site.ts).
     */
    factoryFresh?: Record<string, Partial<DevInitFirmware>>;
    /**
     * Port of the factory-fresh cameras' web service (each on its own address).
     * Default: 80 where a real camera's is when the site has a fixed port (the
     * demo), else any free port; any free port when 80 cannot be had.
     */
    devInitPort?: number;
  }
  interface Site {
    /** The factory-fresh cameras' web services (`/OutsideCmd`, `/RPC2_Login`), by camera index. Set by the dev-init add-on. */
    devInit?: Record<string, DevInitSim>;
  }
}

/** The demo's factory-fresh camera: the seventh, which the NVR has a channel for (channel 7). */
export const DEMO_FRESH_CAMERA = 6;

/** Which cameras start factory-fresh, and with what firmware. */
export function freshCameras(site: Pick<Site, 'cameras'>, opts: Pick<SiteOptions, 'factoryFresh'>): [number, Partial<DevInitFirmware>][] {
  const chosen = opts.factoryFresh ?? {};
  return Object.entries(chosen).map(([k, f]) => {
    const i = Number(k);
    if (!Number.isInteger(i) || !site.cameras[i]) throw new Error(`factoryFresh: the site has no camera ${k}`);
    return [i, f];
  });
}

/**
 * Site add-on: factory-fresh cameras. Each gets a web service on its own address
 * (sim/devinit/device.ts); its ONVIF accounts are unusable until an account is
 * set (every password replaced by one nobody knows), then `admin` holds the new
 * password; the NVR's channel for it stays offline without signing in (a recorder's
 * sign-in to an uninitialised camera is refused as "not initialised", which spends
 * nothing) and reconnects with its stored credentials once the camera is
 * initialised; its DHIP answer says Init 1 until then, 2 after. Runs after the
 * NVR's RPC (its channel list) and before discovery (which reads `opts.discovery`).
 */
export const devInitAddon: SiteAddon = {
  name: 'dev-init',
  async start(site: Site, opts: SiteOptions) {
    const started: { index: number; sim: DevInitSim; restore(): void }[] = [];
    const stopAll = async () => {
      for (const s of started.splice(0)) {
        s.restore();
        await s.sim.stop();
      }
    };
    try {
      for (const [i, firmware] of freshCameras(site, opts)) started.push({ index: i, ...(await freshCamera(site, opts, i, firmware)) });
    } catch (e) {
      await stopAll();
      throw e;
    }
    site.devInit = Object.fromEntries(started.map((s) => [String(s.index), s.sim]));
    return { stop: stopAll };
  },
};

async function freshCamera(site: Site, opts: SiteOptions, i: number, firmware: Partial<DevInitFirmware>): Promise<{ sim: DevInitSim; restore(): void }> {
  const camera = site.cameras[i]!;
  // The NVR's channel for it (the nvr-rpc add-on leaves a factory-fresh camera out of its reach from the start).
  const channel = site.nvrRpc?.channels.find((c) => c.address === camera.address);
  const reach = channel ? camera.xaddr : undefined;
  if (!firmware.initialised) {
    lockOut(camera);
    if (channel) delete channel.reachXaddr;
  }
  const sim = await listen(opts, (port) =>
    startDevInitSim({
      address: camera.address,
      port,
      serial: camera.identity.serialNumber,
      firmware,
      clock: opts.clock,
      onAccount(password) {
        camera.users.setPassword('admin', password);
        if (channel && reach) channel.reachXaddr = reach;
      },
      // One admin account: a lock its ONVIF side took (the NVR's stale password) refuses the web sign-in too.
      lockedElsewhere: () => Math.max(0, camera.stats().lockedUntil - camera.now()),
    }),
  );
  // Initialised by someone else before the visit: ONVIF's admin has that (unknown) password too.
  const held = sim.state().password;
  if (held) camera.users.setPassword('admin', held);
  announce(opts, i, sim);
  return {
    sim,
    restore() {
      if (channel && reach) channel.reachXaddr = reach;
    },
  };
}

/** A factory-fresh camera has no usable account: every password becomes one nobody knows. */
function lockOut(camera: SimDevice): void {
  for (const u of camera.users.list()) camera.users.setPassword(u.username, randomBytes(18).toString('base64'));
}

async function listen(opts: SiteOptions, start: (port: number) => Promise<DevInitSim>): Promise<DevInitSim> {
  const wanted = opts.devInitPort ?? (opts.port ? 80 : 0);
  return start(wanted).catch((e: NodeJS.ErrnoException) => {
    if (wanted && opts.devInitPort === undefined && (e.code === 'EACCES' || e.code === 'EADDRINUSE')) return start(0);
    throw e;
  });
}

/** The camera's DHIP answer follows its state and names its web port (unless the test silenced its DHIP). */
function announce(opts: SiteOptions, i: number, sim: DevInitSim): void {
  const key = String(i);
  const own = opts.discovery?.devices?.[key];
  if (own?.dhip === false) return;
  opts.discovery = {
    ...opts.discovery,
    devices: {
      ...opts.discovery?.devices,
      [key]: { ...own, dhip: { ...own?.dhip, initialised: () => sim.state().initialised, httpPort: sim.port, resetSupport: sim.firmware.resetSupport } },
    },
  };
}

/** The factory-fresh camera `i` of a site, or a clear error when it is not one. */
export function devInitOf(site: Site, i: number): DevInitSim {
  const sim = site.devInit?.[String(i)];
  if (!sim) throw new Error(`camera ${i} is not factory-fresh on this site (SiteOptions.factoryFresh), or the dev-init add-on is not registered in sim/site.ts`);
  return sim;
}
