import { NvrWriteUnanswered, type ChannelEdit, type StoredChannel } from '../dahua/channel-store';
import type { LoopStep } from './loop-journal';
import type { LoopRun } from './loop-run';

/**
 * One NVR write, judged by reading the NVR back. The NVR's answer is a hint:
 * a write it says it took but does not hold failed, a write whose answer was
 * lost but that is in place landed. Only when the NVR cannot be read back does
 * its answer (or its silence: `unknown`) stand — and callers treat `unknown`
 * as the most dangerous possibility. Journalled before it is sent and after.
 */

export type WriteStatus = 'taken' | 'refused' | 'unknown';
export type WriteVerdict = Map<number, { status: WriteStatus; detail?: string }>;

type Answer = { kind: 'answered'; per: Map<number, string | undefined> } | { kind: 'unanswered' } | { kind: 'failed'; detail: string };

export async function writeAndConfirm(run: LoopRun, step: LoopStep, camera: string, edits: readonly ChannelEdit[]): Promise<WriteVerdict> {
  const channels = edits.map((e) => e.channel);
  const names = step === 'pause' ? channels.map((c) => run.view.get(c)?.name ?? '') : undefined;
  await run.record({ t: 'nvr-write', step, camera, channels, ...(names ? { names } : {}) });
  const answer = await send(run, edits);
  const read = await run.readBack();
  const verdict = judge(edits, answer, read);
  const refused = [...verdict.values()].find((v) => v.status !== 'taken');
  await run.record({ t: 'nvr-written', step, camera, ok: !refused, ...(refused?.detail ? { detail: refused.detail.slice(0, 2000) } : {}) });
  return verdict;
}

async function send(run: LoopRun, edits: readonly ChannelEdit[]): Promise<Answer> {
  try {
    const outcomes = await run.store.writeChannels(edits);
    const per = new Map<number, string | undefined>(edits.map((e) => [e.channel, 'The NVR gave no answer for this channel.']));
    for (const o of outcomes) if (per.has(o.channel)) per.set(o.channel, o.status === 'taken' ? undefined : o.detail);
    return { kind: 'answered', per };
  } catch (err) {
    if (err instanceof NvrWriteUnanswered) return { kind: 'unanswered' };
    return { kind: 'failed', detail: `The NVR refused the write: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function judge(edits: readonly ChannelEdit[], answer: Answer, read: StoredChannel[] | undefined): WriteVerdict {
  const verdict: WriteVerdict = new Map();
  for (const e of edits) {
    const said = answer.kind === 'answered' ? answer.per.get(e.channel) : answer.kind === 'failed' ? answer.detail : 'The NVR did not answer the write.';
    if (!read) {
      // Nothing to judge by but the answer.
      const status: WriteStatus = answer.kind === 'unanswered' ? 'unknown' : said === undefined ? 'taken' : 'refused';
      verdict.set(e.channel, { status, ...(said ? { detail: `${said} The NVR could not be read back.` } : {}) });
      continue;
    }
    const now = read.find((c) => c.channel === e.channel);
    if (now && inPlace(e, now)) verdict.set(e.channel, { status: 'taken' });
    else {
      const why = !now ? "The channel is no longer in the NVR's list." : said === undefined ? 'The NVR answered that it took the change, but reading it back shows it did not keep it.' : said;
      verdict.set(e.channel, { status: 'refused', detail: why });
    }
  }
  return verdict;
}

/** Whether the NVR holds what the edit asked for (a password the NVR does not show is judged by the other fields). */
export function inPlace(e: ChannelEdit, c: StoredChannel): boolean {
  if (e.enable !== undefined && c.enabled !== e.enable) return false;
  if (e.name !== undefined && c.name !== e.name) return false;
  return e.password === undefined || c.password === undefined || c.password === e.password;
}

export function taken(v: WriteVerdict, channel: number): boolean {
  return v.get(channel)?.status === 'taken';
}
