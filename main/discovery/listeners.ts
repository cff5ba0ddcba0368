import type { Clock } from '../../common/clock';
import type { Logger } from '../core/log';
import { DhipClient } from './dhip-client';
import { SsdpClient } from './ssdp-client';
import type { AdapterNet, DiscoverySink } from './types';
import { WsdClient } from './wsd-client';

export interface ListenerOptions {
  adapter: AdapterNet;
  sink: DiscoverySink;
  clock: Clock;
  log?: Logger;
  wsdPort?: number;
  ssdpPort?: number;
  dhipPort?: number;
  /** Listen for Hello/Bye (long-running app); the CLI's one-shot scan does not need it. */
  listen?: boolean;
  /** One deadline for a whole SSDP description fetch (headers and body). */
  descriptionTimeoutMs?: number;
}

/**
 * The multicast side of discovery on one adapter: WS-Discovery, SSDP and DHIP,
 * each pinned to the adapter's address. Changing adapters replaces these and
 * nothing else: the inventory and the unicast prober stay.
 */
export class AdapterListeners {
  private wsd?: WsdClient;
  private ssdp?: SsdpClient;
  dhip?: DhipClient;

  constructor(private readonly o: ListenerOptions) {}

  get adapter(): AdapterNet {
    return this.o.adapter;
  }

  async start(): Promise<void> {
    const { adapter, sink, clock } = this.o;
    const wsd = new WsdClient({ adapter, sink, clock, listen: this.o.listen ?? true, ...(this.o.wsdPort ? { port: this.o.wsdPort } : {}) });
    const ssdp = new SsdpClient({ adapter, sink, clock, ...(this.o.descriptionTimeoutMs ? { descriptionTimeoutMs: this.o.descriptionTimeoutMs } : {}), ...(this.o.ssdpPort ? { port: this.o.ssdpPort } : {}) });
    const dhip = new DhipClient({ adapter, sink, clock, ...(this.o.dhipPort ? { port: this.o.dhipPort } : {}) });
    // One protocol failing to open (port in use, no multicast route) leaves the others working.
    if (await this.open('WS-Discovery', () => wsd.start())) this.wsd = wsd;
    if (await this.open('SSDP', () => ssdp.start())) this.ssdp = ssdp;
    if (await this.open('DHIP', () => dhip.start())) this.dhip = dhip;
  }

  private async open(name: string, start: () => Promise<void>): Promise<boolean> {
    try {
      await start();
      return true;
    } catch (err) {
      this.o.log?.warn(`${name} unavailable on adapter`, { adapter: this.o.adapter.address, error: String(err) });
      return false;
    }
  }

  /** One round of probes; a repeat is the same question again (UDP is lossy). */
  probe(mx: number, repeat: boolean): void {
    this.wsd?.probe(repeat);
    this.ssdp?.search(mx, repeat);
    this.dhip?.probe(repeat);
  }

  stop(): void {
    this.wsd?.stop();
    this.ssdp?.stop();
    this.dhip?.stop();
    this.wsd = this.ssdp = this.dhip = undefined;
  }
}
