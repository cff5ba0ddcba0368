import { channelOutcome, type ChannelOutcome } from '../../common/nvr/channel-outcomes';
import { hostOf } from '../../common/discovery/net';
import type { PlanRow, SitePlan } from '../../common/nvr/site-plan';
import { rewriteSlots, slotMatches, slotsOf, TableShapeError, type SlotMatch } from '../dahua/remote-device-update';

/**
 * Closing the loop after the password change: every NVR channel records again
 * with the new password, and the NVR never hammers a camera with the old one.
 *
 * Order per camera the app changes (DOMAIN.md: recorders still holding an old
 * password keep re-triggering the lock, and some cameras apply the new
 * password seconds late):
 *   1. pause its channel(s) on the NVR (Enable false), so the NVR stops signing in;
 *   2. change the camera (camera sync, through the credential gate) and verify it;
 *   3. write the new stored password and restore Enable in one table write.
 * A camera that did not take the new password gets its channels back as they
 * were. NVR writes are serialised (each is a read-modify-write of the whole
 * table: two at once would lose one). Every write is journalled before it is
 * sent and after it is answered; a resumed run never repeats an answered one,
 * and for one sent but unanswered it reads the table first: the channels'
 * Enable flag shows whether the pause or the store landed (the password
 * itself may come back masked, so it is not the marker).
 */

export interface NvrTablePort {
  /** `configManager.getConfig RemoteDevice` → `params.table`, as the NVR sent it. */
  readTable(): Promise<unknown>;
  /** `configManager.setConfig` with the whole table (the client falls back to secSetCamera where firmware needs it). */
  writeTable(table: unknown): Promise<void>;
  /** `LogicDeviceManager.getCameraState`: connection state per 1-based channel. */
  channelStates(): Promise<Map<number, string>>;
}

export interface CameraChange {
  holdsNewPassword: boolean;
  detail: string;
}

export type LoopRecord =
  | { t: 'nvr-write'; step: 'pause' | 'store' | 'restore'; camera: string; channels: number[] }
  | { t: 'nvr-written'; step: 'pause' | 'store' | 'restore'; camera: string; ok: boolean; detail?: string }
  | { t: 'camera-done'; camera: string; holdsNewPassword: boolean };

export interface ChannelResult {
  channel: number;
  outcome?: ChannelOutcome;
  detail: string;
  connectionState?: string;
}

export interface CloseLoopOptions {
  plan: SitePlan;
  nvr: NvrTablePort;
  /** Camera sync for one plan row (one camera); never throws for a camera's own failure. */
  changeCamera(row: PlanRow): Promise<CameraChange>;
  newPassword: string;
  /** Pause channels while their camera changes (default true). */
  pauseChannels?: boolean;
  /** How long to watch for channels to reconnect (default 90 s). */
  waitMs?: number;
  pollMs?: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Journal: appended (and flushed) before the step it describes is acted on. */
  record(r: LoopRecord): Promise<void>;
  /** A previous run's records: resume without sending anything twice. */
  prior?: readonly LoopRecord[];
  /**
   * The camera this run changed holds the new password, verified by camera sync
   * (now, or before a crash as the journal says); once per camera.
   */
  onCameraProven?(row: PlanRow): void;
  onUpdate?(results: ChannelResult[]): void;
}

interface CameraGroup {
  key: string;
  rows: PlanRow[];
  match: SlotMatch;
}

type Step = 'pause' | 'store' | 'restore';

