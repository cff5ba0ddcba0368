import type { PlanChannel } from '../../common/nvr/site-plan';
import { slotsOf } from '../dahua/remote-device-update';
import type { LoopRecord } from './close-loop';

/**
 * After a crash, a channel this app paused (Enable false) is missing from the
 * NVR's channel list (a disabled slot reads as unused), so a plan made from
 * that list alone would forget it: the camera would change and the channel
 * stay disabled. Puts back the channels the journal paused and nothing has
 * restored, from the raw table, so the resumed run finishes them.
 */
export async function withPausedChannels(channels: PlanChannel[], prior: readonly LoopRecord[], readTable: () => Promise<unknown>): Promise<PlanChannel[]> {
  const finished = new Set(prior.filter((r) => r.t === 'nvr-written' && r.ok && r.step !== 'pause').map((r) => r.camera));
  const paused = new Set(prior.flatMap((r) => (r.t === 'nvr-write' && r.step === 'pause' && !finished.has(r.camera) ? r.channels : [])));
  const missing = [...paused].filter((c) => !channels.some((x) => x.channel === c));
  if (!missing.length) return channels;
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');
  const back = slotsOf(await readTable())
    .filter(({ channel, slot }) => missing.includes(channel) && slot.Enable === false && str(slot.Address))
    .map(({ channel, slot }): PlanChannel => ({
      channel,
      address: str(slot.Address),
      ...(typeof slot.Port === 'number' ? { port: slot.Port } : {}),
      protocol: str(slot.ProtocolType).toLowerCase(),
      username: str(slot.UserName),
      online: false,
    }));
  return [...channels, ...back].sort((a, b) => a.channel - b.channel);
}
