import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { buildProbe, isChipName, parseScopes, parseWsdMessage, WSD_GROUP, WSD_PORT, type WsdEndpoint } from '../../common/discovery/wsd';
import { inNetwork, urlIpv4Host } from '../../common/discovery/net';
import type { Clock } from '../../common/clock';
import { bindUdp, describeSource, type AdapterNet, type DiscoverySink } from './types';

export interface WsdOptions {
  adapter: AdapterNet;
  sink: DiscoverySink;
  clock: Clock;
  /** Tests and benches may move the well-known port to avoid other sites on the same loopback. */
  port?: number;
  /** Listen for Hello/Bye on the well-known port (the app does; the CLI's one-shot scan need not). */
  listen?: boolean;
}

/** How long a Probe's MessageID stays acceptable in RelatesTo: devices answer within 500 ms, slow ones later. */
const PROBE_MEMORY_MS = 60_000;
/** Capped by net.core.rmem_max; the kernel silently clamps larger requests. */
const RECV_BUFFER = 4 * 1024 * 1024;

/**
 * WS-Discovery on one adapter. The probe socket is bound to the adapter's
 * address and its multicast interface is set explicitly, so the probe cannot
 * leave on another adapter (the classic multi-NIC failure); ProbeMatches come
 * back unicast to that same socket.
 */
export class WsdClient {
  private probeSocket?: dgram.Socket;
  private listenSocket?: dgram.Socket;
  private readonly sent = new Map<string, number>();
  private readonly port: number;
  /** Endpoint as last reported per responder in this scan: a repeat round's identical answer changes nothing. */
  private readonly recent = new Map<string, string>();

  constructor(private readonly opts: WsdOptions) {
    this.port = opts.port ?? WSD_PORT;
  }

