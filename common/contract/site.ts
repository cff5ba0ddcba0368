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
  /** false: disabled on the NVR (a configured slot is a channel, even when disabled). Absent: enabled. */
  enabled: z.boolean().optional(),
  /** Disabled by this app while it changed the camera (the pause marker on the NVR), not by the customer. */
  pausedByApp: z.boolean().optional(),
});

const ChannelAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('nvr-own-sync') }),
  z.object({ kind: z.literal('change-camera-then-nvr'), xaddr: z.string() }),
  z.object({ kind: z.literal('update-nvr-only') }),
  z.object({ kind: z.literal('cannot'), reason: z.enum(['unreachable-from-laptop', 'no-onvif', 'fixed-user', 'nvr-not-writable']) }),
]);

export const SitePlanRow = z.object({
  channel: PlanChannel,
  deviceId: z.string().optional(),
  model: z.string().optional(),
  action: ChannelAction,
  why: z.string(),
  /** The NVR signs in to this camera with an account that was not among the chosen ones (`channel.username`): the app changes it too. */
  nvrAccountAdded: z.boolean().optional(),
});
export type SitePlanRow = z.infer<typeof SitePlanRow>;

/** What the app proved about writing this NVR before any camera changes (main/dahua/channel-store.ts). */
export const SiteWritePath = z.object({
  ok: z.boolean(),
  /** 'logic-device-manager' (newer, sealed) or 'remote-device-table' (older). */
  firmware: z.string().optional(),
  /** Passwords reach the NVR sealed (RSA + AES); false: they cross plain http — said before Save. */
  sealed: z.boolean().optional(),
  /** Plain words for the plan, e.g. that passwords cross plain http on this firmware. */
  note: z.string().optional(),
  /** Why the app cannot write this NVR, and what the technician can do. */
  reason: z.string().optional(),
  nextStep: z.string().optional(),
});
export type SiteWritePath = z.infer<typeof SiteWritePath>;

export const SitePlanView = z.object({
  nvr: z.string(),
  writePath: SiteWritePath,
  /** The technician chose "cameras only": the NVR cannot be written, and the channels of changed cameras stop recording. */
  camerasOnly: z.boolean().optional(),
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
  /** What to do about this channel in particular (the outcome's general next step otherwise). */
  nextStep: z.string().optional(),
  connectionState: z.string().optional(),
  /** As read back from the NVR: false means the channel is disabled on the NVR. */
  enabled: z.boolean().optional(),
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
/** Where the NVR cannot be written: change the chosen cameras anyway, knowing their channels stop recording. */
const CamerasOnly = z.boolean().optional();

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
  'site.plan': call(z.object({ targets: Targets, camerasOnly: CamerasOnly }), SitePlanView, "The plan per channel of the signed-in NVR for these cameras: what the app will do and why. Changes nothing."),
  'site.closeLoop': call(
    z
      .object({
        targets: Targets,
        currentPasswords: z.array(SyncPassword).min(1).max(5),
        newPassword: SyncPassword.optional(),
        caseId: z.string().min(1).max(200).optional(),
        /** How long to watch the channels reconnect (default 90 s). */
        waitMs: z.number().int().min(0).max(600_000).optional(),
        camerasOnly: CamerasOnly,
      })
      .refine((v) => (v.newPassword === undefined) !== (v.caseId === undefined), 'give exactly one of newPassword or caseId'),
    z.object({ started: z.boolean() }),
    "The technician confirmed the plan (Save): one camera at a time, pause its channels, change it, store its new password on the NVR (or put it back), then watch every channel and check each against the NVR.",
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
