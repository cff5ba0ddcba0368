import type dgram from 'node:dgram';
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

/** Binds a protocol module's UDP socket; a failed bind (EADDRINUSE) rejects instead of leaving the caller waiting for ever. */
export function bindUdp(socket: dgram.Socket, port: number, address?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
