import dgram from 'node:dgram';
import { bindUdp } from './udp';
import type { DiscoverableDevice } from './wsd-responder';

/**
 * Simulated DHIP (Dahua-family discovery, DOMAIN.md) on the device side.
 * Framing written here independently of the app's codec on purpose: sharing
 * it would hide the client's bugs.
 */
const GROUP = '239.255.255.251';
const DHIP_DEFAULT_PORT = 37810;

/** How one device answers DHIP. */
export interface DhipBehaviour {
  /** Firmwares differ: some answer to the prober's port, some to the multicast group on 37810. Default 'prober'. */
  replyTo?: 'prober' | 'group';
  /**
   * false: Init = 1, a device still waiting for its admin password. Default true.
   * A function is asked at every answer: a factory-fresh camera says 1 until it is
   * initialised and 2 after (sim/devinit).
   */
  initialised?: boolean | (() => boolean);
  /** Init bits 6–7: 'supported' = 2, 'not-supported' = 1, 'unknown' = 0 (older firmware). Default 'supported'. */
  resetSupport?: 'supported' | 'not-supported' | 'unknown';
  /** Claim another IPv4 address in the answer (a misconfigured or rogue device). */
  claimAddress?: string;
  /** ONVIF/web port reported as HttpPort. */
  httpPort?: number;
}

export interface DhipResponderOptions {
  port?: number;
  maxDelayMs?: number;
}

export interface DhipResponders {
  stopDevice(address: string): Promise<void>;
  stop(): Promise<void>;
  /** Searches received on the group/broadcast hub and unicast (for tests). */
  searches(): number;
}

export function frame(body: string, requestId: number): Buffer {
  const b = Buffer.from(body, 'utf8');
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0x20, 0);
  h.write('DHIP', 4, 'latin1');
  h.writeUInt32LE(0, 8);
  h.writeUInt32LE(requestId >>> 0, 12);
  h.writeUInt32LE(b.length, 16);
  h.writeUInt32LE(b.length, 24);
  return Buffer.concat([h, b]);
}

/** The request id of a well-formed DHDiscover.search, else undefined (bare JSON gets no answer, as on real devices). */
function readSearch(msg: Buffer): number | undefined {
  if (msg.length < 32 || msg.readUInt32LE(0) !== 0x20 || msg.toString('latin1', 4, 8) !== 'DHIP') return undefined;
  const len = msg.readUInt32LE(16);
  if (len !== msg.readUInt32LE(24) || 32 + len > msg.length || len > 4096) return undefined;
  try {
    const body = JSON.parse(msg.toString('utf8', 32, 32 + len)) as { method?: unknown };
    return body.method === 'DHDiscover.search' ? msg.readUInt32LE(12) : undefined;
  } catch {
    return undefined;
  }
}

const RECORDER_CHANNELS = /NVR\d{2}(\d{2})/;

const RESET_BITS = { supported: 2, 'not-supported': 1, unknown: 0 } as const;

/** Init as the NetSDK's byInitStatus: bits 0–1 initialised (2) or not (1), bits 6–7 the reset capability. */
function initOf(b: DhipBehaviour): number {
  const initialised = typeof b.initialised === 'function' ? b.initialised() : b.initialised !== false;
  return (initialised ? 2 : 1) | (RESET_BITS[b.resetSupport ?? 'supported'] << 6);
}

function devInfo(d: DiscoverableDevice, b: DhipBehaviour, init: number): string {
  const id = d.identity;
  const nvr = id.kind === 'nvr';
  const channels = nvr ? Number(RECORDER_CHANNELS.exec(id.model)?.[1] ?? 8) : 0;
  return `${JSON.stringify({
    mac: id.mac,
    method: 'client.notifyDevInfo',
    params: {
      deviceInfo: {
        AlarmInputChannels: nvr ? 4 : 1,
        DeviceClass: nvr ? 'NVR' : 'IPC',
        DeviceType: id.model,
        HttpPort: b.httpPort ?? 80,
        IPv4Address: { DefaultGateway: d.address.replace(/\.\d+$/, '.1'), DhcpEnable: false, IPAddress: b.claimAddress ?? d.address, SubnetMask: '255.255.255.0' },
        Init: init,
        MachineName: id.name,
        Port: 37777,
        RemoteVideoInputChannels: channels,
        SerialNo: id.serialNumber,
        Vendor: id.manufacturer === 'Dahua' ? 'Dahua' : 'General',
        Version: id.firmwareVersion.split(',')[0],
        VideoInputChannels: nvr ? 0 : 1,
        VideoOutputChannels: nvr ? 2 : 0,
      },
    },
  })}\n`;
}

