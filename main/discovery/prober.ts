import { performance } from 'node:perf_hooks';
import { lookup } from 'node:dns/promises';
import pLimit from 'p-limit';
import type { Clock } from '../../common/clock';
import type { ScanState } from '../../common/contract/devices';
import type { InventoryDevice } from '../../common/domain/device';
import type { Observation } from '../../common/discovery/inventory';
import { inNetwork, isIpv4, parseRange } from '../../common/discovery/net';
import type { Logger } from '../core/log';
import type { DhipClient } from './dhip-client';
import type { DiagnosticsLog } from './diagnostics';
import type { InventoryStore } from './inventory-store';
import { getSystemDateAndTime, httpAlive } from './onvif-probe';
import type { AdapterNet } from './types';

/**
 * Seam for credentials (sync/cases features): given a row with an XAddr, return
 * what GetDeviceInformation says (manufacturer, model, firmware, serial).
 * Undefined when no credentials are known for it.
 */
export type Enricher = (device: InventoryDevice) => Promise<Partial<Pick<Observation, 'manufacturer' | 'model' | 'firmware' | 'serial' | 'mac'>> | undefined>;

export const FACTORY_DEFAULTS = ['192.168.1.108', '192.168.1.64', '192.0.0.64'] as const;
export const DEFAULT_ONVIF_PORTS = [80, 8000, 8080, 8899];
const ONVIF_PATH = '/onvif/device_service';
const ROUTED_FLAG = "outside the chosen adapters' networks (routed)";

export interface ProberOptions {
  store: InventoryStore;
  diagnostics: DiagnosticsLog;
  clock: Clock;
  log?: Logger;
  /** The adapters discovery runs on now (they change; the prober does not). */
  adapters(): AdapterNet[];
  /** The DHIP client to ask one host by unicast, if any adapter has one. */
  dhipFor(host: string): DhipClient | undefined;
  /** Ask each new ONVIF device for its clock (skew). Benches turn it off. */
  probeClock?: boolean;
  onvifPorts?: number[];
  sweepConcurrency?: number;
  hostTimeoutMs?: number;
  enrich?: Enricher;
  onScanState?(s: ScanState): void;
}

/**
 * The one unicast side of discovery: sweeps, manual adds, factory-default
 * addresses, and the follow-ups a sighting earns (the device clock, then
 * enrichment through the credential gate). Reaches devices that ignore
 * multicast or sit on another subnet.
 */
