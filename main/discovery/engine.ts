import { performance } from 'node:perf_hooks';
import { lookup } from 'node:dns/promises';
import pLimit from 'p-limit';
import type { Clock } from '../../common/clock';
import type { Diagnostic, ScanState } from '../../common/contract/devices';
import type { InventoryDevice } from '../../common/domain/device';
import { Inventory, type Observation } from '../../common/discovery/inventory';
import { inNetwork, isIpv4, parseRange } from '../../common/discovery/net';
import type { Logger } from '../core/log';
import { getSystemDateAndTime, httpAlive } from './onvif-probe';
import { mxForWindow } from '../../common/discovery/ssdp';
import { DhipClient } from './dhip-client';
import { SsdpClient } from './ssdp-client';
import type { AdapterNet, DiscoverySink } from './types';
import { WsdClient } from './wsd-client';

/**
 * Seam for credentials (sync/cases features): given a row with an XAddr, return
 * what GetDeviceInformation says (manufacturer, model, firmware, serial).
 * Undefined when no credentials are known for it.
 */
export type Enricher = (device: InventoryDevice) => Promise<Partial<Pick<Observation, 'manufacturer' | 'model' | 'firmware' | 'serial' | 'mac'>> | undefined>;

export const FACTORY_DEFAULTS = ['192.168.1.108', '192.168.1.64', '192.0.0.64'] as const;
export const DEFAULT_ONVIF_PORTS = [80, 8000, 8080, 8899];
const ONVIF_PATH = '/onvif/device_service';
const MAX_DIAGNOSTICS = 500;
const DIAG_RATE = 50;
/** Scans a multicast-found row may miss before it shows offline: one lost datagram is not a departure. */
const MISSED_SCANS_OFFLINE = 2;

export interface EngineOptions {
  interfaces: AdapterNet[];
  clock: Clock;
  log?: Logger;
  wsdPort?: number;
  ssdpPort?: number;
  dhipPort?: number;
  /** Listen for Hello/Bye (long-running app); the CLI's one-shot scan does not need it. */
  listen?: boolean;
  /** Ask each new ONVIF device for its clock (skew). Benches turn it off. */
  probeClock?: boolean;
  onvifPorts?: number[];
  sweepConcurrency?: number;
  hostTimeoutMs?: number;
  /** One deadline for a whole SSDP description fetch (headers and body). */
  descriptionTimeoutMs?: number;
  enrich?: Enricher;
  /** Coalescing window for change batches; bounds the renderer's event rate. */
  flushMs?: number;
  onChange?(devices: InventoryDevice[], removed: string[], meta: { firstReceivedAt?: number }): void;
  onDiagnostic?(d: Diagnostic): void;
  onScanState?(s: ScanState): void;
}

