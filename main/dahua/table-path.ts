import { DahuaParseError, parseRemoteDeviceTable, type RemoteDeviceTable, type RemoteSlot } from '../../common/dahua/remote-device';
import { DahuaError, type DahuaRpcClient } from './client';
import { NvrWriteUnanswered, type ChannelEdit, type ChannelWriteOutcome, type StoredChannel } from './channel-store';

/**
 * Older firmware's channel table (`configManager` `RemoteDevice`), for
 * firmware without LogicDeviceManager's camera list only. `setConfig` takes
 * the whole table, and nobody knows what it does with a field left out or a
 * password sent masked (DOMAIN.md: treat it as destructive), so the write is
 * the table exactly as read, with only the edited fields of the edited slots
 * changed — and never made when any configured slot's password came back
 * masked or empty.
 */

export interface TableRead {
  /** `params.table` exactly as the NVR sent it (written back whole). */
  raw: unknown;
  parsed: RemoteDeviceTable;
}

const notSent = (detail: string) => new DahuaError({ kind: 'not-sent' }, detail);

export async function readTable(client: DahuaRpcClient): Promise<TableRead> {
  const p = await client.call('configManager.getConfig', { name: 'RemoteDevice' });
  const raw = p && typeof p === 'object' ? (p as Record<string, unknown>)['table'] : undefined;
  try {
    return { raw, parsed: parseRemoteDeviceTable(raw) };
  } catch (err) {
    if (err instanceof DahuaParseError) throw new DahuaError({ kind: 'protocol' }, err.message);
    throw err;
  }
}

/** Why this table cannot be written back safely, or undefined when it can. */
export function tableUnsafe(read: TableRead): string | undefined {
  if (read.parsed.truncated) return 'its channel table is larger than any recorder has';
  const hidden = read.parsed.slots.filter((s) => s.passwordState !== 'present').map((s) => s.channel);
  if (hidden.length) return `it hides the stored password of channel${hidden.length === 1 ? '' : 's'} ${hidden.join(', ')}, and writing its channel table back would overwrite ${hidden.length === 1 ? 'it' : 'them'}`;
  return undefined;
}

type Raw = Record<string, unknown>;

/** The raw slot object behind a parsed slot (array index or object key, as the NVR keyed it). */
function rawSlot(table: unknown, slot: RemoteSlot): Raw {
  return (Array.isArray(table) ? table[Number(slot.key)] : (table as Raw)[slot.key]) as Raw;
}

export function storedChannelsOf(read: TableRead): StoredChannel[] {
  return read.parsed.slots.map((s) => {
    const raw = rawSlot(read.raw, s);
    const password = s.passwordState === 'present' ? (raw['Password'] as string) : undefined;
    return {
      channel: s.channel,
      enabled: s.enabled,
      address: s.address,
      ...(s.port !== undefined ? { port: s.port } : {}),
      username: s.username,
      protocol: s.protocol,
      // The slot's own Name, the field ChannelEdit.name writes (s.name prefers the video input's name, for display).
      name: typeof raw['Name'] === 'string' ? raw['Name'].slice(0, 256) : '',
      ...(password !== undefined ? { password } : {}),
    };
  });
}

/** Applies one edit to a copied slot; only fields the NVR sent are ever written. */
function applyEdit(slot: Raw, edit: ChannelEdit): void {
  for (const [field, value] of [['Password', edit.password], ['Enable', edit.enable], ['Name', edit.name]] as const) {
    if (value === undefined) continue;
    if (!(field in slot)) throw notSent(`channel ${edit.channel}'s slot has no ${field} this app read, so it cannot write one`);
    slot[field] = value;
  }
}

/** The whole table to send: a copy of the one read with the edits applied. */
function editedTable(read: TableRead, edits: readonly ChannelEdit[]): unknown {
  const unsafe = tableUnsafe(read);
  if (unsafe) throw notSent(`the NVR's answer shows ${unsafe}`);
  if (!edits.length) throw notSent('no channel to change');
  if (new Set(edits.map((e) => e.channel)).size !== edits.length) throw notSent('the same channel twice in one write');
  const table = structuredClone(read.raw);
  for (const edit of edits) {
    const slot = read.parsed.slots.find((s) => s.channel === edit.channel);
    if (!slot) throw notSent(`channel ${edit.channel} is not a configured channel in the NVR's table`);
    applyEdit(rawSlot(table, slot), edit);
  }
  return table;
}

/**
 * `configManager.setConfig` of the whole table, the edits applied. All edited
 * channels are taken when the NVR answers `result: true`; NvrWriteUnanswered
 * when the answer is lost or says neither yes nor no; a DahuaError when it
 * refused the call.
 */
export async function writeTable(client: DahuaRpcClient, read: TableRead, edits: readonly ChannelEdit[]): Promise<ChannelWriteOutcome[]> {
  const table = editedTable(read, edits);
  let answer;
  try {
    answer = await client.request('configManager.setConfig', { name: 'RemoteDevice', table, options: [] });
  } catch (err) {
    if (err instanceof DahuaError && err.answerLost) throw new NvrWriteUnanswered(`The NVR's answer to the channel-table write was lost (${err.message}); read the channels back to know whether it landed.`);
    throw err;
  }
  if (answer.result !== true) throw new NvrWriteUnanswered('The NVR answered the channel-table write without saying it took it; read the channels back to know.');
  return edits.map(({ channel }) => ({ channel, status: 'taken' }));
}
