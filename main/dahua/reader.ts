import type { NvrChannel, NvrIdentity } from '../../common/contract/nvr';
import { CameraListError, parseCameraList } from '../../common/dahua/logic-device';
import { DahuaParseError, parseCameraStates, parseChannelTitles, parseRemoteDeviceTable, type ConnectionState, type RemoteSlot } from '../../common/dahua/remote-device';
import { DahuaError, type DahuaRpcClient } from './client';
import { isRefusal } from './sealed-call';
import { obj } from '../../common/json';

export interface NvrRead {
  identity: NvrIdentity;
  channels: NvrChannel[];
  notes: string[];
}

const s = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');

/** What a signed-in read may shrug off: anything but a session that ended or an NVR that stopped answering. */
const missingOnSomeFirmware = (err: DahuaError) => err.kind !== 'session-expired' && err.kind !== 'unreachable';

/** A read that may be missing on some firmware: a note instead of a failure, for the errors `tolerated` names. */
export async function optional<T>(notes: string[], what: string, f: () => Promise<T>, tolerated = missingOnSomeFirmware): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof DahuaError && tolerated(err)) {
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
  const table = await readSlots(client, notes);
  const titles = (await optional(notes, 'Channel titles', async () => parseChannelTitles(obj(await client.call('configManager.getConfig', { name: 'ChannelTitle' }))?.['table']))) ?? new Map<number, string>();
  const states =
    (await optional(notes, 'Channel online state', async () => parseCameraStates(await client.call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] })))) ??
    new Map<number, ConnectionState>();
  const channels = channelsOf(table, titles, states);
  return { identity: { serial: serial ?? '', model: model ?? '', firmware: firmware ?? '' }, channels, notes };
}

/** What the channel list needs of a slot: a RemoteDevice slot or a LogicDeviceManager camera. */
export type ChannelSlot = Pick<RemoteSlot, 'channel' | 'enabled' | 'address' | 'port' | 'username' | 'protocol' | 'deviceType' | 'name' | 'passwordState' | 'pausedByApp'>;

/** The configured slots (disabled ones included) and what to note about the read. */
export interface SlotRead {
  slots: readonly ChannelSlot[];
  truncated: boolean;
  ignored: number;
}

/** Notes for a read that was cut or left entries out. */
export function slotNotes(read: SlotRead, notes: string[]): void {
  if (read.truncated) notes.push('The channel table is larger than any recorder has; only the first 512 slots are shown.');
  if (read.ignored) notes.push(`${read.ignored} channel slot(s) were not understood and are left out.`);
}

/**
 * The channel slots: the RemoteDevice table, or — on newer firmware that
 * refuses that read (DOMAIN.md) — LogicDeviceManager's plain camera list
 * (passwords masked or absent; none are needed to show the channels).
 */
async function readSlots(client: DahuaRpcClient, notes: string[]): Promise<SlotRead> {
  let read: SlotRead;
  try {
    read = parseRemoteDeviceTable(obj(await client.call('configManager.getConfig', { name: 'RemoteDevice' }))?.['table']);
  } catch (err) {
    if (err instanceof DahuaParseError) throw new DahuaError({ kind: 'protocol' }, err.message);
    if (!isRefusal(err)) throw err;
    try {
      const list = parseCameraList(await client.call('LogicDeviceManager.getCameraAll', null));
      read = { slots: list.cameras, truncated: list.truncated, ignored: list.ignored };
    } catch (ldmErr) {
      if (ldmErr instanceof CameraListError) throw new DahuaError({ kind: 'protocol' }, ldmErr.message);
      // No camera list either: the RemoteDevice refusal is the answer the technician needs.
      throw isRefusal(ldmErr) ? err : ldmErr;
    }
    notes.push('Read through LogicDeviceManager: this firmware refuses the RemoteDevice read.');
  }
  slotNotes(read, notes);
  return read;
}

/** One channel per configured slot, disabled ones included, with its title and online state (both read paths: web JSON-RPC and CGI). */
export function channelsOf(read: SlotRead, titles: ReadonlyMap<number, string>, states: ReadonlyMap<number, ConnectionState>): NvrChannel[] {
  return read.slots.map((slot) => {
    const state = states.get(slot.channel) ?? 'unknown';
    return {
      channel: slot.channel,
      name: titles.get(slot.channel) ?? slot.name,
      address: slot.address,
      ...(slot.port !== undefined ? { port: slot.port } : {}),
      protocol: slot.protocol.toLowerCase(),
      username: slot.username,
      model: slot.deviceType,
      // A disabled channel does not record, whatever its camera's connection says.
      online: slot.enabled && state === 'connected',
      enabled: slot.enabled,
      ...(slot.pausedByApp ? { pausedByApp: true } : {}),
      state,
      passwordMasked: slot.passwordState === 'masked',
    };
  });
}
