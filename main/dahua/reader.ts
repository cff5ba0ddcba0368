import type { NvrChannel, NvrIdentity } from '../../common/contract/nvr';
import { parseCameraStates, parseChannelTitles, parseRemoteDeviceTable, type ConnectionState, type RemoteSlot } from '../../common/dahua/remote-device';
import { DahuaError, type DahuaRpcClient } from './client';

export interface NvrRead {
  identity: NvrIdentity;
  channels: NvrChannel[];
  notes: string[];
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const s = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');

/** A read that may be missing on some firmware: a note instead of a failure. Session expiry still ends the read. */
async function optional<T>(notes: string[], what: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof DahuaError && err.kind !== 'session-expired' && err.kind !== 'unreachable') {
      notes.push(`${what}: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}

/** Identity, channel table, titles and online state of a signed-in NVR. The table is required; the rest is best effort. */
export async function readNvr(client: DahuaRpcClient): Promise<NvrRead> {
  const notes: string[] = [];
  const serial = await optional(notes, 'Serial number', async () => s(obj(await client.call('magicBox.getSerialNo'))?.['sn']));
  const model = await optional(notes, 'Model', async () => s(obj(await client.call('magicBox.getDeviceType'))?.['type']));
  const firmware = await optional(notes, 'Firmware', async () => {
    const p = obj(await client.call('magicBox.getSoftwareVersion'));
    const v = obj(p?.['version']);
    return s(v?.['Version']) || s(p?.['version']);
  });
  const rd = obj(await client.call('configManager.getConfig', { name: 'RemoteDevice' }));
  let table;
  try {
    table = parseRemoteDeviceTable(rd?.['table']);
  } catch (err) {
    throw new DahuaError({ kind: 'protocol' }, (err as Error).message);
  }
  if (table.truncated) notes.push('The channel table is larger than any recorder has; only the first 512 slots are shown.');
  if (table.ignored) notes.push(`${table.ignored} channel slot(s) were not understood and are left out.`);
  const titles = (await optional(notes, 'Channel titles', async () => parseChannelTitles(obj(await client.call('configManager.getConfig', { name: 'ChannelTitle' }))?.['table']))) ?? new Map<number, string>();
  const states =
    (await optional(notes, 'Channel online state', async () => parseCameraStates(await client.call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] })))) ??
    new Map<number, ConnectionState>();
  const channels = channelsOf(table.slots, titles, states);
  return { identity: { serial: serial ?? '', model: model ?? '', firmware: firmware ?? '' }, channels, notes };
}

/** One channel per configured slot, with its title and online state (both read paths: web JSON-RPC and CGI). */
export function channelsOf(slots: readonly RemoteSlot[], titles: ReadonlyMap<number, string>, states: ReadonlyMap<number, ConnectionState>): NvrChannel[] {
  return slots.map((slot) => {
    const state = states.get(slot.channel) ?? 'unknown';
    return {
      channel: slot.channel,
      name: titles.get(slot.channel) ?? slot.name,
      address: slot.address,
      ...(slot.port !== undefined ? { port: slot.port } : {}),
      protocol: slot.protocol.toLowerCase(),
      username: slot.username,
      model: slot.deviceType,
      online: state === 'connected',
      state,
      passwordMasked: slot.passwordState === 'masked',
    };
  });
}
