import type { DahuaRpcClient } from './client';
import { channelStates } from './nvr-channels';

/**
 * The NVR's raw RemoteDevice table over one signed-in session, as the first
 * close-the-loop orchestrator used it (main/site/close-loop.ts `NvrTablePort`).
 * Superseded by the channel-store port (nvr-channels.ts `dahuaChannelStore`),
 * which speaks both firmware families; kept until its last caller moves over.
 * It no longer falls back to a sealed write after a refused plain one: that
 * sent the password in clear first, in a shape no reference client uses.
 */
export interface DahuaTablePort {
  readTable(): Promise<unknown>;
  /** `configManager.setConfig` of the whole table, plain; a refusal is the caller's answer. */
  writeTable(table: unknown): Promise<void>;
  /** Connection state per 1-based channel, as the NVR spells it ("Connected", …). */
  channelStates(): Promise<Map<number, string>>;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

export function dahuaTablePort(client: DahuaRpcClient): DahuaTablePort {
  return {
    async readTable() {
      return obj(await client.call('configManager.getConfig', { name: 'RemoteDevice' }))?.['table'];
    },
    async writeTable(table) {
      await client.call('configManager.setConfig', { name: 'RemoteDevice', table, options: [] });
    },
    channelStates: () => channelStates(client),
  };
}
