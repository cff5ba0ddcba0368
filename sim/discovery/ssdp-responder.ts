import dgram from 'node:dgram';
import http from 'node:http';
import { bindUdp } from './udp';
import type { DiscoverableDevice } from './wsd-responder';

const GROUP = '239.255.255.250';
export const DESCRIPTION_PATH = '/upnp_device_desc.xml';

export interface SsdpResponderOptions {
  port?: number;
  /** Port of the description server on each device address (Dahua: 49152). */
  httpPort?: number;
  maxDelayMs?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Dahua-family UDN: the serial rides at the end (`…device_3_0-<serial>`). */
export function dahuaUdn(d: DiscoverableDevice): string {
  const hex = d.identity.mac.replace(/:/g, '');
  return `uuid:c4b6f2a0-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8)}-device_3_0-${d.identity.serialNumber}`;
}

export function descriptionXml(d: DiscoverableDevice, httpPort: number): string {
  const id = d.identity;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>` +
    `<URLBase>http://${d.address}:${httpPort}</URLBase><device>` +
    `<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>` +
    `<friendlyName>${esc(id.kind === 'nvr' ? id.model : `${id.model} (${id.name})`)}</friendlyName>` +
    `<manufacturer>${esc(id.manufacturer)}</manufacturer><manufacturerURL>http://www.dahuasecurity.com</manufacturerURL>` +
    `<modelDescription>${id.kind === 'nvr' ? 'Network Video Recorder' : 'IP Camera'}</modelDescription>` +
    `<modelName>${esc(id.model)}</modelName><modelNumber>${esc(id.model)}</modelNumber>` +
    `<serialNumber>${esc(id.serialNumber)}</serialNumber><UDN>${esc(dahuaUdn(d).split('::')[0]!)}</UDN>` +
    `<presentationURL>/</presentationURL></device></root>`
  );
}

function answer(d: DiscoverableDevice, st: string, httpPort: number): string {
  const udn = dahuaUdn(d);
  return [
    'HTTP/1.1 200 OK',
    'CACHE-CONTROL: max-age=1800',
    `DATE: ${new Date().toUTCString()}`,
    'EXT:',
    `LOCATION: http://${d.address}:${httpPort}${DESCRIPTION_PATH}`,
    'SERVER: Linux/3.10, UPnP/1.0, Dahua Upnp SDK/1.0',
    `ST: ${st}`,
    `USN: ${st === 'upnp:rootdevice' ? `${udn}::upnp:rootdevice` : udn}`,
    '',
    '',
  ].join('\r\n');
}

interface Running {
  device: DiscoverableDevice;
  socket: dgram.Socket;
  server: http.Server;
  httpPort: number;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

export interface SsdpResponders {
  stopDevice(address: string): Promise<void>;
  stop(): Promise<void>;
}

/** Dahua-style SSDP: answers M-SEARCH ssdp:all / upnp:rootdevice from the device's own address and serves its description there. */
export async function startSsdpResponders(devices: DiscoverableDevice[], opts: SsdpResponderOptions = {}): Promise<SsdpResponders> {
  const maxDelay = opts.maxDelayMs ?? 500;
  const running = await openDevices(devices, opts.httpPort ?? 49152);
  const hub = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 1024 * 1024 });
  await bindUdp(hub, opts.port ?? 1900).catch(async (e: unknown) => {
    hub.close();
    await Promise.all([...running.values()].map(stopOne));
    throw e;
  });
  hub.on('error', () => undefined);
  hub.addMembership(GROUP, '127.0.0.1');
  hub.on('message', (msg, rinfo) => answerSearch(running.values(), msg.toString('utf8'), rinfo, maxDelay));
  return {
    async stopDevice(address) {
      const r = running.get(address);
      if (r) await stopOne(r);
    },
    async stop() {
      await Promise.all([...running.values()].map(stopOne));
      hub.close();
    },
  };
}

/** Each device's description server and answering socket; one that fails stops the whole start. */
async function openDevices(devices: DiscoverableDevice[], httpPort: number): Promise<Map<string, Running>> {
  const running = new Map<string, Running>();
  try {
    for (const device of devices) {
      if (!device.address.startsWith('127.')) throw new Error(`sim discovery binds to loopback only, got ${device.address}`);
      const { server, port } = await serveDescription(device, httpPort);
      const socket = dgram.createSocket({ type: 'udp4' });
      running.set(device.address, { device, socket, server, httpPort: port, timers: new Set(), stopped: false });
      await bindUdp(socket, 0, device.address);
      socket.on('error', () => undefined);
    }
  } catch (e) {
    for (const r of running.values()) {
      r.socket.close();
      await closeServer(r.server);
    }
    throw e;
  }
  return running;
}

/**
 * The device's UPnP description on its own address. 49152 is what Dahua uses, but a leftover
 * socket on the same address must not fail the whole site: LOCATION carries whatever port we got.
 */
async function serveDescription(device: DiscoverableDevice, httpPort: number): Promise<{ server: http.Server; port: number }> {
  let body = '';
  const server = http.createServer((req, res) => {
    if (req.url !== DESCRIPTION_PATH) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml; charset="utf-8"', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, device.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(httpPort).catch((e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? listen(0) : Promise.reject(e)));
  const port = (server.address() as { port: number }).port;
  body = descriptionXml(device, port);
  return { server, port };
}

/** An M-SEARCH for everything or root devices: each device that heeds multicast answers after a random wait. */
function answerSearch(running: Iterable<Running>, text: string, rinfo: dgram.RemoteInfo, maxDelay: number): void {
  if (!text.startsWith('M-SEARCH ')) return;
  const st = /^ST:\s*(.+)$/im.exec(text)?.[1]?.trim();
  if (st !== 'ssdp:all' && st !== 'upnp:rootdevice') return;
  // UPnP: wait a random time up to MX seconds (capped by this site's delay).
  const mx = Number(/^MX:\s*(\d+)/im.exec(text)?.[1] ?? 1);
  const delay = Math.min(maxDelay, Math.max(0, mx) * 1000);
  for (const r of running) {
    if (r.stopped || r.device.multicast === false) continue;
    const t = setTimeout(() => {
      r.timers.delete(t);
      if (!r.stopped) r.socket.send(Buffer.from(answer(r.device, st, r.httpPort)), rinfo.port, rinfo.address);
    }, Math.random() * delay);
    r.timers.add(t);
  }
}

async function stopOne(r: Running): Promise<void> {
  if (r.stopped) return;
  r.stopped = true;
  for (const t of r.timers) clearTimeout(t);
  r.socket.close();
  await closeServer(r.server);
}

function closeServer(s: http.Server): Promise<void> {
  return new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });
}
