import { hostOf } from '../../common/discovery/net';
import { planSite, type PlanChannel, type PlanDevice, type SitePlan } from '../../common/nvr/site-plan';
import type { SyncTarget } from '../../common/sync/target';

/**
 * The site plan when the inventory is the cameras the technician chose (the
 * Sync screen's selection, the CLI's targets file). A chosen camera is changed
 * whatever protocol the NVR uses for it, and its channel's stored password is
 * then updated too (the table holds it for Private channels as well), or the
 * NVR would lose that camera; a channel whose camera was not chosen is left alone.
 */
export function planForTargets(channels: readonly PlanChannel[], targets: readonly SyncTarget[]): SitePlan {
  const inventory: PlanDevice[] = [];
  for (const t of targets) {
    if (inventory.some((d) => d.xaddrs.includes(t.xaddr))) continue;
    inventory.push({ id: t.deviceId ?? t.xaddr, kind: 'camera', addresses: [hostOf(t.xaddr)], xaddrs: [t.xaddr] });
  }
  const plan = planSite(channels, inventory);
  for (const r of plan.rows) {
    const listed = targets.find((t) => hostOf(t.xaddr) === hostOf(r.channel.address));
    if (r.action.kind === 'nvr-own-sync' && listed) {
      r.action = { kind: 'change-camera-then-nvr', xaddr: listed.xaddr };
      r.why = "This camera is among the chosen ones: the app changes it (it may already hold the new password from the NVR's own sync), then updates the password the NVR stores for this channel.";
    } else if (r.action.kind === 'cannot' && r.action.reason === 'unreachable-from-laptop') {
      r.why = "This channel's camera is not among the chosen cameras (or the laptop cannot reach it, e.g. on the NVR's PoE ports), so the app does not change it; the NVR's own sync or the camera's own page must.";
    }
  }
  const counts = { 'nvr-own-sync': 0, 'change-camera-then-nvr': 0, 'update-nvr-only': 0, cannot: 0 };
  for (const r of plan.rows) counts[r.action.kind]++;
  return { ...plan, counts };
}

/** The targets (accounts) of the camera a channel records. */
export function accountsOf(targets: readonly SyncTarget[], address: string): SyncTarget[] {
  return targets.filter((t) => hostOf(t.xaddr) === hostOf(address));
}
