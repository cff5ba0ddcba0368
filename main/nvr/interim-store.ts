import { passwordStateOf } from '../../common/dahua/remote-device';
import { NvrWriteUnanswered, type ChannelEdit, type NvrChannelStore, type StoredChannel, type WritePathProof } from '../dahua/channel-store';
import { DahuaError, type DahuaRpcClient } from '../dahua/client';
import { rewriteSlots, slotsOf } from '../dahua/remote-device-update';
import { dahuaTablePort } from '../dahua/table-port';

/**
 * INTERIM, until main/dahua/nvr-channels.ts (`dahuaChannelStore`, branch
 * nvr-client) lands: the channel-store port over the older firmware's
 * `configManager` `RemoteDevice` table only. It proves nothing it cannot: a
 * table whose passwords come back masked or absent, or firmware with the newer
 * LogicDeviceManager camera list, is "not provable" here (no write is sent).
 * channelStoreFor() is the one place that picks the implementation.
 */

const UNUSED = new Set(['', '0.0.0.0', '192.168.0.0']);
const s = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : '');

function channelOf(channel: number, slot: Record<string, unknown>): StoredChannel | undefined {
  const address = s(slot['Address']).trim();
  if (UNUSED.has(address)) return undefined;
  const port = slot['Port'];
  return {
    channel,
    enabled: slot['Enable'] === true,
    address,
    ...(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? { port } : {}),
    username: s(slot['UserName'], 64),
    protocol: s(slot['ProtocolType'], 32),
    name: s(slot['Name'], 64),
    ...(passwordStateOf(slot['Password']) === 'present' ? { password: s(slot['Password'], 128) } : {}),
  };
}

export function interimChannelStore(client: DahuaRpcClient): NvrChannelStore {
  const port = dahuaTablePort(client);
  const read = async () => {
    const table = await port.readTable();
    const channels = slotsOf(table).flatMap(({ channel, slot }) => channelOf(channel, slot) ?? []);
    return { table, channels };
  };
  return {
    async proveWritePath(): Promise<WritePathProof> {
      const { table, channels } = await read();
      const masked = slotsOf(table).some(({ slot }) => !UNUSED.has(s(slot['Address']).trim()) && passwordStateOf(slot['Password']) !== 'present');
      if (masked || !channels.length) {
        return { ok: false, firmware: 'remote-device-table', reason: 'The NVR returns its stored passwords masked, so writing its channel table back would destroy them.', nextStep: "Enter the new password for each channel on the NVR's Remote Device page." };
      }
      return { ok: true, firmware: 'remote-device-table', sealed: false, note: 'This NVR takes stored passwords only over plain http (no sealed write): the new password crosses the network unencrypted once per camera.' };
    },
    async readChannels() {
      return (await read()).channels;
    },
    async writeChannels(edits: readonly ChannelEdit[]) {
      const { table } = await read();
      const byChannel = new Map(edits.map((e) => [e.channel, e]));
      // rewriteSlots asks pick() then edit() for one slot at a time: the channel picked is the one edited.
      let picked = 0;
      const next = rewriteSlots(table, (_slot, channel) => byChannel.has((picked = channel)), (slot) => apply(slot, byChannel.get(picked)!));
      try {
        await port.writeTable(next.table);
      } catch (err) {
        if (err instanceof DahuaError && err.kind === 'unreachable') throw new NvrWriteUnanswered(err.message);
        throw err;
      }
      return edits.map((e) => ({ channel: e.channel, status: 'taken' as const }));
    },
    channelStates: () => port.channelStates(),
  };
}

function apply(slot: Record<string, unknown>, e: ChannelEdit): Record<string, unknown> {
  return { ...slot, ...(e.enable !== undefined ? { Enable: e.enable } : {}), ...(e.name !== undefined ? { Name: e.name } : {}), ...(e.password !== undefined ? { Password: e.password } : {}) };
}
