import type { Diagnostic, ScanState } from '../../common/contract/devices';
import type { InventoryDevice } from '../../common/domain/device';
import { mxForWindow } from '../../common/discovery/ssdp';
import { ChangeBatcher, type BatchListener } from './batcher';
import type { DhipClient } from './dhip-client';
import { DiagnosticsLog } from './diagnostics';
import { InventoryStore } from './inventory-store';
import { AdapterListeners, type ListenerOptions } from './listeners';
import { DEFAULT_ONVIF_PORTS, FACTORY_DEFAULTS, UnicastProber, type Enricher } from './prober';
import type { AdapterNet, DiscoverySink } from './types';

export { DEFAULT_ONVIF_PORTS, FACTORY_DEFAULTS, type Enricher };

/** Scans a multicast-found row may miss before it shows offline: one lost datagram is not a departure. */
const MISSED_SCANS_OFFLINE = 2;

/** The listeners' options (ports, Hello/Bye, description timeout) for every adapter, plus the rest of discovery's. */
export interface DiscoveryOptions extends Omit<ListenerOptions, 'adapter' | 'sink'> {
  interfaces: AdapterNet[];
  /** Ask each new ONVIF device for its clock (skew). Benches turn it off. */
  probeClock?: boolean;
  onvifPorts?: number[];
  sweepConcurrency?: number;
  hostTimeoutMs?: number;
  enrich?: Enricher;
  /** Coalescing window for change batches; bounds the renderer's event rate. */
  flushMs?: number;
  onChange?: BatchListener;
  onDiagnostic?(d: Diagnostic): void;
  onScanState?(s: ScanState): void;
}

/**
 * Discovery split by job, composed here: one inventory store (the only writer
 * of rows), multicast listeners per adapter (replaced on an adapter change,
 * nothing else is), one unicast prober, a change batcher and a diagnostics log.
 * The app, the CLI and the bench all use this.
 */
export class Discovery {
  private readonly store: InventoryStore;
  private readonly diags: DiagnosticsLog;
  private readonly prober: UnicastProber;
  private listeners: AdapterListeners[] = [];
  private adapters: AdapterNet[];
  private readonly missed = new Map<string, number>();
  private seenThisScan: Set<string> | undefined;
  private scanning: Promise<InventoryDevice[]> | undefined;

  constructor(private readonly o: DiscoveryOptions) {
    this.adapters = o.interfaces;
    this.diags = new DiagnosticsLog(o.clock, o.onDiagnostic);
    this.store = new InventoryStore(new ChangeBatcher((d, r, m) => o.onChange?.(d, r, m), o.flushMs ?? 10), this.diags);
    this.prober = new UnicastProber({
      store: this.store,
      diagnostics: this.diags,
      clock: o.clock,
      ...(o.log ? { log: o.log } : {}),
      adapters: () => this.adapters,
      dhipFor: (host) => this.dhipFor(host),
      ...(o.probeClock !== undefined ? { probeClock: o.probeClock } : {}),
      ...(o.onvifPorts ? { onvifPorts: o.onvifPorts } : {}),
      ...(o.sweepConcurrency ? { sweepConcurrency: o.sweepConcurrency } : {}),
      ...(o.hostTimeoutMs ? { hostTimeoutMs: o.hostTimeoutMs } : {}),
      ...(o.enrich ? { enrich: o.enrich } : {}),
      ...(o.onScanState ? { onScanState: (s: ScanState) => o.onScanState?.(s) } : {}),
    });
    this.store.onObserved((d) => {
      this.seenThisScan?.add(d.id);
      this.missed.delete(d.id);
      this.prober.followUp(d);
    });
  }

  private readonly sink: DiscoverySink = {
    observe: (o, receivedAt) => void this.store.observe(o, receivedAt),
    bye: (endpoint, address) => {
      const row = this.store.findByEndpoint(endpoint);
      if (!row) return;
      if (!row.addresses.includes(address)) {
        this.diags.add({ protocol: 'ws-discovery', source: address, reason: 'host-mismatch', action: 'dropped', detail: `Bye for ${endpoint.slice(0, 60)} from an address the device never used` });
        return;
      }
      this.store.setOffline((d) => d.id === row.id);
    },
    diagnostic: (d) => this.diags.add(d),
  };

