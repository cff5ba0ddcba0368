import type { DahuaRpcClient } from './client';
import { isRefusal, writeTableSealed } from './sec-write';

/**
 * The NVR's channel table as the close-the-loop orchestrator needs it
 * (main/site/close-loop.ts `NvrTablePort`), over one signed-in session. Raw on
 * purpose: read-modify-write must send back every field as the NVR sent it.
 */
export interface DahuaTablePort {
  readTable(): Promise<unknown>;
  /** `configManager.setConfig`; where the NVR refuses it, `LogicDeviceManager.secSetCamera` if the firmware has it. */
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
      try {
        await client.call('configManager.setConfig', { name: 'RemoteDevice', table, options: [] });
      } catch (err) {
        // Newer firmware refuses passwords here and wants them sealed (sec-write.ts); only a refusal gets there.
        if (!isRefusal(err)) throw err;
        await writeTableSealed(client, table, err);
      }
    },
    async channelStates() {
      const states = obj(await client.call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] }))?.['states'];
      const out = new Map<number, string>();
      if (!Array.isArray(states)) return out;
      for (const s of states.slice(0, 512)) {
        const ch = obj(s)?.['channel'];
        const cs = obj(s)?.['connectionState'];
        if (typeof ch === 'number' && Number.isInteger(ch) && ch >= 0 && ch < 512 && typeof cs === 'string') out.set(ch + 1, cs.slice(0, 40));
      }
      return out;
    },
  };
}
