import pLimit from 'p-limit';
import type { SiteSnapshot } from '../../common/contract/site';
import type { PlanRow } from '../../common/nvr/site-plan';
import type { ServiceContext } from '../core/context';
import { OnvifError } from '../onvif/errors';
import { MediaClient } from '../onvif/media';

/**
 * The picture on each tile of the close-the-loop board, so the technician sees
 * which camera is which. Signed in only with a credential proven on that
 * camera this session (`ctx.credentials`: camera sync, or the loop, verified
 * the new password there; memory only). Any other channel gets the reason
 * instead — a guess is a failed sign-in, and failed sign-ins lock cameras.
 * Every exchange goes through the credential gate; a refused credential is
 * dropped from the store, not tried again; a lock is waited out by the gate.
 * Pictures are kept a few seconds so re-renders do not hammer cameras, and at
 * most two are fetched at a time.
 */

const TTL_MS = 10_000;
/** A camera that says "locked" without saying how long: vendors' typical lock (DOMAIN.md). */
const LOCK_ASSUMED_MS = 30 * 60_000;

export interface SnapshotOptions {
  ttlMs?: number;
  /** Per exchange with the camera. Default 5000. */
  timeoutMs?: number;
}

interface Run {
  rows: Map<number, PlanRow>;
}

interface Cached {
  at: number;
  value: Promise<SiteSnapshot>;
  pending: boolean;
}

export class ChannelSnapshots {
  private run: Run | undefined;
  /** Cameras that refused their proven credential for a picture in this run (so the tile can say so). */
  private readonly refused = new Set<string>();
  private readonly cache = new Map<number, Cached>();
  private readonly limit = pLimit(2);

  constructor(
    private readonly ctx: Pick<ServiceContext, 'gate' | 'clock' | 'log' | 'credentials'>,
    private readonly o: SnapshotOptions = {},
  ) {}

  /** A new close-the-loop run: the last run's pictures no longer hold. */
  startRun(rows: readonly PlanRow[]): void {
    this.run = { rows: new Map(rows.map((r) => [r.channel.channel, r])) };
    this.refused.clear();
    this.cache.clear();
  }

  /** The channel's picture or why there is none; `refresh` skips a finished cached answer. */
  get(channel: number, refresh = false): Promise<SiteSnapshot> {
    const now = this.ctx.clock.now();
    const hit = this.cache.get(channel);
    if (hit && (hit.pending || (!refresh && now - hit.at < (this.o.ttlMs ?? TTL_MS)))) return hit.value;
    const entry: Cached = { at: now, value: this.fetch(channel), pending: true };
    this.cache.set(channel, entry);
    void entry.value.finally(() => (entry.pending = false));
    return entry.value;
  }

  dispose(): void {
    this.cache.clear();
    this.refused.clear();
    this.run = undefined;
  }

  private async fetch(channel: number): Promise<SiteSnapshot> {
    const run = this.run;
    if (!run) return { why: 'No close-the-loop run in this session yet.' };
    const row = run.rows.get(channel);
    if (!row) return { why: 'This channel is not on the board.' };
    const { action } = row;
    if (action.kind !== 'change-camera-then-nvr') return { why: WHY_NOT[action.kind === 'cannot' ? action.reason : action.kind] };
    const { xaddr } = action;
    const missing = () => ({ why: this.refused.has(xaddr) ? REFUSED : NOT_PROVEN });
    if (!this.ctx.credentials.get(xaddr)) return missing();
    return this.limit(() =>
      this.ctx.gate.withDevice(xaddr, async (lease) => {
        // Read inside the lease: a fetch queued behind one that was refused finds the credential dropped.
        const cred = this.ctx.credentials.get(xaddr);
        if (!cred) return missing();
        if (!lease.canTry()) return { why: 'Not asking this camera for a picture: it refused sign-ins recently or is locked, and another refusal could lock it.' };
        const client = new MediaClient({ xaddr, timeoutMs: this.o.timeoutMs ?? 5000, onAuthFailure: () => lease.recordFailure() });
        try {
          const [profile] = await client.getProfiles(cred);
          const snap = await client.fetchSnapshot(cred, await client.getSnapshotUri(cred, profile!.token));
          return { image: `data:${snap.mime};base64,${snap.bytes.toString('base64')}` };
        } catch (err) {
          if (err instanceof OnvifError && err.kind === 'locked') lease.lock(this.ctx.clock.now() + (err.retryAfterMs ?? LOCK_ASSUMED_MS));
          if (err instanceof OnvifError && err.kind === 'auth-failed') {
            this.refused.add(xaddr);
            this.ctx.credentials.forgetIf(xaddr, cred);
          }
          this.ctx.log.info('no snapshot for a channel', { channel, kind: err instanceof OnvifError ? err.kind : 'error' });
          return { why: whyNot(err) };
        } finally {
          client.close();
        }
      }),
    );
  }
}

const REFUSED = 'The camera refused the new password when asked for a picture; the app will not try it again.';
const NOT_PROVEN = 'The camera did not take the new password in this run, so the app holds no proven password for it.';

const WHY_NOT: Record<Exclude<PlanRow['action']['kind'], 'change-camera-then-nvr' | 'cannot'> | Extract<PlanRow['action'], { kind: 'cannot' }>['reason'], string> = {
  'nvr-own-sync': "The NVR's own sync changed this camera; the app holds no proven password for it.",
  'update-nvr-only': 'The app did not change this camera in this run, so it holds no proven password for it.',
  'unreachable-from-laptop': "The laptop cannot reach this camera (commonly behind the NVR's PoE ports), so there is no picture from it.",
  'no-onvif': 'The camera does not answer ONVIF, so there is no picture from it.',
  'fixed-user': 'The app could not change this camera, so it holds no proven password for it.',
  'nvr-not-writable': 'The app did not change this camera (the NVR could not be written), so it holds no proven password for it.',
};

function whyNot(err: unknown): string {
  if (!(err instanceof OnvifError)) return 'No picture: the camera could not be asked.';
  if (err.kind === 'auth-failed') return REFUSED;
  if (err.kind === 'locked') return 'The camera is locked after failed sign-ins; no picture until it unlocks.';
  if (err.kind === 'fault' && err.subcode === 'ActionNotSupported') return 'This camera offers no snapshot over ONVIF.';
  if (err.transient) return `The camera did not answer (${err.message}).`;
  return `No picture: ${err.message}.`;
}
