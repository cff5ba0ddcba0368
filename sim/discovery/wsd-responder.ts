import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { bindUdp } from './udp';
import type { SimIdentity } from '../identities';
import type { DhipBehaviour } from './dhip-responder';

/**
 * Simulated WS-Discovery on the device side. Written independently of the
 * app's parser on purpose: sharing it would hide the client's bugs.
 */
const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const GROUP = '239.255.255.250';

export interface DiscoverableDevice {
  identity: SimIdentity;
  address: string;
  /** ONVIF device service URL (may be a placeholder for bench devices without an ONVIF server). */
  xaddr: string;
  /** false: the device ignores multicast probes (found only by a sweep). */
  multicast?: boolean;
  /** Answer SSDP too (Dahua-family devices do). */
  ssdp?: boolean;
  /** Answer DHIP (Dahua-family devices do); false: silent. */
  dhip?: false | DhipBehaviour;
  /** Answer WS-Discovery (default true; false: a DHIP-only device, e.g. one not initialised yet). */
  wsd?: boolean;
}

export interface WsdResponderOptions {
  port?: number;
  /** APP_MAX_DELAY: real devices wait a random 0–500 ms before answering. */
  maxDelayMs?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function scopes(d: DiscoverableDevice): string {
  const id = d.identity;
  const type = id.kind === 'nvr' ? 'onvif://www.onvif.org/type/NVR' : 'onvif://www.onvif.org/type/video_encoder';
  return [
    type,
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/hardware/${encodeURIComponent(id.model)}`,
    `onvif://www.onvif.org/name/${encodeURIComponent(id.manufacturer)}`,
    `onvif://www.onvif.org/MAC/${id.mac}`,
    'onvif://www.onvif.org/location/country/site',
  ].join(' ');
}

const endpointCache = new WeakMap<DiscoverableDevice, string>();

/** Cached per device: a 1,000-device fleet answers one probe with 1,000 of these. */
function endpointXml(d: DiscoverableDevice): string {
  const hit = endpointCache.get(d);
  if (hit) return hit;
  const xml = (
    `<a:EndpointReference><a:Address>${esc(d.identity.endpointUuid)}</a:Address></a:EndpointReference>` +
    `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>` +
    `<d:Scopes>${esc(scopes(d))}</d:Scopes><d:XAddrs>${esc(d.xaddr)}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>`
  );
  endpointCache.set(d, xml);
  return xml;
}

function envelope(action: string, extraHeader: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP}" xmlns:a="${WSA}" xmlns:d="${WSD}" ` +
    `xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">` +
    `<s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>${extraHeader}<a:Action>${WSD}/${action}</a:Action></s:Header>` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

export function probeMatchXml(d: DiscoverableDevice, relatesTo: string): string {
  return envelope(
    'ProbeMatches',
    `<a:RelatesTo>${esc(relatesTo)}</a:RelatesTo><a:To>${WSA}/role/anonymous</a:To>`,
    `<d:ProbeMatches><d:ProbeMatch>${endpointXml(d)}</d:ProbeMatch></d:ProbeMatches>`,
  );
}

export function helloXml(d: DiscoverableDevice): string {
  return envelope('Hello', '<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>', `<d:Hello>${endpointXml(d)}</d:Hello>`);
}

export function byeXml(d: DiscoverableDevice): string {
  return envelope(
    'Bye',
    '<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>',
    `<d:Bye><a:EndpointReference><a:Address>${esc(d.identity.endpointUuid)}</a:Address></a:EndpointReference></d:Bye>`,
  );
}

/** MessageID of a Probe (and whether it asks for something an ONVIF device is). */
function readProbe(text: string): { messageId: string; wanted: boolean } | undefined {
  if (!/<(\w+:)?Probe[\s>/]/.test(text)) return undefined;
  const id = /<(?:\w+:)?MessageID[^>]*>([^<]{1,256})<\/(?:\w+:)?MessageID>/.exec(text)?.[1]?.trim();
  if (!id) return undefined;
  const types = /<(?:\w+:)?Types[^>]*>([^<]*)<\/(?:\w+:)?Types>/.exec(text)?.[1]?.trim() ?? '';
  const wanted = types === '' || /NetworkVideoTransmitter|:Device\b/.test(types);
  return { messageId: id, wanted };
}

interface Running {
  device: DiscoverableDevice;
  socket: dgram.Socket;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

export interface WsdResponders {
  /** Sends Bye and stops answering for one device. */
  stopDevice(address: string): Promise<void>;
  stop(): Promise<void>;
  /** Probes received (for tests). */
  probes(): number;
  /** From the last probe's arrival to the last answer sent (bench: is the fleet keeping its 500 ms?). */
  lastAnswerDelayMs(): number;
}

/** What the bench reads: probes heard, and when the last one came and the last answer left. */
interface Counters {
  probes: number;
  lastProbeAt: number;
  lastSentAt: number;
}

/**
 * One shared multicast listener (1,000 sockets each joined to the group would
 * multiply every probe a thousandfold in the kernel) and one unicast socket per
 * device, bound to the device's own address so answers come from it.
 */
export async function startWsdResponders(devices: DiscoverableDevice[], opts: WsdResponderOptions = {}): Promise<WsdResponders> {
  const port = opts.port ?? 3702;
  const maxDelay = opts.maxDelayMs ?? 500;
  const running = new Map<string, Running>();
  for (const device of devices) running.set(device.address, await openDevice(device));
  const counters: Counters = { probes: 0, lastProbeAt: 0, lastSentAt: 0 };
  const hub = await openHub(port, (probe, rinfo) => answerProbe(running.values(), probe, rinfo, counters, maxDelay));
  const send = (r: Running, xml: string) => new Promise<void>((resolve) => r.socket.send(Buffer.from(xml), port, GROUP, () => resolve()));
  // Hello on joining the network, as devices do at boot.
  for (const r of running.values()) if (r.device.multicast !== false) await send(r, helloXml(r.device));

  const stopOne = async (r: Running) => {
    if (r.stopped) return;
    r.stopped = true;
    for (const t of r.timers) clearTimeout(t);
    if (r.device.multicast !== false) await send(r, byeXml(r.device));
    r.socket.close();
  };
  return {
    async stopDevice(address) {
      const r = running.get(address);
      if (r) await stopOne(r);
    },
    async stop() {
      await Promise.all([...running.values()].map(stopOne));
      hub.close();
    },
    probes: () => counters.probes,
    lastAnswerDelayMs: () => Math.max(0, counters.lastSentAt - counters.lastProbeAt),
  };
}

async function openDevice(device: DiscoverableDevice): Promise<Running> {
  if (!device.address.startsWith('127.')) throw new Error(`sim discovery binds to loopback only, got ${device.address}`);
  const socket = dgram.createSocket({ type: 'udp4' });
  await bindUdp(socket, 0, device.address);
  socket.on('error', () => undefined);
  socket.setMulticastInterface('127.0.0.1');
  socket.setMulticastTTL(1);
  return { device, socket, timers: new Set(), stopped: false };
}

type Probe = NonNullable<ReturnType<typeof readProbe>>;

/**
 * The multicast listener: each wanted Probe once. SOAP-over-UDP: a retransmitted Probe carries the same MessageID.
 * The hub hears every device's Hello too (multicast loops back): with 1,000 devices booting at once the default
 * buffer would be full when the probe comes.
 */
async function openHub(port: number, onProbe: (probe: Probe, rinfo: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const hub = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 * 1024 * 1024 });
  await bindUdp(hub, port);
  hub.on('error', () => undefined);
  hub.addMembership(GROUP, '127.0.0.1');
  const answered = new Set<string>();
  hub.on('message', (msg, rinfo) => {
    const probe = readProbe(msg.toString('utf8'));
    if (!probe?.wanted) return;
    if (answered.has(probe.messageId)) return;
    if (answered.size > 1000) answered.clear();
    answered.add(probe.messageId);
    onProbe(probe, rinfo);
  });
  return hub;
}

/** Every device that heeds multicast answers from its own address after a random 0–maxDelay ms. */
function answerProbe(running: Iterable<Running>, probe: Probe, rinfo: dgram.RemoteInfo, counters: Counters, maxDelay: number): void {
  counters.probes++;
  counters.lastProbeAt = performance.now();
  for (const r of running) {
    if (r.stopped || r.device.multicast === false) continue;
    const t = setTimeout(() => {
      r.timers.delete(t);
      if (r.stopped) return;
      const buf = Buffer.from(probeMatchXml(r.device, probe.messageId));
      r.socket.send(buf, rinfo.port, rinfo.address);
      counters.lastSentAt = performance.now();
    }, Math.random() * maxDelay);
    r.timers.add(t);
  }
}
