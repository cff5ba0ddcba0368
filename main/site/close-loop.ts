import { closeCamera, channelsOf } from './camera-step';
import { LoopRun, type LoopRunOptions } from './loop-run';
import type { CameraWork, LoopPlan } from './plan';
import type { KnownPasswords } from './ports';
import { recoverPaused } from './recover';
import { resultsOf, verdict, watch, type ChannelResult, type LoopVerdict } from './verdict';

/**
 * Closing the loop after the password change: every NVR channel records again
 * with the new password, and the NVR never signs in with a password a camera
 * no longer holds. The one sequence, used by the app's `site.*` feature and by
 * the CLI's `sync --nvr` alike:
 *
 *   read the NVR → put back what an earlier run left paused → each camera in
 *   turn (pause its channels, change it, store, roll back where refused) →
 *   the cameras no channel records → watch the channels → read back and judge.
 *
 * One camera at a time: at most that camera's channels are ever paused, and
 * the credential gate and camera sync's journal see one change at a time.
 * Every decision reads the NVR and the cameras; the journal only hints.
 */

/** What one camera's run needs (loop-run.ts; `prior`: names before the pause, which cameras took the new password), plus the plan. */
export interface CloseLoopOptions extends Omit<LoopRunOptions, 'onChange'> {
  plan: LoopPlan;
  /** How long to watch the channels reconnect (default 90 s), and how often. */
  waitMs?: number;
  pollMs?: number;
  onUpdate?(results: ChannelResult[]): void;
  /** Cancel (Ctrl-C): no further camera starts; the one in hand is finished, then the channels are watched and judged. */
  signal?: AbortSignal;
}

export interface CloseLoopResult extends LoopVerdict {
  journalError?: string;
}

export async function closeLoop(o: CloseLoopOptions): Promise<CloseLoopResult> {
  let states = new Map<number, string>();
  const emit = () => o.onUpdate?.(resultsOf(run, o.plan.rows, states, false));
  const run = new LoopRun({ ...o, onChange: emit });
  o.signal?.addEventListener('abort', () => (run.stopped ??= 'The run was cancelled before this camera\'s turn.'), { once: true });
  await run.readBack();
  if (o.plan.proof.ok) await recoverPaused(run, o.plan.cameras, o.newPassword);
  run.states = await o.store.channelStates().catch(() => new Map<number, string>());
  for (const work of o.plan.cameras) {
    if (!work.accounts.length) continue;
    if (o.plan.camerasOnly) await changeCameraOnly(run, work);
    else await closeCamera(run, work);
    emit();
  }
  await changeRest(run, o.plan);
  states = await watch(run, o.plan.rows, { waitMs: o.waitMs ?? 90_000, pollMs: o.pollMs ?? 3000, emit: (r) => o.onUpdate?.(r) });
  const v = await verdict(run, o.plan.rows, states);
  return { ...v, ...(run.journalError ? { journalError: run.journalError } : {}) };
}

/** "Cameras only" (the NVR cannot be written): the camera changes; its channels are told to stop recording. */
async function changeCameraOnly(run: LoopRun, work: CameraWork): Promise<void> {
  if (run.journalError || run.stopped) return;
  const changes = await run.cameras.change(work.accounts, {});
  for (const c of channelsOf(run, work)) {
    const n = run.note(c.channel);
    const mine = changes.find((x) => x.target.username === c.username);
    n.touched = true;
    n.holds = mine?.holds ?? 'old';
    n.refused = true;
    n.camerasOnly = true;
    run.say([c.channel], `${mine?.detail ?? ''} Cameras only: the NVR was not updated.`.trim(), `Enter the new password for channel ${c.channel} on the NVR's Remote Device page now: until then the channel does not record and the NVR's retries may lock the camera.`);
  }
}

/** Chosen cameras no channel records still get the new password (the NVR does not sign in to them). */
async function changeRest(run: LoopRun, plan: LoopPlan): Promise<void> {
  if (!plan.rest.length || run.journalError || run.stopped) return;
  const none: KnownPasswords = {};
  await run.cameras.change(plan.rest, none);
}
