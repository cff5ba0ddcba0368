import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import ssdp from 'node-ssdp';
import pLimit from 'p-limit';
import { inNetwork } from '../../common/discovery/net';
import { buildMSearch, parseDescription, parseSsdpHeaders, SSDP_GROUP, SSDP_PORT } from '../../common/discovery/ssdp';
import type { Clock } from '../../common/clock';
import { fetchDescription } from './describe';
import { describeSource, type AdapterNet, type DiscoverySink } from './types';

export interface SsdpOptions {
  adapter: AdapterNet;
  sink: DiscoverySink;
  clock: Clock;
  port?: number;
  descriptionTimeoutMs?: number;
}

interface NodeSsdpInternals {
  sockets: Record<string, dgram.Socket> | null;
  _createSockets(): void;
}

/**
 * node-ssdp's Client, pinned to one adapter. Left alone it opens a socket per
 * non-internal adapter bound to 0.0.0.0 and never sets the multicast interface,
 * so the M-SEARCH leaves wherever the routing table says (and finds nothing on
 * loopback, which it skips). We replace its socket factory with one socket
 * bound to the chosen address, and set the multicast interface before searching.
 */
export class SsdpClient {
  private client?: ssdp.Client;
  private socket?: dgram.Socket;
  private readonly fetched = new Set<string>();
  private readonly answered = new Set<string>();
  private readonly limit = pLimit(32);

  constructor(private readonly opts: SsdpOptions) {}

  async start(): Promise<void> {
    const { address } = this.opts.adapter;
    // CommonJS package: named ESM imports do not resolve at runtime.
    const client = new ssdp.Client({
      ssdpPort: this.opts.port ?? SSDP_PORT,
      ssdpTtl: 1,
      explicitSocketBind: true,
      reuseAddr: false,
      customLogger: () => undefined,
    });
    const internals = client as unknown as NodeSsdpInternals;
    internals._createSockets = function (this: NodeSsdpInternals) {
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: false, recvBufferSize: 4 * 1024 * 1024 });
      this.sockets = { [address]: s };
    };
    client.on('response', (headers, _status, rinfo) => this.onResponse(headers as Record<string, unknown>, rinfo));
    await client.start();
    const socket = internals.sockets?.[address];
    if (!socket) throw new Error('node-ssdp did not open its socket');
    socket.setMulticastInterface(address);
    this.socket = socket;
    this.client = client;
  }

  /**
   * M-SEARCH with an MX that fits the listening window (node-ssdp always sends
   * MX 3: a device that waited its allowed 2.3 s was missed by a 1 s scan).
   * A repeat keeps the descriptions already fetched in this scan.
   */
  search(mx: number, repeat = false): void {
    if (!this.socket) return;
    if (!repeat) {
      this.fetched.clear();
      this.answered.clear();
    }
    const port = this.opts.port ?? SSDP_PORT;
    // Some devices answer only upnp:rootdevice, others only ssdp:all.
    for (const st of ['ssdp:all', 'upnp:rootdevice']) this.socket.send(Buffer.from(buildMSearch(st, mx, port)), port, SSDP_GROUP);
  }

  private onResponse(headers: Record<string, unknown>, rinfo: dgram.RemoteInfo): void {
    const receivedAt = performance.now();
    const { sink, adapter, clock } = this.opts;
    const source = describeSource(rinfo.address, rinfo.port);
    if (!inNetwork(rinfo.address, adapter)) {
      return sink.diagnostic({ protocol: 'ssdp', source, reason: 'off-network', action: 'dropped', detail: `sender outside ${adapter.address}/${adapter.prefix}` });
    }
    const parsed = parseSsdpHeaders(headers);
    if (!parsed.ok) return sink.diagnostic({ protocol: 'ssdp', source, reason: 'malformed', action: 'dropped', detail: parsed.reason });
    const a = parsed.value;
    const host = new URL(a.location).hostname;
    if (host !== rinfo.address) {
      return sink.diagnostic({ protocol: 'ssdp', source, reason: host && inNetwork(host, adapter) ? 'host-mismatch' : 'off-network', action: 'dropped', detail: `LOCATION ${a.location.slice(0, 100)} does not point at the responder` });
    }
    // The same answer again (the other search target, a repeat round) adds nothing to the row.
    const fingerprint = `${rinfo.address} ${a.location} ${a.serial ?? ''} ${a.uuid ?? ''} ${a.server ?? ''}`;
    if (this.answered.has(fingerprint)) return;
    if (this.answered.size > 10_000) this.answered.clear();
    this.answered.add(fingerprint);
    sink.observe({ protocol: 'ssdp', address: rinfo.address, at: clock.now(), ...(a.serial ? { serial: a.serial } : {}), ...(a.uuid ? { udn: a.uuid } : {}), ...(a.server ? { types: [a.server] } : {}) }, receivedAt);
    if (this.fetched.has(a.location)) return;
    this.fetched.add(a.location);
    void this.limit(() => this.describe(a.location, rinfo.address, source, a.serial));
  }

  private async describe(location: string, responder: string, source: string, usnSerial?: string): Promise<void> {
    const { sink, adapter, clock } = this.opts;
    const res = await fetchDescription(location, { responder, adapter, timeoutMs: this.opts.descriptionTimeoutMs ?? 3000 });
    if (!res.ok) return sink.diagnostic({ protocol: 'ssdp', source: location.slice(0, 200), reason: res.reason, action: 'dropped', detail: res.detail });
    const d = parseDescription(res.body);
    if (!d.ok) return sink.diagnostic({ protocol: 'ssdp', source: location.slice(0, 200), reason: d.reason.startsWith('oversized') ? 'oversized' : 'malformed', action: 'dropped', detail: d.reason });
    const v = d.value;
    const flags: string[] = [];
    if (usnSerial && v.serialNumber && usnSerial.toUpperCase() !== v.serialNumber.toUpperCase()) {
      flags.push(`USN serial ${usnSerial} differs from description serial ${v.serialNumber}`);
      sink.diagnostic({ protocol: 'ssdp', source, reason: 'conflict', action: 'flagged', detail: flags[0]! });
    }
    let presentationUrl: string | undefined;
    if (v.presentationURL) {
      try {
        presentationUrl = new URL(v.presentationURL, res.url).toString();
      } catch {
        presentationUrl = undefined;
      }
    }
    sink.observe({
      protocol: 'ssdp',
      address: responder,
      at: clock.now(),
      // The USN serial is what matched the row; the description's goes in only when they agree.
      ...((usnSerial ?? v.serialNumber) ? { serial: usnSerial ?? v.serialNumber } : {}),
      ...(v.udn ? { udn: v.udn } : {}),
      ...(v.manufacturer ? { manufacturer: v.manufacturer } : {}),
      ...(v.modelName ? { model: v.modelName } : {}),
      ...(v.friendlyName ? { name: v.friendlyName } : {}),
      ...(presentationUrl ? { presentationUrl } : {}),
      types: v.deviceType ? [v.deviceType] : [],
      flags,
    });
  }

  stop(): void {
    try {
      this.client?.stop();
    } catch {
      // Already closed.
    }
    this.client = undefined;
    this.socket = undefined;
  }
}
