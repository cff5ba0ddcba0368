import { makeIdentity, SITE_CREDENTIALS } from '../identities';
import { startDevice, type SimDevice } from '../onvif/device';
import type { Site, SiteAddon, SiteOptions } from '../site';
import { startNvrRpc, type NvrRpcFaultOptions, type NvrRpcSim, type SimChannel } from './rpc';

declare module '../site' {
  interface SiteOptions {
    /**
     * The NVR's firmware and misbehaviours (sim/nvr/rpc/types.ts `NvrRpcFaults`). The default is the
     * older RemoteDevice-table firmware; `{ firmware: 'logic-device-manager' }` is the newer one.
     */
    nvrRpc?: NvrRpcFaultOptions;
    /**
     * How often the NVR signs in to its channels' cameras (ms). Default 0: only on
     * `nvrRpc.pollNow()`, so tests that count a camera's sign-ins see only their own.
     */
    nvrPollMs?: number;
    /** Cameras on the NVR's PoE ports, reachable by the NVR only. Default 1. */
    behindNvr?: number;
    /**
     * Port of the NVR's web JSON-RPC. Default: 80 (where a real NVR's web page is) when the
     * site has a fixed port (the demo), else any free port; any free port when 80 cannot be had.
     */
    nvrRpcPort?: number;
  }
  interface Site {
    /** The NVR's web JSON-RPC (/RPC2_Login, /RPC2) and its channel list. Set by the nvr-rpc add-on. */
    nvrRpc?: NvrRpcSim;
    /** Cameras behind the NVR: the NVR reaches them, the laptop cannot (their stored address refuses connections). */
    behindNvr?: SimDevice[];
  }
}

/** What the NVR learnt from a camera when it added it (DeviceInfo beyond the connection fields). */
const deviceInfoOf = (cam: SimDevice): Record<string, unknown> => ({ HttpPort: cam.port, Mac: cam.identity.mac, SerialNo: cam.identity.serialNumber });

const PRIVATE_PORT = 37777;

/**
 * The NVR's accounts: one store for ONVIF, the reset page and the web RPC. The RPC needs the
 * plain password (its login hashes it), so password changes made through the site (reset
 * page, tests) are mirrored here until `restore`.
 */
function mirrorNvrPasswords(site: Site) {
  const passwords = new Map<string, string>([[SITE_CREDENTIALS.nvr.username, SITE_CREDENTIALS.nvr.password]]);
  const users = site.nvr.users;
  const setPassword = users.setPassword.bind(users);
  users.setPassword = (u, p) => {
    setPassword(u, p);
    passwords.set(u, p);
  };
  return {
    password: (u: string) => (users.list().some((x) => x.username === u) && users.checkPassword(u, passwords.get(u) ?? '') ? passwords.get(u) : undefined),
    restore: () => void (users.setPassword = setPassword),
  };
}

/**
 * Cameras on the NVR's PoE ports: each listens on the NVR's own address, on a port only the NVR
 * knows; its channel stores block.254-i, where nothing listens, so a laptop connection is refused.
 */
