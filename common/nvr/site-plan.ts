import { hostOf } from '../discovery/net';

/**
 * One site plan before anything changes: for every NVR channel, what the app
 * will do to get it recording again with the new password, and why. Pure: the
 * NVR feature feeds it the channel list it read and the inventory; the
 * technician confirms it (the NVR's Save/Cancel, as in the seed) before any
 * camera or NVR is touched.
 */

/** One configured channel as read from the NVR (`RemoteDevice` + camera state). */
export interface PlanChannel {
  /** 1-based, as the NVR's screens number them. */
  channel: number;
  name?: string;
  address: string;
  port?: number;
  /** Lower case: `private` (Dahua's own protocol), `onvif`, … */
  protocol: string;
  username: string;
  online: boolean;
  /** false: disabled on the NVR. A configured slot is a channel even when disabled. Absent: enabled. */
  enabled?: boolean;
  /** Disabled by this app (the pause marker, common/nvr/pause-marker.ts), not by the customer. */
  pausedByApp?: boolean;
}

/** The inventory row fields the plan needs. */
export interface PlanDevice {
  id: string;
  kind: 'nvr' | 'camera' | 'other';
  addresses: string[];
  xaddrs: string[];
  model?: string;
  name?: string;
}

/** What camera sync already learnt about a camera this case (by address). */
export type KnownCameraState = 'holds-new-password' | 'fixed-user';

export type CannotReason = 'unreachable-from-laptop' | 'no-onvif' | 'fixed-user' | 'nvr-not-writable';

export type ChannelAction =
  | { kind: 'nvr-own-sync' }
  | { kind: 'change-camera-then-nvr'; xaddr: string }
  | { kind: 'update-nvr-only' }
  | { kind: 'cannot'; reason: CannotReason };

export interface PlanRow {
  channel: PlanChannel;
  /** The inventory row this channel's camera is, when the laptop sees it. */
  deviceId?: string;
  model?: string;
  action: ChannelAction;
  /** One plain sentence: what will happen and why. */
  why: string;
  /** The NVR signs in to this camera with an account that was not among the chosen ones: the app changes it too. */
  nvrAccountAdded?: boolean;
}

export interface SitePlan {
  rows: PlanRow[];
  /** Cameras the laptop sees that no channel uses (listed apart: the NVR does not record them). */
  unusedCameras: PlanDevice[];
  counts: Record<ChannelAction['kind'], number>;
}

const WHY: Record<Exclude<ChannelAction['kind'], 'cannot'>, string> & Record<CannotReason, string> = {
  'nvr-own-sync':
    "The NVR added this camera with its own protocol, so the NVR's own sync (Save on its sync prompt) changes it; the app only checks that the channel records again.",
  'change-camera-then-nvr':
    "The NVR reaches this camera by ONVIF, which the NVR's own sync skips: the app changes the camera's password, verifies it, then updates the password the NVR stores for this channel straight away.",
  'update-nvr-only': 'The camera already holds the new password: only the password the NVR stores for this channel is updated.',
  'unreachable-from-laptop':
    "The laptop cannot see this camera (commonly: it sits on the NVR's PoE ports). Only the NVR's own sync or the camera's own page can change it.",
  'no-onvif': 'The laptop sees this camera but it does not answer ONVIF, so the app cannot change its password.',
  'fixed-user': "The camera refuses password changes for this account (a fixed user); change it on the camera's own page.",
  'nvr-not-writable':
    "The app could not prove it can write this NVR's stored passwords, so it does not change this camera: the NVR would keep signing in with the old password and lock it.",
};

export function explain(action: ChannelAction): string {
  return action.kind === 'cannot' ? WHY[action.reason] : WHY[action.kind];
}

export function planSite(channels: readonly PlanChannel[], inventory: readonly PlanDevice[], known: ReadonlyMap<string, KnownCameraState> = new Map()): SitePlan {
  const byHost = new Map<string, PlanDevice>();
  for (const d of inventory) {
    if (d.kind === 'nvr') continue;
    for (const a of d.addresses) byHost.set(hostOf(a), d);
    for (const x of d.xaddrs) byHost.set(hostOf(x), d);
  }
  const used = new Set<string>();
  const rows = [...channels]
    .sort((a, b) => a.channel - b.channel)
    .map((channel): PlanRow => {
      const host = hostOf(channel.address);
      const device = byHost.get(host);
      if (device) used.add(device.id);
      const action = decide(channel, device, known.get(host));
      return { channel, ...(device ? { deviceId: device.id, ...(device.model ? { model: device.model } : {}) } : {}), action, why: explain(action) };
    });
  const counts = { 'nvr-own-sync': 0, 'change-camera-then-nvr': 0, 'update-nvr-only': 0, cannot: 0 };
  for (const r of rows) counts[r.action.kind]++;
  return { rows, unusedCameras: inventory.filter((d) => d.kind === 'camera' && !used.has(d.id)), counts };
}

function decide(channel: PlanChannel, device: PlanDevice | undefined, state: KnownCameraState | undefined): ChannelAction {
  if (channel.protocol === 'private') return { kind: 'nvr-own-sync' };
  if (state === 'holds-new-password') return { kind: 'update-nvr-only' };
  if (!device) return { kind: 'cannot', reason: 'unreachable-from-laptop' };
  if (state === 'fixed-user') return { kind: 'cannot', reason: 'fixed-user' };
  const xaddr = device.xaddrs[0];
  return xaddr ? { kind: 'change-camera-then-nvr', xaddr } : { kind: 'cannot', reason: 'no-onvif' };
}
