import { z } from 'zod';
import { call, event } from './define';
import { ChannelOutcome } from '../nvr/channel-outcomes';
import { SyncTarget } from '../sync/target';
import { SyncPassword } from './sync';

// Close the loop (issue 10): the site plan per NVR channel, then the run that changes each camera and the
// NVR's stored password in the safe order, and the proof per channel. Owned by the site feature.

const PlanChannel = z.object({
  channel: z.number().int().min(1),
  name: z.string().optional(),
  address: z.string(),
  port: z.number().int().optional(),
  protocol: z.string(),
  username: z.string(),
  online: z.boolean(),
});

const ChannelAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('nvr-own-sync') }),
  z.object({ kind: z.literal('change-camera-then-nvr'), xaddr: z.string() }),
  z.object({ kind: z.literal('update-nvr-only') }),
  z.object({ kind: z.literal('cannot'), reason: z.enum(['unreachable-from-laptop', 'no-onvif', 'fixed-user']) }),
]);

export const SitePlanRow = z.object({ channel: PlanChannel, deviceId: z.string().optional(), model: z.string().optional(), action: ChannelAction, why: z.string() });
export type SitePlanRow = z.infer<typeof SitePlanRow>;

export const SitePlanView = z.object({
  nvr: z.string(),
  rows: z.array(SitePlanRow),
  /** Targets no channel records (their password still changes; the NVR does not use them). */
  unusedCameras: z.array(z.object({ id: z.string(), xaddr: z.string() })),
});
export type SitePlanView = z.infer<typeof SitePlanView>;

export const SiteChannelResult = z.object({
  channel: z.number().int(),
  /** The camera's address as the NVR stores it, and its inventory row when the laptop sees it. */
  address: z.string().optional(),
  deviceId: z.string().optional(),
  outcome: ChannelOutcome.optional(),
  detail: z.string(),
  connectionState: z.string().optional(),
});
export type SiteChannelResult = z.infer<typeof SiteChannelResult>;

export const SiteLoopState = z.object({
  running: z.boolean(),
  /** App-clock time the channel watch ends (the visible countdown), once it started. */
  watchUntil: z.number().optional(),
  results: z.array(SiteChannelResult),
  /** "14 of 16 channels recording with the new password", once every channel has an outcome. */
  summary: z.string().optional(),
  /** The camera sync run that changed the cameras (sync.status / sync.report). */
  syncRunId: z.string().optional(),
  error: z.string().optional(),
});
export type SiteLoopState = z.infer<typeof SiteLoopState>;

const Targets = z.array(SyncTarget).min(1).max(5000);

/** A tile's picture (a data: URL of a JPEG or PNG, at most 2 MiB before Base64), or why there is none. */
export const SiteSnapshot = z.object({
  image: z
    .string()
    .max(3_000_000)
    .regex(/^data:image\/(jpeg|png);base64,[A-Za-z0-9+/]+={0,2}$/)
    .optional(),
  why: z.string().max(500).optional(),
});
export type SiteSnapshot = z.infer<typeof SiteSnapshot>;

export const siteCalls = {
  'site.plan': call(z.object({ targets: Targets }), SitePlanView, "The plan per channel of the signed-in NVR for these cameras: what the app will do and why. Changes nothing."),
  'site.closeLoop': call(
    z
      .object({
        targets: Targets,
        currentPasswords: z.array(SyncPassword).min(1).max(5),
        newPassword: SyncPassword.optional(),
        caseId: z.string().min(1).max(200).optional(),
        /** How long to watch the channels reconnect (default 90 s). */
        waitMs: z.number().int().min(0).max(600_000).optional(),
      })
      .refine((v) => (v.newPassword === undefined) !== (v.caseId === undefined), 'give exactly one of newPassword or caseId'),
    z.object({ started: z.boolean() }),
    "The technician confirmed the plan (Save): change each camera between a pause and the NVR's stored-password write, then watch every channel.",
  ),
  'site.status': call(z.void(), SiteLoopState.nullable(), 'The last close-the-loop run of this session, with each channel.'),
  'site.snapshot': call(
    z.object({
      channel: z.number().int().min(1).max(1024),
      /** Skip the few seconds' cache (the tile's "Refresh picture"). */
      refresh: z.boolean().optional(),
    }),
    SiteSnapshot,
    "A current picture from the camera on this channel of the last run, signed in with the password that run proved on it (never a guess), or why there is none.",
  ),
} as const;

export const siteEvents = {
  'site.progress': event(SiteLoopState, 'The per-channel board changed (a camera done, a write answered, a poll of the channel states).'),
} as const;