export async function closeLoop(o: CloseLoopOptions): Promise<ChannelResult[]> {
  const pause = o.pauseChannels ?? true;
  const prior = o.prior ?? [];
  const results = new Map<number, ChannelResult>(o.plan.rows.map((r) => [r.channel.channel, { channel: r.channel.channel, detail: r.why }]));
  const nvrOk = new Map<number, boolean>();
  const holds = new Map<string, boolean>();
  const emit = () => o.onUpdate?.([...results.values()].map((r) => ({ ...r })));

  // One NVR write at a time: each is a read-modify-write of the whole table.
  let nvrTail: Promise<unknown> = Promise.resolve();
  const nvrWrite = (g: CameraGroup, step: Step, edit: (slot: Record<string, unknown>) => Record<string, unknown>, landed?: (slot: Record<string, unknown>) => boolean) => {
    const channels = new Set(g.rows.map((r) => r.channel.channel));
    const pick = (slot: Record<string, unknown>, channel: number) => channels.has(channel) && slotMatches(slot, g.match, { includeDisabled: true });
    const answered = prior.find((r) => r.t === 'nvr-written' && r.camera === g.key && r.step === step);
    if (answered?.t === 'nvr-written') return Promise.resolve(answered.ok);
    const unanswered = prior.some((r) => r.t === 'nvr-write' && r.camera === g.key && r.step === step);
    if (unanswered && !landed) {
      // Nothing on the NVR shows whether it landed: not sent twice; the channel watch decides.
      return o.record({ t: 'nvr-written', step, camera: g.key, ok: true, detail: 'sent before a restart; not sent again' }).then(() => true);
    }
    const run = nvrTail.then(async () => {
      try {
        const table = await o.nvr.readTable();
        const mine = slotsOf(table).filter(({ slot, channel }) => pick(slot, channel));
        if (unanswered && landed && mine.length > 0 && mine.every(({ slot }) => landed(slot))) {
          await o.record({ t: 'nvr-written', step, camera: g.key, ok: true, detail: 'found in place after a restart' });
          return true;
        }
        const next = rewriteSlots(table, pick, edit);
        if (next.changed.length === 0) throw new TableShapeError("The NVR's channel table no longer has this camera's channel; nothing was changed.");
        await o.record({ t: 'nvr-write', step, camera: g.key, channels: [...channels] });
        await o.nvr.writeTable(next.table);
        await o.record({ t: 'nvr-written', step, camera: g.key, ok: true });
        return true;
      } catch (err) {
        const detail = err instanceof TableShapeError ? err.message : `The NVR did not take the change: ${err instanceof Error ? err.message : String(err)}`;
        await o.record({ t: 'nvr-written', step, camera: g.key, ok: false, detail });
        for (const c of channels) results.set(c, { ...results.get(c)!, detail });
        return false;
      }
    });
    nvrTail = run.catch(() => undefined);
    return run;
  };
  const enabled = (slot: Record<string, unknown>) => slot.Enable !== false;

  const groups = groupByCamera(o.plan.rows.filter((r) => r.action.kind === 'change-camera-then-nvr' || r.action.kind === 'update-nvr-only'));
  await Promise.all(
    groups.map(async (g) => {
      const channels = g.rows.map((r) => r.channel.channel);
      const changes = g.rows.some((r) => r.action.kind === 'change-camera-then-nvr');
      const paused = changes && pause;
      const done = prior.find((r): r is Extract<LoopRecord, { t: 'camera-done' }> => r.t === 'camera-done' && r.camera === g.key);
      let holdsNew = !changes;
      if (changes && done) holdsNew = done.holdsNewPassword;
      else if (changes) {
        // A pause the NVR refused is not a reason to stop: the change then carries the (short) window it always had.
        if (paused) await nvrWrite(g, 'pause', (s) => ({ ...s, Enable: false }), (s) => !enabled(s));
        const change = await o.changeCamera(g.rows[0]!);
        holdsNew = change.holdsNewPassword;
        await o.record({ t: 'camera-done', camera: g.key, holdsNewPassword: holdsNew });
        for (const c of channels) results.set(c, { ...results.get(c)!, detail: change.detail });
      }
      holds.set(g.key, holdsNew);
      if (holdsNew && changes) o.onCameraProven?.(g.rows.find((r) => r.action.kind === 'change-camera-then-nvr')!);
      if (holdsNew) {
        const ok = await nvrWrite(g, 'store', (s) => ({ ...s, ...(paused ? { Enable: true } : {}), Password: o.newPassword }), paused ? enabled : undefined);
        for (const c of channels) nvrOk.set(c, ok);
      } else if (paused) {
        await nvrWrite(g, 'restore', (s) => ({ ...s, Enable: true }), enabled);
      }
      emit();
    }),
  );

  // Watch the channels reconnect, bounded.
  const deadline = o.now() + (o.waitMs ?? 90_000);
  const wasOnline = new Map(o.plan.rows.map((r) => [r.channel.channel, r.channel.online]));
  for (;;) {
    const waitOver = o.now() >= deadline;
    let states = new Map<number, string>();
    try {
      states = await o.nvr.channelStates();
    } catch {
      // A failed poll is not a verdict: the next one (or the end of the wait) decides.
    }
    let pending = 0;
    for (const row of o.plan.rows) {
      const c = row.channel.channel;
      const camera = cameraKey(row);
      const outcome = channelOutcome({
        action: row.action,
        wasOnline: wasOnline.get(c) ?? false,
        cameraHoldsNewPassword: holds.get(camera) ?? false,
        nvrUpdated: row.action.kind === 'nvr-own-sync' ? undefined : nvrOk.get(c),
        connectionState: states.get(c),
        waitOver,
      });
      if (outcome === undefined) pending++;
      results.set(c, { ...results.get(c)!, ...(outcome ? { outcome } : {}), ...(states.has(c) ? { connectionState: states.get(c) } : {}) });
    }
    emit();
    if (pending === 0) break;
    await o.sleep(o.pollMs ?? 3000);
  }
  return [...results.values()];
}

function cameraKey(row: PlanRow): string {
  return `${hostOf(row.channel.address)}|${row.channel.port ?? ''}|${row.channel.username}`;
}

function groupByCamera(rows: PlanRow[]): CameraGroup[] {
  const groups = new Map<string, CameraGroup>();
  for (const r of rows) {
    const key = cameraKey(r);
    const g = groups.get(key) ?? { key, rows: [], match: { address: r.channel.address, ...(r.channel.port !== undefined ? { port: r.channel.port } : {}), username: r.channel.username } };
    g.rows.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}
