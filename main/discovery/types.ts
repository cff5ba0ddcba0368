import type { Diagnostic } from '../../common/contract/devices';
import type { Observation } from '../../common/discovery/inventory';
import type { Ipv4Net } from '../../common/discovery/net';

/** What each protocol module reports to the engine. */
export interface DiscoverySink {
  observe(o: Observation, receivedAt?: number): void;
  bye(endpoint: string, address: string): void;
  diagnostic(d: Omit<Diagnostic, 'at'>): void;
}

/** An adapter discovery runs on: its address, and the network replies may come from. */
export type AdapterNet = Ipv4Net;

export function describeSource(address: string, port: number): string {
  return `${address}:${port}`;
}
