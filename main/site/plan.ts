import { hostOf } from '../../common/discovery/net';
import { isPausedByApp } from '../../common/nvr/pause-marker';
import { planSite, type PlanChannel, type PlanDevice, type PlanRow } from '../../common/nvr/site-plan';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { StoredChannel, WritePathProof } from '../dahua/channel-store';
import type { KnownPasswords } from './ports';

/**
 * The site plan: for every NVR channel — disabled ones included, they are
 * channels — what the app will do and why, and the work list the loop follows.
 * A chosen camera is changed whatever protocol the NVR uses for it, and with it
 * the account the NVR signs in with on that camera (often not the one typed in
 * the form: `onvif` on some cameras), whose current password is the one the NVR
 * stores. Where the NVR's write path could not be proved, no camera the NVR
 * records is changed, unless the technician chose "cameras only".
 */

/** One camera the NVR records (channels grouped by the camera's host). */
export interface CameraWork {
  host: string;
  /** The camera's ONVIF device service, from the chosen targets; undefined when none was chosen. */
  xaddr?: string;
  /** Its channels as the NVR stores them (passwords in memory only). */
  channels: StoredChannel[];
  /** Accounts this run changes on the camera: the chosen ones and the NVR's. Empty: the camera is not changed. */
  accounts: SyncTarget[];
}

export interface LoopPlan {
  rows: PlanRow[];
  unusedCameras: PlanDevice[];
  cameras: CameraWork[];
  /** Chosen accounts on cameras no channel records: changed after the cameras the NVR records. */
  rest: SyncTarget[];
  /** Every account of the run: the chosen ones, then the NVR's accounts the plan added. */
  targets: SyncTarget[];
  /** The NVR's stored password per account it signs in with: that account's current password. */
  known: KnownPasswords;
  proof: WritePathProof;
  camerasOnly: boolean;
}

export function planLoop(o: { channels: readonly StoredChannel[]; states: ReadonlyMap<number, string>; targets: readonly SyncTarget[]; proof: WritePathProof; camerasOnly?: boolean }): LoopPlan {
  const camerasOnly = !o.proof.ok && (o.camerasOnly ?? false);
  const writable = o.proof.ok || camerasOnly;
  const chosen = (host: string) => o.targets.filter((t) => hostOf(t.xaddr) === host);
  const base = planSite(o.channels.map((c) => planChannel(c, o.states)), inventoryOf(o.targets));
  const cameras = groupCameras(o.channels, chosen, writable);
  const added = new Set(cameras.flatMap((c) => c.accounts.filter((a) => !o.targets.some((t) => targetKey(t) === targetKey(a))).map(targetKey)));
  const rows = base.rows.map((r) => decideRow(r, cameras, { chosen, added, proof: o.proof, writable, camerasOnly }));
  const hosts = new Set(cameras.map((c) => c.host));
  const extra = cameras.flatMap((c) => c.accounts).filter((a) => added.has(targetKey(a)));
  return {
    rows,
    unusedCameras: base.unusedCameras,
    cameras,
    rest: o.targets.filter((t) => !hosts.has(hostOf(t.xaddr))),
    targets: [...o.targets, ...extra],
    known: knownPasswords(cameras),
    proof: o.proof,
    camerasOnly,
  };
}

function planChannel(c: StoredChannel, states: ReadonlyMap<number, string>): PlanChannel {
  return {
    channel: c.channel,
    ...(c.name ? { name: c.name } : {}),
    address: c.address,
    ...(c.port !== undefined ? { port: c.port } : {}),
    protocol: c.protocol.toLowerCase(),
    username: c.username,
    online: states.get(c.channel) === 'Connected',
    enabled: c.enabled,
    ...(isPausedByApp(c) ? { pausedByApp: true } : {}),
  };
}

function inventoryOf(targets: readonly SyncTarget[]): PlanDevice[] {
  const inventory: PlanDevice[] = [];
  for (const t of targets) {
    if (inventory.some((d) => d.xaddrs.includes(t.xaddr))) continue;
    inventory.push({ id: t.deviceId ?? t.xaddr, kind: 'camera', addresses: [hostOf(t.xaddr)], xaddrs: [t.xaddr] });
  }
  return inventory;
}

