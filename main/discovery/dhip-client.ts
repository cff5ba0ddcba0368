import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { buildDhipSearch, DHIP_GROUP, DHIP_PORT, isDhipRecorder, parseDhipMessage } from '../../common/discovery/dhip';
import { inNetwork, intToIp, ipToInt, prefixToMask } from '../../common/discovery/net';
import type { Clock } from '../../common/clock';
import { bindUdp, describeSource, type AdapterNet, type DiscoverySink } from './types';

export interface DhipOptions {
  adapter: AdapterNet;
  sink: DiscoverySink;
  clock: Clock;
  /** The group port (37810); tests and benches move it off the well-known one. */
  port?: number;
}

const RECV_BUFFER = 4 * 1024 * 1024;
/** One device answers each probe on two paths (multicast and broadcast) and each repeat: one row update is enough. */
const DUPLICATE_MS = 5000;
/** A unicast probe (sweep, manual add) makes that host's answer welcome even from outside the adapter's network. */
const SOLICITED_MS = 10_000;

/** The adapter's directed broadcast (127.255.255.255 for 127.0.0.1/8: it stays on loopback). */
export function broadcastOf(net: AdapterNet): string | undefined {
  if (net.prefix >= 31) return undefined;
  const mask = prefixToMask(net.prefix);
  return intToIp(((ipToInt(net.address) & mask) | (~mask >>> 0)) >>> 0);
}

/**
 * DHIP discovery on one adapter (Dahua family, DOMAIN.md). The prober socket is
 * bound to the adapter's address with its multicast interface set, so the
 * search cannot leave on another adapter; some firmwares answer to the
 * prober's port, others to the multicast group on 37810, so a second socket
 * listens there.
 */
export class DhipClient {
  private prober?: dgram.Socket;
  private listener?: dgram.Socket;
  private requestId = Math.floor(Math.random() * 0x7fff_0000) + 1;
  private readonly port: number;
  private readonly recent = new Map<string, { body: string; at: number }>();
  private readonly solicited = new Map<string, number>();
  private readonly waiters = new Map<string, Set<(found: boolean) => void>>();

  constructor(private readonly opts: DhipOptions) {
    this.port = opts.port ?? DHIP_PORT;
  }