/** WS-Discovery + SSDP + sweeps on the chosen adapters, folded into one inventory. Usable without the app (CLI, bench). */
export class DiscoveryEngine {
  readonly inventory = new Inventory();
  private wsd: WsdClient[] = [];
  private ssdp: SsdpClient[] = [];
  private dhip: DhipClient[] = [];
  private readonly diags: Diagnostic[] = [];
  private readonly missed = new Map<string, number>();
  private seenThisScan: Set<string> | undefined;
  private pending = new Map<string, InventoryDevice>();
  private pendingRemoved: string[] = [];
  private firstReceivedAt: number | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private batchStartedAt = 0;
  private readonly clockLimit = pLimit(16);
  private readonly clockAsked = new Set<string>();
  private scanning: Promise<InventoryDevice[]> | undefined;
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly opts: EngineOptions) {}

  get adapters(): AdapterNet[] {
    return this.opts.interfaces;
  }

  private readonly sink: DiscoverySink = {
    observe: (o, receivedAt) => this.observe(o, receivedAt),
    bye: (endpoint, address) => {
      const row = this.inventory.findByEndpoint(endpoint);
      if (!row) return;
      if (!row.addresses.includes(address)) {
        this.diagnostic({ protocol: 'ws-discovery', source: address, reason: 'host-mismatch', action: 'dropped', detail: `Bye for ${endpoint.slice(0, 60)} from an address the device never used` });
        return;
      }
      for (const d of this.inventory.setOffline((d) => d.id === row.id)) this.queue(d);
    },
    diagnostic: (d) => this.diagnostic(d),
  };

  async start(): Promise<void> {
    for (const adapter of this.opts.interfaces) {
      const w = new WsdClient({ adapter, sink: this.sink, clock: this.opts.clock, listen: this.opts.listen ?? true, ...(this.opts.wsdPort ? { port: this.opts.wsdPort } : {}) });
      const s = new SsdpClient({ adapter, sink: this.sink, clock: this.opts.clock, ...(this.opts.descriptionTimeoutMs ? { descriptionTimeoutMs: this.opts.descriptionTimeoutMs } : {}), ...(this.opts.ssdpPort ? { port: this.opts.ssdpPort } : {}) });
      try {
        await w.start();
        this.wsd.push(w);
      } catch (err) {
        this.opts.log?.warn('WS-Discovery unavailable on adapter', { adapter: adapter.address, error: String(err) });
      }
      try {
        await s.start();
        this.ssdp.push(s);
      } catch (err) {
        this.opts.log?.warn('SSDP unavailable on adapter', { adapter: adapter.address, error: String(err) });
      }
      const d = new DhipClient({ adapter, sink: this.sink, clock: this.opts.clock, ...(this.opts.dhipPort ? { port: this.opts.dhipPort } : {}) });
      try {
        await d.start();
        this.dhip.push(d);
      } catch (err) {
        this.opts.log?.warn('DHIP unavailable on adapter', { adapter: adapter.address, error: String(err) });
      }
    }
  }

  /** Multicasts the probes and resolves with the inventory once the listen window closes. */
  scan(timeoutMs = 3000): Promise<InventoryDevice[]> {
    // A second click while a scan runs joins it rather than doubling the traffic.
    this.scanning ??= this.runScan(timeoutMs).finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async runScan(timeoutMs: number): Promise<InventoryDevice[]> {
    this.opts.onScanState?.({ state: 'scanning' });
    this.seenThisScan = new Set();
    // UDP is lossy (Wi-Fi above all): every probe goes out three times inside the window (0 s, 1 s, 2 s for 3 s).
    const mx = mxForWindow(timeoutMs);
    const sendAll = (repeat: boolean) => {
      for (const w of this.wsd) w.probe(repeat);
      for (const s of this.ssdp) s.search(mx, repeat);
      for (const d of this.dhip) d.probe(repeat);
    };
    const repeats = [Math.min(1000, timeoutMs / 3), Math.min(2000, (2 * timeoutMs) / 3)].map((at) => setTimeout(() => sendAll(true), at));
    sendAll(false);
    await new Promise((r) => setTimeout(r, timeoutMs));
    for (const t of repeats) clearTimeout(t);
    const seen = this.seenThisScan;
    this.seenThisScan = undefined;
    for (const d of this.inventory.list()) {
      if (seen.has(d.id) || !d.online || !d.protocols.some((p) => p === 'ws-discovery' || p === 'ssdp' || p === 'dhip')) {
        this.missed.delete(d.id);
        continue;
      }
      const n = (this.missed.get(d.id) ?? 0) + 1;
      this.missed.set(d.id, n);
      if (n >= MISSED_SCANS_OFFLINE) for (const x of this.inventory.setOffline((x) => x.id === d.id)) this.queue(x);
    }
    this.flush();
    this.opts.onScanState?.({ state: 'idle' });
    return this.list();
  }

  list(): InventoryDevice[] {
    return this.inventory.list();
  }

  /** Waits for follow-up requests (clock, enrichment) started by sightings so far; the CLI prints after this. */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    this.flush();
  }

  diagnostics(): Diagnostic[] {
    return [...this.diags];
  }

  observe(o: Observation, receivedAt = performance.now()): void {
    const change = this.inventory.observe(o);
    for (const c of change.conflicts) this.diagnostic({ protocol: o.protocol, source: o.address, reason: 'conflict', action: 'flagged', detail: c });
    this.pendingRemoved.push(...change.removed);
    for (const id of change.removed) this.pending.delete(id);
    for (const d of change.changed) {
      this.seenThisScan?.add(d.id);
      this.missed.delete(d.id);
      this.queue(d, receivedAt);
      if (this.opts.probeClock !== false && d.xaddrs.length > 0 && !this.clockAsked.has(d.id)) {
        this.clockAsked.add(d.id);
        const task: Promise<void> = this.clockLimit(() => this.checkClock(d.id)).finally(() => this.tasks.delete(task));
        this.tasks.add(task);
      }
    }
  }

  private async checkClock(id: string): Promise<void> {
    const row = this.inventory.get(id);
    const xaddr = row?.xaddrs[0];
    if (!row || !xaddr) return;
    const t = await getSystemDateAndTime(xaddr, () => this.opts.clock.now(), this.opts.hostTimeoutMs ?? 2000);
    const address = row.addresses[0] ?? '';
    if (t) this.observe({ protocol: row.protocols[0] ?? 'ws-discovery', address, at: this.opts.clock.now(), clockSkewMs: t.clockSkewMs });
    await this.enrich(id);
  }

  /** Enriches the rows behind this XAddr again (credentials for it became known). */
  async reenrich(xaddr: string): Promise<void> {
    const ids = this.inventory.list().filter((d) => d.xaddrs.includes(xaddr)).map((d) => d.id);
    for (const id of ids) await this.enrich(id);
    this.flush();
  }

  private async enrich(id: string): Promise<void> {
    const row = this.inventory.get(id);
    if (!row || !this.opts.enrich) return;
    try {
      const info = await this.opts.enrich(row);
      if (info) this.observe({ protocol: 'manual', address: row.addresses[0] ?? '', at: this.opts.clock.now(), ...info });
    } catch (err) {
      this.opts.log?.info('enrichment failed', { id, error: String(err) });
    }
  }

  private queue(d: InventoryDevice, receivedAt?: number): void {
    const now = performance.now();
    if (this.pending.size === 0) this.batchStartedAt = now;
    this.pending.set(d.id, d);
    if (receivedAt !== undefined && this.firstReceivedAt === undefined) this.firstReceivedAt = receivedAt;
    const window = this.opts.flushMs ?? 10;
    // Under a burst the timer may be starved by queued datagrams; flushing on age
    // keeps the first row of a batch from waiting behind the rest.
    if (now - this.batchStartedAt >= window) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), window);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0 && this.pendingRemoved.length === 0) return;
    const devices = [...this.pending.values()].map((d) => ({ ...d, addresses: [...d.addresses], xaddrs: [...d.xaddrs], protocols: [...d.protocols], flags: [...d.flags] }));
    const removed = this.pendingRemoved;
    const meta = this.firstReceivedAt === undefined ? {} : { firstReceivedAt: this.firstReceivedAt };
    this.pending = new Map();
    this.pendingRemoved = [];
    this.firstReceivedAt = undefined;
    this.opts.onChange?.(devices, removed, meta);
  }

  private diagWindowStart = 0;
  private diagInWindow = 0;
  private diagSuppressed = 0;

  /**
   * Kept (ring of 500) and streamed, at most DIAG_RATE per second: a device
   * spraying junk must not turn into a flood of renderer events. The overflow
   * is summarised once the second is over.
   */
  private diagnostic(d: Omit<Diagnostic, 'at'>): void {
    const now = this.opts.clock.now();
    const full: Diagnostic = { ...d, at: now };
    if (now - this.diagWindowStart >= 1000) {
      if (this.diagSuppressed > 0) {
        const summary: Diagnostic = { at: now, protocol: d.protocol, source: '(several)', reason: 'malformed', action: 'dropped', detail: `${this.diagSuppressed} more diagnostics in the last second were not shown` };
        this.diagSuppressed = 0;
        this.push(summary);
      }
      this.diagWindowStart = now;
      this.diagInWindow = 0;
    }
    if (++this.diagInWindow > DIAG_RATE) {
      this.diagSuppressed++;
      return;
    }
    this.push(full);
  }

  private push(d: Diagnostic): void {
    this.diags.push(d);
    if (this.diags.length > MAX_DIAGNOSTICS) this.diags.splice(0, this.diags.length - MAX_DIAGNOSTICS);
    this.opts.onDiagnostic?.(d);
  }

  private insideAdapters(ip: string): boolean {
    return this.opts.interfaces.some((a) => inNetwork(ip, a));
  }

  /**
   * One host, unicast: ONVIF GetSystemDateAndTime on the usual ports, else an
   * HTTP check. Reaches devices that ignore multicast or sit on another subnet.
   */
  async probeHost(host: string, ports: number[], protocol: 'sweep' | 'manual'): Promise<InventoryDevice | undefined> {
    const timeout = this.opts.hostTimeoutMs ?? 1500;
    // DHIP unicast alongside ONVIF: a Dahua device not initialised yet answers only DHIP.
    const dhip = this.dhipFor(host)?.probeHost(host, timeout) ?? Promise.resolve(false);
    const row = await this.probeOnvif(host, ports, protocol, timeout);
    if (row) return row;
    if (await dhip) {
      this.flush();
      return this.inventory.list().find((d) => d.addresses.includes(host));
    }
    return this.probeHttp(host, ports, protocol, timeout);
  }

  private dhipFor(host: string): DhipClient | undefined {
    return this.dhip.find((d) => d.adapterContains(host)) ?? this.dhip[0];
  }

  private async probeOnvif(host: string, ports: number[], protocol: 'sweep' | 'manual', timeout: number): Promise<InventoryDevice | undefined> {
    for (const port of ports) {
      const xaddr = `http://${host}${port === 80 ? '' : `:${port}`}${ONVIF_PATH}`;
      const t = await getSystemDateAndTime(xaddr, () => this.opts.clock.now(), timeout);
      if (!t) continue;
      const change = this.inventory.observe({ protocol, address: host, at: this.opts.clock.now(), xaddrs: [xaddr], clockSkewMs: t.clockSkewMs, types: ['tds:Device'] });
      for (const d of change.changed) this.queue(d, performance.now());
      this.pendingRemoved.push(...change.removed);
      const row = change.changed[0];
      if (row) await this.enrich(row.id);
      this.flush();
      return row ? this.inventory.get(row.id) : undefined;
    }
    return undefined;
  }

  private async probeHttp(host: string, ports: number[], protocol: 'sweep' | 'manual', timeout: number): Promise<InventoryDevice | undefined> {
    const web = await httpAlive(host, ports[0] ?? 80, timeout);
    if (!web) return undefined;
    const change = this.inventory.observe({ protocol, address: host, at: this.opts.clock.now(), types: web.server ? [web.server] : [], flags: ['answers HTTP but not ONVIF'] });
    for (const d of change.changed) this.queue(d, performance.now());
    this.flush();
    return change.changed[0];
  }

  async sweep(range: string, ports = this.opts.onvifPorts ?? DEFAULT_ONVIF_PORTS): Promise<{ probed: number; found: number }> {
    const parsed = parseRange(range);
    if (!parsed.ok) throw new Error(parsed.reason);
    const hosts = parsed.cidr.hosts();
    const limit = pLimit(this.opts.sweepConcurrency ?? 64);
    let done = 0;
    let found = 0;
    this.opts.onScanState?.({ state: 'sweeping', done, total: hosts.length });
    let lastReport = 0;
    await Promise.all(
      hosts.map((h) =>
        limit(async () => {
          if (await this.probeHost(h, ports, 'sweep')) found++;
          done++;
          const now = Date.now();
          if (now - lastReport > 100 || done === hosts.length) {
            lastReport = now;
            this.opts.onScanState?.({ state: 'sweeping', done, total: hosts.length });
          }
        }),
      ),
    );
    this.opts.onScanState?.({ state: 'idle' });
    return { probed: hosts.length, found };
  }

  /** Manual add by IPv4 or host name (resolved once; the row keeps the IP). */
  async addManual(host: string, port?: number): Promise<InventoryDevice | undefined> {
    let ip = host;
    if (!isIpv4(host)) {
      try {
        ip = (await lookup(host, { family: 4 })).address;
      } catch {
        this.diagnostic({ protocol: 'manual', source: host, reason: 'unreachable', action: 'dropped', detail: 'host name does not resolve' });
        return undefined;
      }
    }
    const ports = port ? [port] : (this.opts.onvifPorts ?? DEFAULT_ONVIF_PORTS);
    const row = await this.probeHost(ip, ports, 'manual');
    if (!row) this.diagnostic({ protocol: 'manual', source: `${ip}${port ? `:${port}` : ''}`, reason: 'unreachable', action: 'dropped', detail: 'no ONVIF or HTTP answer' });
    else if (!this.insideAdapters(ip)) {
      // Reachable through a router: fine for unicast, but worth telling the technician why multicast missed it.
      const flag = 'outside the chosen adapters\' networks (routed)';
      if (!row.flags.includes(flag)) row.flags.push(flag);
    }
    return row;
  }

  async checkFactoryDefaults(): Promise<{ probed: string[]; found: InventoryDevice[] }> {
    const found = (await Promise.all(FACTORY_DEFAULTS.map((ip) => this.probeHost(ip, [80], 'sweep')))).filter((d): d is InventoryDevice => !!d);
    return { probed: [...FACTORY_DEFAULTS], found };
  }

  stop(): void {
    for (const w of this.wsd) w.stop();
    for (const s of this.ssdp) s.stop();
    for (const d of this.dhip) d.stop();
    this.wsd = [];
    this.ssdp = [];
    this.dhip = [];
    this.flush();
  }
}
