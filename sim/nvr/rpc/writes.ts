import { refusal, type RpcRefusal } from './answers';
import type { Nvr } from './nvr';
import { enabled, isMask } from './slots';
import { CODES, type NvrRpcFaults, type NvrRpcStats, type SimChannel } from './types';

/**
 * Writes to the NVR's channels (a RemoteDevice setConfig or a secSetCamera), checked
 * against the write faults before anything lands: a refused write changes nothing.
 * The faults are rows of one table, not `if`s spread through the handlers.
 */

export interface SlotWrite {
  index: number;
  channel: SimChannel;
  /** The channel as the write leaves it (slots.ts). */
  next: SimChannel;
  /** A table write left this slot out (it becomes unused). */
  leftOut?: boolean;
}

export type WriteVia = 'setConfig' | 'secSetCamera';

const changesPassword = (w: SlotWrite) => w.next.password !== w.channel.password;
const pauses = (w: SlotWrite) => enabled(w.channel) && !enabled(w.next);

interface WriteGuard {
  active(f: NvrRpcFaults, via: WriteVia): boolean;
  hits(w: SlotWrite): boolean;
  answer: RpcRefusal;
  counter: keyof NvrRpcStats;
}

const GUARDS: readonly WriteGuard[] = [
  // Newer firmware takes passwords only sealed: a plain write that would change one is refused whole.
  { active: (f, via) => via === 'setConfig' && f.firmware === 'logic-device-manager', hits: changesPassword, answer: refusal(CODES.invalidRequest, 'Invalid request'), counter: 'plainPasswordRefusals' },
  { active: (f) => f.refuseStore, hits: changesPassword, answer: refusal(CODES.invalidParam, 'Invalid request param: stored password refused'), counter: 'storeRefusals' },
  { active: (f) => f.refusePause, hits: pauses, answer: refusal(CODES.invalidParam, 'Invalid request param: channel may not be disabled'), counter: 'pauseRefusals' },
];

/** The refusal of the first guard the write trips, counted; undefined when it may land. */
export function guardWrite(nvr: Nvr, writes: readonly SlotWrite[], via: WriteVia): RpcRefusal | undefined {
  const guard = GUARDS.find((g) => g.active(nvr.faults, via) && writes.some((w) => g.hits(w)));
  if (!guard) return undefined;
  (nvr.stats[guard.counter] as number)++;
  return guard.answer;
}

/** Lands the writes: counts masks written and passwords destroyed; a changed connection drops until the next round. */
export function applyWrites(nvr: Nvr, writes: readonly SlotWrite[]): void {
  for (const w of writes) {
    const { channel: c, next } = w;
    if (!w.leftOut && isMask(next.password)) nvr.stats.maskWrites++;
    if (next.password !== c.password && (next.password === '' || isMask(next.password))) nvr.stats.destroyedPasswords++;
    const key = (x: SimChannel) => `${enabled(x)}|${x.address}|${x.port}|${x.username}|${x.password}`;
    // A recorder drops a channel whose connection settings changed and reconnects on its next round:
    // until then it is not connected (no stale "Connected" from the old password).
    const state = key(next) !== key(c) ? 'Disconnected' : c.state;
    Object.assign(c, next, { state });
  }
}