  async start(): Promise<void> {
    const { address } = this.opts.adapter;
    const prober = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
    prober.on('error', (err) => this.opts.sink.diagnostic({ protocol: 'dhip', source: address, reason: 'unreachable', action: 'flagged', detail: `probe socket: ${err.message}` }));
    prober.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    await bindUdp(prober, 0, address);
    prober.setMulticastInterface(address);
    prober.setMulticastTTL(1);
    prober.setBroadcast(true);
    this.prober = prober;

    // Bound to the group address where the OS allows it (Linux, macOS): it then hears group answers
    // only, and never swallows a unicast search meant for this machine's own DHIP port. Elsewhere
    // (Windows) a socket on the wildcard address.
    let lastError: unknown;
    for (const bindTo of [DHIP_GROUP, undefined]) {
      const listener = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: RECV_BUFFER });
      listener.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
      try {
        await bindUdp(listener, this.port, bindTo);
        listener.addMembership(DHIP_GROUP, address);
        listener.on('error', () => undefined);
        this.listener = listener;
        return;
      } catch (err) {
        lastError = err;
        listener.close();
      }
    }
    // Answers to the prober's port still arrive; only group-answering firmwares are missed.
    this.opts.sink.diagnostic({ protocol: 'dhip', source: `${address}:${this.port}`, reason: 'unreachable', action: 'flagged', detail: `cannot listen on the DHIP group port: ${String((lastError as Error).message)}` });
  }

  /** Multicast and the adapter's broadcast; repeats reuse the request id (the same question asked again). */
  probe(repeat = false): void {
    const s = this.prober;
    if (!s) return;
    const now = this.opts.clock.now();
    if (!repeat) {
      this.requestId = (this.requestId % 0x7fff_ffff) + 1;
      // A new scan: every answer counts as a sighting again (missed scans mark rows offline).
      this.recent.clear();
    }
    for (const [k, v] of this.recent) if (now - v.at > DUPLICATE_MS) this.recent.delete(k);
    const frame = buildDhipSearch(this.requestId);
    s.send(frame, this.port, DHIP_GROUP);
    const bcast = broadcastOf(this.opts.adapter);
    if (bcast) s.send(frame, this.port, bcast);
  }

  adapterContains(ip: string): boolean {
    return inNetwork(ip, this.opts.adapter);
  }

  /**
   * Unicast search to one host (sweep, manual add): true when it answers within
   * the time. The search leaves from the prober (answers come back there or to
   * the group, from whatever port the firmware uses); a second copy from a
   * socket connected to the host only listens for "port unreachable", so a
   * host without DHIP (a PC, a printer) costs milliseconds, not the timeout.
   */
  probeHost(ip: string, timeoutMs: number): Promise<boolean> {
    const s = this.prober;
    if (!s) return Promise.resolve(false);
    this.solicited.set(ip, this.opts.clock.now() + SOLICITED_MS);
    // A fresh question: the host's answer must reach the row even if it answered a scan a moment ago.
    this.recent.delete(ip);
    const frame = buildDhipSearch(this.requestId);
    return new Promise((resolve) => {
      let set = this.waiters.get(ip);
      if (!set) this.waiters.set(ip, (set = new Set()));
      const probe = dgram.createSocket('udp4');
      let finished = false;
      const done = (found: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(ip);
        probe.close();
        resolve(found);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(done);
      // ECONNREFUSED: the host said no one listens on its DHIP port.
      probe.on('error', () => done(false));
      probe.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
      s.send(frame, this.port, ip, (err) => {
        if (err) done(false);
      });
      probe.bind(0, this.opts.adapter.address, () => {
        if (!finished) probe.connect(this.port, ip, () => (finished ? undefined : probe.send(frame)));
      });
    });
  }

  private isSolicited(ip: string): boolean {
    const until = this.solicited.get(ip);
    if (until === undefined) return false;
    if (until >= this.opts.clock.now()) return true;
    this.solicited.delete(ip);
    return false;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const receivedAt = performance.now();
    const { sink, adapter, clock } = this.opts;
    const source = describeSource(rinfo.address, rinfo.port);
    const drop = (reason: 'malformed' | 'oversized' | 'off-network', detail: string) => sink.diagnostic({ protocol: 'dhip', source, reason, action: 'dropped', detail });
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const parsed = parseDhipMessage(bytes);
    if (!parsed.ok) return drop(parsed.reason.startsWith('oversized') ? 'oversized' : 'malformed', parsed.reason);
    if (parsed.value.kind === 'search') return; // ours or another tool's, looped back
    if (!inNetwork(rinfo.address, adapter) && !this.isSolicited(rinfo.address)) return drop('off-network', `sender outside ${adapter.address}/${adapter.prefix}`);
    const d = parsed.value.device;
    const body = JSON.stringify(d);
    const prev = this.recent.get(rinfo.address);
    const now = clock.now();
    const waiting = this.waiters.get(rinfo.address);
    if (waiting) for (const w of [...waiting]) w(true);
    if (prev && prev.body === body && now - prev.at < DUPLICATE_MS) return;
    this.recent.set(rinfo.address, { body, at: now });
    const flags: string[] = [];
    if (d.ipAddress && d.ipAddress !== rinfo.address) {
      // Like a rogue XAddr: the device claims an address it did not answer from.
      flags.push(`DHIP IPAddress ${d.ipAddress} differs from responder ${rinfo.address}`);
      sink.diagnostic({ protocol: 'dhip', source, reason: 'host-mismatch', action: 'flagged', detail: `IPAddress ${d.ipAddress} is not the sender` });
    }
    const types = [...(d.deviceClass ? [d.deviceClass] : []), ...(isDhipRecorder(d) ? ['recorder'] : [])];
    sink.observe(
      {
        protocol: 'dhip',
        address: rinfo.address,
        at: now,
        ...(d.serial ? { serial: d.serial } : {}),
        ...(d.mac ? { mac: d.mac } : {}),
        ...(d.model ? { model: d.model } : {}),
        ...(d.vendor ? { manufacturer: d.vendor } : {}),
        ...(d.firmware ? { firmware: d.firmware } : {}),
        ...(d.name ? { name: d.name } : {}),
        types,
        dhip: d.info,
        flags,
      },
      receivedAt,
    );
  }

  stop(): void {
    this.prober?.close();
    this.listener?.close();
    this.prober = undefined;
    this.listener = undefined;
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w(false);
  }
}