export class UnicastProber {
  private readonly clockLimit = pLimit(16);
  private readonly clockAsked = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly o: ProberOptions) {}

  /** A row with an XAddr seen for the first time: its clock, then what proven credentials can read. */
  followUp(d: InventoryDevice): void {
    if (this.o.probeClock === false || d.xaddrs.length === 0 || this.clockAsked.has(d.id)) return;
    this.clockAsked.add(d.id);
    const task: Promise<void> = this.clockLimit(() => this.checkClock(d.id)).finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  /** Waits for follow-ups started so far; the CLI prints after this. */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  private async checkClock(id: string): Promise<void> {
    const row = this.o.store.get(id);
    const xaddr = row?.xaddrs[0];
    if (!row || !xaddr) return;
    const t = await getSystemDateAndTime(xaddr, () => this.o.clock.now(), this.o.hostTimeoutMs ?? 2000);
    if (t) this.o.store.observe({ protocol: row.protocols[0] ?? 'ws-discovery', address: row.addresses[0] ?? '', at: this.o.clock.now(), clockSkewMs: t.clockSkewMs });
    await this.enrich(id);
  }

  /** Enriches the rows behind this XAddr again (credentials for it became known). */
  async reenrich(xaddr: string): Promise<void> {
    const ids = this.o.store.list().filter((d) => d.xaddrs.includes(xaddr)).map((d) => d.id);
    for (const id of ids) await this.enrich(id);
    this.o.store.flush();
  }

  private async enrich(id: string): Promise<void> {
    const row = this.o.store.get(id);
    if (!row || !this.o.enrich) return;
    try {
      const info = await this.o.enrich(row);
      if (info) this.o.store.observe({ protocol: 'manual', address: row.addresses[0] ?? '', at: this.o.clock.now(), ...info });
    } catch (err) {
      this.o.log?.info('enrichment failed', { id, error: String(err) });
    }
  }

  /** ONVIF GetSystemDateAndTime on the usual ports and a DHIP search, in parallel; else an HTTP check. */
  async probeHost(host: string, ports: number[], protocol: 'sweep' | 'manual'): Promise<InventoryDevice | undefined> {
    const timeout = this.o.hostTimeoutMs ?? 1500;
    // A Dahua device not initialised yet answers only DHIP.
    const dhip = this.o.dhipFor(host)?.probeHost(host, timeout) ?? Promise.resolve(false);
    const row = (await this.probeOnvif(host, ports, protocol, timeout)) ?? ((await dhip) ? this.rowAt(host) : await this.probeHttp(host, ports, protocol, timeout));
    this.o.store.flush();
    return row && this.o.store.get(row.id);
  }

  private rowAt(host: string): InventoryDevice | undefined {
    return this.o.store.list().find((d) => d.addresses.includes(host));
  }

  private async probeOnvif(host: string, ports: number[], protocol: 'sweep' | 'manual', timeout: number): Promise<InventoryDevice | undefined> {
    for (const port of ports) {
      const xaddr = `http://${host}${port === 80 ? '' : `:${port}`}${ONVIF_PATH}`;
      const t = await getSystemDateAndTime(xaddr, () => this.o.clock.now(), timeout);
      if (!t) continue;
      const row = this.o.store.observe({ protocol, address: host, at: this.o.clock.now(), xaddrs: [xaddr], clockSkewMs: t.clockSkewMs, types: ['tds:Device'] }, performance.now());
      if (row) await this.enrich(row.id);
      return row;
    }
    return undefined;
  }

  private async probeHttp(host: string, ports: number[], protocol: 'sweep' | 'manual', timeout: number): Promise<InventoryDevice | undefined> {
    const web = await httpAlive(host, ports[0] ?? 80, timeout);
    if (!web) return undefined;
    return this.o.store.observe({ protocol, address: host, at: this.o.clock.now(), types: web.server ? [web.server] : [], flags: ['answers HTTP but not ONVIF'] }, performance.now());
  }

  async sweep(range: string, ports = this.o.onvifPorts ?? DEFAULT_ONVIF_PORTS): Promise<{ probed: number; found: number }> {
    const parsed = parseRange(range);
    if (!parsed.ok) throw new Error(parsed.reason);
    const hosts = parsed.cidr.hosts();
    const limit = pLimit(this.o.sweepConcurrency ?? 64);
    let done = 0;
    let found = 0;
    this.o.onScanState?.({ state: 'sweeping', done, total: hosts.length });
    let lastReport = 0;
    await Promise.all(
      hosts.map((h) =>
        limit(async () => {
          if (await this.probeHost(h, ports, 'sweep')) found++;
          done++;
          const now = Date.now();
          if (now - lastReport > 100 || done === hosts.length) {
            lastReport = now;
            this.o.onScanState?.({ state: 'sweeping', done, total: hosts.length });
          }
        }),
      ),
    );
    this.o.onScanState?.({ state: 'idle' });
    return { probed: hosts.length, found };
  }

  /** Manual add by IPv4 or host name (resolved once; the row keeps the IP). */
  async addManual(host: string, port?: number): Promise<InventoryDevice | undefined> {
    let ip = host;
    if (!isIpv4(host)) {
      try {
        ip = (await lookup(host, { family: 4 })).address;
      } catch {
        this.o.diagnostics.add({ protocol: 'manual', source: host, reason: 'unreachable', action: 'dropped', detail: 'host name does not resolve' });
        return undefined;
      }
    }
    const row = await this.probeHost(ip, port ? [port] : (this.o.onvifPorts ?? DEFAULT_ONVIF_PORTS), 'manual');
    if (!row) {
      this.o.diagnostics.add({ protocol: 'manual', source: `${ip}${port ? `:${port}` : ''}`, reason: 'unreachable', action: 'dropped', detail: 'no ONVIF, DHIP or HTTP answer' });
      return undefined;
    }
    if (this.o.adapters().some((a) => inNetwork(ip, a))) return row;
    // Reachable through a router: fine for unicast, but worth telling the technician why multicast missed it.
    this.o.store.flag(row.id, ROUTED_FLAG);
    this.o.store.flush();
    return this.o.store.get(row.id);
  }

  async checkFactoryDefaults(): Promise<{ probed: string[]; found: InventoryDevice[] }> {
    const found = (await Promise.all(FACTORY_DEFAULTS.map((ip) => this.probeHost(ip, [80], 'sweep')))).filter((d): d is InventoryDevice => !!d);
    return { probed: [...FACTORY_DEFAULTS], found };
  }
}