  async start(): Promise<void> {
    const { address } = this.opts.adapter;
    // A thousand devices answer within 500 ms; the default 208 KiB buffer drops most of them.
    const probe = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
    probe.on('error', (err) => this.opts.sink.diagnostic({ protocol: 'ws-discovery', source: address, reason: 'unreachable', action: 'flagged', detail: `probe socket: ${err.message}` }));
    probe.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, 'probe'));
    await bindUdp(probe, 0, address);
    probe.setMulticastInterface(address);
    // TTL 1: discovery is for the technician's own segment; routers must not forward it.
    probe.setMulticastTTL(1);
    this.probeSocket = probe;
    if (this.opts.listen !== false) await this.startListener();
  }

  private async startListener(): Promise<void> {
    const { address } = this.opts.adapter;
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: RECV_BUFFER });
    s.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, 'listen'));
    try {
      await bindUdp(s, this.port);
      s.addMembership(WSD_GROUP, address);
      s.on('error', () => undefined);
      this.listenSocket = s;
    } catch (err) {
      s.close();
      // Hello/Bye are a bonus; scans still work through the probe socket.
      this.opts.sink.diagnostic({ protocol: 'ws-discovery', source: `${address}:${this.port}`, reason: 'unreachable', action: 'flagged', detail: `cannot listen for Hello/Bye: ${String((err as Error).message)}` });
    }
  }

  /**
   * Each round is a fresh Probe (new MessageID), not a SOAP-over-UDP
   * retransmission: devices ignore a repeated MessageID, so only a fresh probe
   * recovers a lost *answer*, which is the common loss (a thousand answers
   * arrive in half a second). Repeated sightings are folded below.
   */
  probe(repeat = false): void {
    if (!this.probeSocket) return;
    const now = this.opts.clock.now();
    for (const [id, t] of this.sent) if (now - t > PROBE_MEMORY_MS) this.sent.delete(id);
    if (!repeat) this.recent.clear();
    const id = `urn:uuid:${randomUUID()}`;
    this.sent.set(id, now);
    const buf = Buffer.from(buildProbe(id));
    this.probeSocket.send(buf, this.port, WSD_GROUP);
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo, via: 'probe' | 'listen'): void {
    const receivedAt = performance.now();
    const { sink, adapter } = this.opts;
    const source = describeSource(rinfo.address, rinfo.port);
    const drop = (reason: 'malformed' | 'oversized' | 'unsolicited' | 'off-network', detail: string) =>
      sink.diagnostic({ protocol: 'ws-discovery', source, reason, action: 'dropped', detail });
    if (!inNetwork(rinfo.address, adapter)) return drop('off-network', `sender outside ${adapter.address}/${adapter.prefix}`);
    const parsed = parseWsdMessage(msg);
    if (!parsed.ok) return drop(parsed.reason.startsWith('oversized') ? 'oversized' : 'malformed', parsed.reason);
    const m = parsed.value;
    if (m.kind === 'probe') return; // our own or another client's probe, looped back
    if (m.kind === 'probe-matches') {
      if (via !== 'probe' || !m.relatesTo || !this.sent.has(m.relatesTo)) return drop('unsolicited', `RelatesTo ${m.relatesTo?.slice(0, 60) ?? '(none)'} matches no probe we sent`);
      for (const e of m.matches) this.report(e, rinfo.address, source, receivedAt, true);
      return;
    }
    if (m.kind === 'hello') return this.report(m.endpoint, rinfo.address, source, receivedAt, false);
    this.recent.delete(rinfo.address);
    sink.bye(m.endpoint.endpoint, rinfo.address);
  }

  /** Keeps XAddrs that point at the responder; flags those that point elsewhere, drops those off the adapter's network. */
  private report(e: WsdEndpoint, address: string, source: string, receivedAt: number, match: boolean): void {
    const { sink, adapter } = this.opts;
    const fingerprint = `${e.endpoint} ${e.xaddrs.join(' ')} ${e.scopes.join(' ')} ${e.types.join(' ')}`;
    // A Hello is always news (a device back after a Bye); a repeat round's identical ProbeMatch is not.
    if (match && this.recent.get(address) === fingerprint) return;
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(address, fingerprint);
    const xaddrs: string[] = [];
    const flags: string[] = [];
    for (const x of e.xaddrs) {
      const host = urlIpv4Host(x);
      if (!host) {
        flags.push('XAddr is not an IPv4 http URL');
        sink.diagnostic({ protocol: 'ws-discovery', source, reason: 'malformed', action: 'flagged', detail: `XAddr ignored: ${x.slice(0, 100)}` });
      } else if (!inNetwork(host, adapter)) {
        flags.push(`XAddr outside the adapter's network (${host})`);
        sink.diagnostic({ protocol: 'ws-discovery', source, reason: 'off-network', action: 'flagged', detail: `XAddr ${x.slice(0, 100)} is outside ${adapter.address}/${adapter.prefix}` });
      } else if (host !== address) {
        flags.push(`XAddr host ${host} differs from responder ${address}`);
        sink.diagnostic({ protocol: 'ws-discovery', source, reason: 'host-mismatch', action: 'flagged', detail: `XAddr ${x.slice(0, 100)} points to another host` });
      } else {
        xaddrs.push(x);
      }
    }
    const scopes = parseScopes(e.scopes);
    sink.observe(
      {
        protocol: 'ws-discovery',
        address,
        at: this.opts.clock.now(),
        endpointUuid: e.endpoint,
        ...(scopes.serial ? { serial: scopes.serial } : {}),
        ...(scopes.mac ? { mac: scopes.mac } : {}),
        ...(scopes.name ? { name: scopes.name } : {}),
        ...(scopes.hardware && !isChipName(scopes.hardware) ? { model: scopes.hardware } : {}),
        ...(scopes.manufacturer ? { manufacturer: scopes.manufacturer } : {}),
        xaddrs,
        types: [...e.types, ...scopes.types],
        flags,
      },
      receivedAt,
    );
  }

  stop(): void {
    this.probeSocket?.close();
    this.listenSocket?.close();
    this.probeSocket = undefined;
    this.listenSocket = undefined;
  }
}