  async start(): Promise<void> {
    await this.setAdapters(this.adapters);
  }

  /** Replaces the multicast listeners; the inventory and every row stay as they are (no replay). */
  async setAdapters(nets: AdapterNet[]): Promise<void> {
    for (const l of this.listeners) l.stop();
    this.listeners = [];
    this.adapters = nets;
    const next: AdapterListeners[] = [];
    for (const adapter of nets) {
      const l = new AdapterListeners({
        adapter,
        sink: this.sink,
        clock: this.o.clock,
        listen: this.o.listen ?? true,
        ...(this.o.log ? { log: this.o.log } : {}),
        ...(this.o.wsdPort ? { wsdPort: this.o.wsdPort } : {}),
        ...(this.o.ssdpPort ? { ssdpPort: this.o.ssdpPort } : {}),
        ...(this.o.dhipPort ? { dhipPort: this.o.dhipPort } : {}),
        ...(this.o.descriptionTimeoutMs ? { descriptionTimeoutMs: this.o.descriptionTimeoutMs } : {}),
      });
      await l.start();
      next.push(l);
    }
    this.listeners = next;
  }

  private dhipFor(host: string): DhipClient | undefined {
    const withDhip = this.listeners.filter((l) => l.dhip);
    return (withDhip.find((l) => l.dhip?.adapterContains(host)) ?? withDhip[0])?.dhip;
  }

  /** Multicasts the probes and resolves with the inventory once the listen window closes. */
  scan(timeoutMs = 3000): Promise<InventoryDevice[]> {
    // A second click while a scan runs joins it rather than doubling the traffic.
    this.scanning ??= this.runScan(timeoutMs).finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async runScan(timeoutMs: number): Promise<InventoryDevice[]> {
    this.o.onScanState?.({ state: 'scanning' });
    this.seenThisScan = new Set();
    // UDP is lossy (Wi-Fi above all): every probe goes out three times inside the window (0 s, 1 s, 2 s for 3 s).
    const mx = mxForWindow(timeoutMs);
    const round = (repeat: boolean) => {
      for (const l of this.listeners) l.probe(mx, repeat);
    };
    const repeats = [Math.min(1000, timeoutMs / 3), Math.min(2000, (2 * timeoutMs) / 3)].map((at) => setTimeout(() => round(true), at));
    round(false);
    await new Promise((r) => setTimeout(r, timeoutMs));
    for (const t of repeats) clearTimeout(t);
    const seen = this.seenThisScan;
    this.seenThisScan = undefined;
    for (const d of this.store.list()) {
      if (seen.has(d.id) || !d.online || !d.protocols.some((p) => p === 'ws-discovery' || p === 'ssdp' || p === 'dhip')) {
        this.missed.delete(d.id);
        continue;
      }
      const n = (this.missed.get(d.id) ?? 0) + 1;
      this.missed.set(d.id, n);
      if (n >= MISSED_SCANS_OFFLINE) this.store.setOffline((x) => x.id === d.id);
    }
    this.store.flush();
    this.o.onScanState?.({ state: 'idle' });
    return this.list();
  }

  list(): InventoryDevice[] {
    return this.store.list();
  }

  diagnostics(): Diagnostic[] {
    return this.diags.list();
  }

  /** Waits for follow-up requests (clock, enrichment) started by sightings so far; the CLI prints after this. */
  async settle(): Promise<void> {
    await this.prober.settle();
    this.store.flush();
  }

  reenrich(xaddr: string): Promise<void> {
    return this.prober.reenrich(xaddr);
  }

  sweep(range: string, ports?: number[]): Promise<{ probed: number; found: number }> {
    return this.prober.sweep(range, ports);
  }

  addManual(host: string, port?: number): Promise<InventoryDevice | undefined> {
    return this.prober.addManual(host, port);
  }

  checkFactoryDefaults(): Promise<{ probed: string[]; found: InventoryDevice[] }> {
    return this.prober.checkFactoryDefaults();
  }

  stop(): void {
    for (const l of this.listeners) l.stop();
    this.listeners = [];
    this.store.flush();
  }
}