/** Channels by camera host; a chosen camera gets its chosen accounts plus every account the NVR signs in to it with. */
function groupCameras(channels: readonly StoredChannel[], chosen: (host: string) => SyncTarget[], writable: boolean): CameraWork[] {
  const byHost = new Map<string, CameraWork>();
  for (const c of [...channels].sort((a, b) => a.channel - b.channel)) {
    const host = hostOf(c.address);
    const work = byHost.get(host) ?? { host, channels: [], accounts: [] };
    work.channels.push(c);
    byHost.set(host, work);
  }
  for (const work of byHost.values()) {
    const mine = chosen(work.host);
    const first = mine[0];
    if (!first) continue;
    work.xaddr = first.xaddr;
    if (!writable) continue;
    work.accounts = [...mine];
    for (const c of work.channels) {
      if (work.accounts.some((a) => a.username === c.username)) continue;
      const { xaddr, deviceId, allowBasic, allowPasswordText } = first;
      work.accounts.push({ xaddr, username: c.username, ...(deviceId !== undefined ? { deviceId } : {}), ...(allowBasic !== undefined ? { allowBasic } : {}), ...(allowPasswordText !== undefined ? { allowPasswordText } : {}) });
    }
  }
  return [...byHost.values()];
}

interface RowContext {
  chosen: (host: string) => SyncTarget[];
  added: ReadonlySet<string>;
  proof: WritePathProof;
  writable: boolean;
  camerasOnly: boolean;
}

function decideRow(r: PlanRow, cameras: readonly CameraWork[], x: RowContext): PlanRow {
  const host = hostOf(r.channel.address);
  const work = cameras.find((c) => c.host === host);
  const row: PlanRow = { ...r };
  if (work?.xaddr) {
    if (!x.writable) {
      row.action = { kind: 'cannot', reason: 'nvr-not-writable' };
      row.why = `${WHY_NOT_WRITABLE} ${x.proof.ok ? '' : `${x.proof.reason} ${x.proof.nextStep}`}`.trim();
    } else {
      row.action = { kind: 'change-camera-then-nvr', xaddr: work.xaddr };
      row.why = x.camerasOnly ? WHY_CAMERAS_ONLY : WHY_CHANGE;
      const account = work.accounts.find((a) => a.username === r.channel.username);
      if (account && x.added.has(targetKey(account))) {
        row.nvrAccountAdded = true;
        row.why += ` The NVR signs in to this camera as "${r.channel.username}", which was not among the chosen accounts: the app changes that account too, starting from the password the NVR stores for it.`;
      }
    }
  } else if (r.action.kind === 'cannot' && r.action.reason === 'unreachable-from-laptop') {
    row.why = WHY_NOT_CHOSEN;
  }
  row.why = `${disabledNote(r.channel)}${row.why}`;
  return row;
}

function disabledNote(c: PlanChannel): string {
  if (c.enabled !== false) return '';
  if (c.pausedByApp) {
    return 'Disabled on the NVR by an earlier run of this app (it paused the channel while changing the camera): the app puts it back first, with the password the camera accepts. ';
  }
  return 'Disabled on the NVR (not by this app): the app leaves it disabled, and stores the new password for it when it changes the camera. ';
}

function knownPasswords(cameras: readonly CameraWork[]): KnownPasswords {
  const known: KnownPasswords = {};
  for (const work of cameras) {
    if (!work.xaddr) continue;
    for (const c of work.channels) {
      if (c.password === undefined) continue;
      const key = targetKey({ xaddr: work.xaddr, username: c.username });
      known[key] = [...new Set([...(known[key] ?? []), c.password])];
    }
  }
  return known;
}

const WHY_CHANGE =
  "This camera is among the chosen ones: the app pauses its channel, changes the camera (it may already hold the new password from the NVR's own sync), then stores the new password on the NVR and enables the channel again.";
const WHY_CAMERAS_ONLY =
  "Cameras only: the app changes this camera but cannot update the NVR, so this channel STOPS RECORDING, and the NVR's retries with the old password may lock the camera, until the new password is entered for it on the NVR's Remote Device page.";
const WHY_NOT_WRITABLE = 'The app does not change this camera: it could not prove it can write the NVR, and the NVR would keep signing in with the old password and lock the camera.';
const WHY_NOT_CHOSEN =
  "This channel's camera is not among the chosen cameras (or the laptop cannot reach it, e.g. on the NVR's PoE ports), so the app does not change it; the NVR's own sync or the camera's own page must.";