interface Running {
  device: DiscoverableDevice;
  behaviour: DhipBehaviour;
  socket: dgram.Socket;
  /** Answers by request id and Init (a device initialised meanwhile answers anew). */
  answer: Map<string, Buffer>;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

type From = { address: string; port: number };

/**
 * One shared hub on the group port (multicast and broadcast searches) and one
 * socket per device bound to its own address on the same port, so unicast
 * searches reach that device and answers leave from port 37810 as on real
 * devices. Devices with `dhip: false` stay silent.
 */
export async function startDhipResponders(devices: DiscoverableDevice[], opts: DhipResponderOptions = {}): Promise<DhipResponders> {
  const port = opts.port ?? DHIP_DEFAULT_PORT;
  const answer = answerer(port, opts.maxDelayMs ?? 500);
  let searches = 0;
  // Unicast search (sweep, add by IP): answered whether or not the device heeds multicast.
  const running = await openDevices(devices, port, (r, requestId, from) => {
    searches++;
    answer(r, requestId, from);
  });
  const hubs = await openHubs(
    port,
    onceEach((requestId, from) => {
      searches++;
      for (const r of running.values()) if (r.device.multicast !== false) answer(r, requestId, from);
    }),
  );
  return {
    async stopDevice(address) {
      const r = running.get(address);
      if (r) stopOne(r);
    },
    async stop() {
      for (const r of running.values()) stopOne(r);
      for (const h of hubs) h.close();
    },
    searches: () => searches,
  };
}

/** One device's answer to one search, after a random delay (up to maxDelay), to the prober or the group as its firmware does. */
function answerer(port: number, maxDelay: number) {
  return (r: Running, requestId: number, to: From) => {
    if (r.stopped) return;
    const init = initOf(r.behaviour);
    const key = `${requestId}/${init}`;
    let buf = r.answer.get(key);
    if (!buf) {
      buf = frame(devInfo(r.device, r.behaviour, init), requestId);
      if (r.answer.size > 64) r.answer.clear();
      r.answer.set(key, buf);
    }
    const dest = r.behaviour.replyTo === 'group' ? { address: GROUP, port } : to;
    const t = setTimeout(() => {
      r.timers.delete(t);
      if (!r.stopped) r.socket.send(buf, dest.port, dest.address);
    }, Math.random() * maxDelay);
    r.timers.add(t);
  };
}

/** A socket per answering device on its own address; a device that cannot bind stops the whole start. */
async function openDevices(devices: DiscoverableDevice[], port: number, onSearch: (r: Running, requestId: number, from: From) => void): Promise<Map<string, Running>> {
  const running = new Map<string, Running>();
  try {
    for (const device of devices) {
      if (device.dhip === false) continue;
      if (!device.address.startsWith('127.')) throw new Error(`sim discovery binds to loopback only, got ${device.address}`);
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      await bindUdp(socket, port, device.address);
      socket.on('error', () => undefined);
      socket.setMulticastInterface('127.0.0.1');
      socket.setMulticastTTL(1);
      const r: Running = { device, behaviour: device.dhip ?? {}, socket, answer: new Map(), timers: new Set(), stopped: false };
      socket.on('message', (msg, rinfo) => {
        const id = readSearch(msg);
        if (id !== undefined) onSearch(r, id, rinfo);
      });
      running.set(device.address, r);
    }
  } catch (e) {
    for (const r of running.values()) r.socket.close();
    throw e;
  }
  return running;
}

/** Multicast and broadcast copies of one search arrive together: each search (sender and request id) passes once. */
function onceEach(onSearch: (requestId: number, from: From) => void) {
  const recent = new Map<string, number>();
  return (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    const id = readSearch(msg);
    if (id === undefined) return;
    const key = `${rinfo.address}:${rinfo.port}#${id}`;
    const now = Date.now();
    if ((recent.get(key) ?? 0) > now - 300) return;
    if (recent.size > 1000) recent.clear();
    recent.set(key, now);
    onSearch(id, rinfo);
  };
}

/**
 * The group and the loopback broadcast on their own addresses (Linux allows it): a wildcard hub
 * would also take every unicast search to an empty 127.x address, which should get "port
 * unreachable" as on a real LAN. Elsewhere one wildcard hub.
 */
async function openHubs(port: number, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<dgram.Socket[]> {
  let hubs: dgram.Socket[];
  try {
    hubs = [await openHub(port, onMessage, GROUP)];
    hubs.push(
      await openHub(port, onMessage, '127.255.255.255').catch((e: unknown) => {
        hubs[0]!.close();
        throw e;
      }),
    );
  } catch {
    hubs = [await openHub(port, onMessage)];
  }
  hubs[0]!.addMembership(GROUP, '127.0.0.1');
  return hubs;
}

async function openHub(port: number, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void, bindTo?: string): Promise<dgram.Socket> {
  const hub = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 * 1024 * 1024 });
  try {
    await bindUdp(hub, port, bindTo);
  } catch (e) {
    hub.close();
    throw e;
  }
  hub.on('error', () => undefined);
  hub.on('message', onMessage);
  return hub;
}

function stopOne(r: Running): void {
  if (r.stopped) return;
  r.stopped = true;
  for (const t of r.timers) clearTimeout(t);
  r.socket.close();
}
