import { CHANNEL_OUTCOMES, channelOutcome, type ChannelOutcome } from '../../common/nvr/channel-outcomes';
import { isPausedByApp } from '../../common/nvr/pause-marker';
import type { PlanRow } from '../../common/nvr/site-plan';
import type { LoopRun } from './loop-run';

/**
 * The proof the technician leaves with, judged from the NVR itself: the
 * channels are watched until the NVR reports each one the app touched
 * `Connected` (or the wait ends), then read back once more. A channel is
 * `recording` only when the NVR says it is connected AND the read-back shows
 * the slot the app wrote (enabled, the new password where the NVR shows it).
 * The invariant — every channel the app touched is enabled and stores a
 * password its camera accepts — is checked on that read, never on the journal.
 */

export interface ChannelResult {
  channel: number;
  outcome?: ChannelOutcome;
  detail: string;
  nextStep?: string;
  connectionState?: string;
  enabled?: boolean;
}

export interface Violation {
  channel: number;
  what: string;
  nextStep: string;
}

export interface LoopVerdict {
  results: ChannelResult[];
  /** Channels that break the invariant, each named with what to do. */
  violations: Violation[];
  /** Every channel the app changed records with the new password, and nothing breaks the invariant. */
  ok: boolean;
}

/** The board as known now; `waitOver` turns "not yet" into a verdict. */
export function resultsOf(run: LoopRun, rows: readonly PlanRow[], states: ReadonlyMap<number, string>, waitOver: boolean): ChannelResult[] {
  return rows.map((r) => {
    const c = r.channel.channel;
    const n = run.notes.get(c);
    const now = run.view.get(c);
    const writes = r.action.kind === 'change-camera-then-nvr' || r.action.kind === 'update-nvr-only';
    // A channel whose camera's turn has not come yet has no outcome, not a premature "skipped".
    const waiting = writes && !waitOver && (n?.holds === undefined && !n?.refused && !n?.rolledBack);
    const outcome = waiting ? undefined : channelOutcome({
      action: r.action,
      wasOnline: r.channel.online,
      cameraHoldsNewPassword: n?.holds === 'new',
      ...(writes ? { nvrUpdated: n?.stored === true && (now?.password === undefined || now.password === run.newPassword) ? true : n?.refused || n?.stored === false ? false : undefined } : {}),
      ...(n?.rolledBack ? { rolledBack: true } : {}),
      ...(n?.camerasOnly ? { nvrNotWritten: true } : {}),
      ...(now ? { enabledAfter: now.enabled } : {}),
      ...(states.has(c) ? { connectionState: states.get(c) } : {}),
      waitOver,
    });
    return {
      channel: c,
      ...(outcome ? { outcome } : {}),
      detail: n?.detail.length ? n.detail.join(' ') : r.why,
      ...(n?.nextStep ? { nextStep: n.nextStep } : outcome && !CHANNEL_OUTCOMES[outcome].success ? { nextStep: CHANNEL_OUTCOMES[outcome].nextStep } : {}),
      ...(states.has(c) ? { connectionState: states.get(c) } : {}),
      ...(now ? { enabled: now.enabled } : {}),
    };
  });
}

/** Polls the NVR's connection states until every channel has its outcome or the wait ends. */
export async function watch(run: LoopRun, rows: readonly PlanRow[], o: { waitMs: number; pollMs: number; emit(results: ChannelResult[]): void }): Promise<Map<number, string>> {
  const deadline = run.o.clock.now() + o.waitMs;
  let states = new Map<number, string>();
  for (;;) {
    try {
      states = await run.store.channelStates();
    } catch {
      // A failed poll is not a verdict: the next one (or the end of the wait) decides.
    }
    const results = resultsOf(run, rows, states, false);
    o.emit(results);
    if (results.every((r) => r.outcome !== undefined) || run.o.clock.now() >= deadline) return states;
    await run.o.clock.sleep(o.pollMs);
  }
}

/** The final read-back and the invariant check. */
export async function verdict(run: LoopRun, rows: readonly PlanRow[], states: ReadonlyMap<number, string>): Promise<LoopVerdict> {
  const read = await run.readBack();
  let results = resultsOf(run, rows, states, true);
  if (!read) {
    // Without a read-back nothing is proven: no channel is reported recording.
    results = results.map((r) => (r.outcome === 'recording' ? { ...r, outcome: 'updated-waiting', detail: `${r.detail} The NVR could not be read back at the end, so this is not proven.` } : r));
  }
  const violations: Violation[] = [];
  for (const r of rows) {
    const c = r.channel.channel;
    const now = run.view.get(c);
    const res = results.find((x) => x.channel === c)!;
    const next = res.nextStep ?? CHANNEL_OUTCOMES[res.outcome ?? 'skipped'].nextStep;
    if (now && isPausedByApp(now)) violations.push({ channel: c, what: 'left disabled on the NVR by this app', nextStep: next });
    else if (run.notes.get(c)?.touched && now?.enabled !== false && states.get(c) !== 'Connected') violations.push({ channel: c, what: 'not connected: the NVR has not proven it signs in with what it stores', nextStep: next });
    else if (run.notes.get(c)?.touched && !read) violations.push({ channel: c, what: 'not read back from the NVR', nextStep: next });
  }
  // Channels the customer had disabled stay so by design; every other channel the app touched must record.
  const changed = rows.filter((r) => run.notes.get(r.channel.channel)?.touched && (r.channel.enabled !== false || r.channel.pausedByApp));
  const ok = violations.length === 0 && changed.every((r) => results.find((x) => x.channel === r.channel.channel)?.outcome === 'recording');
  return { results, violations, ok };
}