async function startBehind(site: Site, opts: SiteOptions): Promise<SimDevice[]> {
  const behind: SimDevice[] = [];
  const count = site.cameras.length + 11 < 254 ? (opts.behindNvr ?? 1) : 0;
  try {
    for (let i = 0; i < count; i++) {
      const identity = makeIdentity('camera', site.cameras.length + i, opts.seed ?? 1);
      behind.push(await startDevice({ identity, address: site.nvr.address, port: 0, users: [{ ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' }], clock: opts.clock }));
    }
  } catch (e) {
    await Promise.all(behind.map((d) => d.stop()));
    throw e;
  }
  return behind;
}

/**
 * A channel for every camera of the site (even ones by Dahua's private protocol, odd ones by ONVIF;
 * the fourth of every four through the camera's separate `onvif` account), then the cameras behind the NVR.
 */
function channelsOf(site: Site, behind: SimDevice[], opts: SiteOptions): SimChannel[] {
  const lan = site.cameras.map((cam, i): SimChannel => {
    const onvif = i % 2 === 1;
    const creds = i % 4 === 3 ? SITE_CREDENTIALS.cameraOperator : SITE_CREDENTIALS.camera;
    return {
      enable: true, address: cam.address, port: onvif ? cam.port : PRIVATE_PORT, username: creds.username, password: creds.password,
      protocol: onvif ? 'Onvif' : 'Private', deviceType: cam.identity.model, name: cam.identity.name, title: cam.identity.osdTitle,
      // A factory-fresh camera is out of the NVR's reach from the start (the dev-init add-on lets it in once
      // initialised): the NVR's first round, which leaves as this add-on starts, must not reach a camera that is
      // about to lose its passwords — that would count a refused sign-in no real fresh camera ever saw.
      ...(freshAtStart(opts, i) ? {} : { reachXaddr: cam.xaddr }), deviceInfo: deviceInfoOf(cam), state: 'Unknown',
    };
  });
  const poe = behind.map((cam, i): SimChannel => ({
    enable: true, address: `${site.block}.${254 - i}`, port: PRIVATE_PORT, username: SITE_CREDENTIALS.camera.username, password: SITE_CREDENTIALS.camera.password,
    protocol: 'Private', deviceType: cam.identity.model, name: cam.identity.name, title: `PoE port ${i + 1}`,
    reachXaddr: cam.xaddr, deviceInfo: { ...deviceInfoOf(cam), PoE: true, PoEPort: i + 1 }, state: 'Unknown',
  }));
  return [...lan, ...poe];
}

/** Camera `i` starts factory-fresh (SiteOptions.factoryFresh, sim/devinit/addon.ts), not initialised by someone before. */
const freshAtStart = (opts: SiteOptions, i: number) => {
  const f = opts.factoryFresh?.[String(i)];
  return f !== undefined && !f.initialised;
};

/** On port 80 where a real NVR's web page is when the site has a fixed port (the demo), else any free port. */
function startRpc(site: Site, opts: SiteOptions, channels: SimChannel[], password: (u: string) => string | undefined): Promise<NvrRpcSim> {
  const start = (port: number) =>
    startNvrRpc({ address: site.nvr.address, port, identity: site.nvr.identity, password, channels, faults: opts.nvrRpc, clock: opts.clock, pollMs: opts.nvrPollMs ?? 0 });
  const wanted = opts.nvrRpcPort ?? (opts.port ? 80 : 0);
  return start(wanted).catch((e: NodeJS.ErrnoException) => {
    if (wanted && opts.nvrRpcPort === undefined && (e.code === 'EACCES' || e.code === 'EADDRINUSE')) return start(0);
    throw e;
  });
}

/**
 * A real NVR's DHIP answer gives its web port (HttpPort), where /RPC2 is: say the same here, unless
 * the test chose the NVR's DHIP behaviour itself. (Discovery starts after this add-on.)
 */
function advertiseWebPort(opts: SiteOptions, port: number): void {
  const nvrDiscovery = opts.discovery?.devices?.['nvr'];
  if (nvrDiscovery?.dhip === false || nvrDiscovery?.dhip?.httpPort !== undefined) return;
  opts.discovery = {
    ...opts.discovery,
    devices: { ...opts.discovery?.devices, nvr: { ...nvrDiscovery, dhip: { replyTo: 'prober', ...nvrDiscovery?.dhip, httpPort: port } } },
  };
}

/** Site add-on: the NVR's web JSON-RPC on the NVR's address, its channels, and the cameras behind its PoE ports. */
export const nvrRpcAddon: SiteAddon = {
  name: 'nvr-rpc',
  async start(site: Site, opts: SiteOptions) {
    const accounts = mirrorNvrPasswords(site);
    let behind: SimDevice[] = [];
    let rpc: NvrRpcSim;
    try {
      behind = await startBehind(site, opts);
      rpc = await startRpc(site, opts, channelsOf(site, behind, opts), accounts.password);
    } catch (e) {
      await Promise.all(behind.map((d) => d.stop()));
      accounts.restore();
      throw e;
    }
    site.nvrRpc = rpc;
    site.behindNvr = behind;
    advertiseWebPort(opts, rpc.port);
    return {
      async stop() {
        await rpc.stop();
        await Promise.all(behind.map((d) => d.stop()));
        accounts.restore();
      },
    };
  },
};

/** The NVR's RPC of a site, or a clear error if the add-on did not run. */
export function rpcOf(site: Site): NvrRpcSim {
  if (!site.nvrRpc) throw new Error('the nvr-rpc site add-on is not registered in sim/site.ts');
  return site.nvrRpc;
}
