import { makeIdentity } from '../identities';
import { startDhipResponders, type DhipResponders } from './dhip-responder';
import { startSsdpResponders, type SsdpResponders } from './ssdp-responder';
import { startWsdResponders, type DiscoverableDevice, type WsdResponders } from './wsd-responder';

export type { DiscoverableDevice } from './wsd-responder';

export interface DiscoverySimOptions {
  wsdPort?: number;
  ssdpPort?: number;
  ssdpHttpPort?: number;
  /** DHIP group port (37810 by default). */
  dhipPort?: number;
  maxDelayMs?: number;
}

export interface DiscoverySim {
  devices: DiscoverableDevice[];
  /** Bye + silence for one device (as when it is unplugged cleanly). */
  stopDevice(address: string): Promise<void>;
  stop(): Promise<void>;
  wsd: WsdResponders;
  dhip: DhipResponders;
}

/** WS-Discovery for every device with `wsd !== false`, SSDP for those with `ssdp !== false`, DHIP for those with `dhip !== false`. */
export async function startDiscoverySim(devices: DiscoverableDevice[], opts: DiscoverySimOptions = {}): Promise<DiscoverySim> {
  const wsd = await startWsdResponders(devices.filter((d) => d.wsd !== false), { ...(opts.wsdPort ? { port: opts.wsdPort } : {}), ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}) });
  let ssdp: SsdpResponders;
  try {
    ssdp = await startSsdpResponders(
      devices.filter((d) => d.ssdp !== false),
      { ...(opts.ssdpPort ? { port: opts.ssdpPort } : {}), ...(opts.ssdpHttpPort ? { httpPort: opts.ssdpHttpPort } : {}), ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}) },
    );
  } catch (e) {
    await wsd.stop();
    throw e;
  }
  let dhip: DhipResponders;
  try {
    dhip = await startDhipResponders(devices, { ...(opts.dhipPort ? { port: opts.dhipPort } : {}), ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}) });
  } catch (e) {
    await ssdp.stop();
    await wsd.stop();
    throw e;
  }
  return {
    devices,
    wsd,
    dhip,
    async stopDevice(address) {
      await dhip.stopDevice(address);
      await ssdp.stopDevice(address);
      await wsd.stopDevice(address);
    },
    async stop() {
      await dhip.stop();
      await ssdp.stop();
      await wsd.stop();
    },
  };
}

export interface FleetOptions extends DiscoverySimOptions {
  /** WS-Discovery responders (up to 1,000 for the bench). */
  count: number;
  /** How many of them also answer SSDP. */
  ssdpCount: number;
  /** How many of them also answer DHIP (default none); every other one answers to the multicast group. */
  dhipCount?: number;
  /** Second octet of the 127.B.x.y block the fleet occupies (one per test/bench). */
  block?: number;
  seed?: number;
}

/**
 * N lightweight devices for benchmarks: discovery responders only, no ONVIF
 * server (the XAddr is a placeholder), to keep 1,000 devices cheap.
 */
export async function startFleet(opts: FleetOptions): Promise<DiscoverySim> {
  if (opts.count > 1000) throw new Error('the fleet holds at most 1,000 devices');
  const b = opts.block ?? 200;
  const devices: DiscoverableDevice[] = Array.from({ length: opts.count }, (_, i) => {
    const address = `127.${b}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    return {
      identity: makeIdentity(i === 0 ? 'nvr' : 'camera', i === 0 ? -1 : i, opts.seed ?? 7),
      address,
      xaddr: `http://${address}/onvif/device_service`,
      ssdp: i < opts.ssdpCount,
      dhip: i < (opts.dhipCount ?? 0) ? { replyTo: i % 2 ? 'group' : 'prober' } : false,
    };
  });
  return startDiscoverySim(devices, opts);
}
