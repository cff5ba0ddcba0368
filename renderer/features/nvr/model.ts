import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrChannel } from '../../../common/contract/nvr';
import type { SiteLoopState } from '../../../common/contract/site';
import type { Tone } from '../../src/status';
import { parseHostTarget } from '../../../common/discovery/net';
import { targetFromPaste } from '../../../common/paste-target';
import { restoredName } from '../../../common/nvr/pause-marker';

/** The inventory row a channel's camera is, by address; undefined when the laptop has not seen it. */
export function inventoryRowOf(channel: NvrChannel, devices: readonly InventoryDevice[]): InventoryDevice | undefined {
  const a = channel.address.trim();
  if (!a) return undefined;
  return devices.find((d) => d.kind !== 'nvr' && d.addresses.includes(a)) ?? devices.find((d) => d.addresses.includes(a));
}

/** What the technician reads in the inventory column. */
export function inventoryLabel(row: InventoryDevice | undefined): string {
  if (!row) return 'Not seen from this laptop (e.g. behind the NVR’s PoE ports)';
  // Discovery names often embed the model already ("IPC-HDW2431T (Camera 01)"): say it once.
  const model = row.model && row.name?.includes(row.model) ? undefined : row.model;
  return [row.name, model, row.serial].filter(Boolean).join(' · ') || row.addresses[0] || row.id;
}

/** host[:port] of an NVR row's web page: its first address, and the HTTP port DHIP reported when it is not 80. */
export function nvrHostOf(d: Pick<InventoryDevice, 'addresses' | 'dhip'>): string | undefined {
  const ip = d.addresses[0];
  if (!ip) return undefined;
  const port = d.dhip?.httpPort;
  return port && port !== 80 ? `${ip}:${port}` : ip;
}

/** The NVR's web address from an inventory row's IP: http://host (port 80, where its web page is). */
export function nvrUrlOf(host: string | undefined): string {
  if (!host) return '';
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

const PROTOCOL_LABEL: Record<string, string> = { private: 'Dahua private', onvif: 'ONVIF' };
export const protocolLabel = (p: string) => PROTOCOL_LABEL[p] ?? (p || 'Unknown');

/** A stored name without this app's pause marker (the shared rule of putting a name back): the technician knows the channel by its own name. */
export function shownName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : restoredName(name).name.trim() || undefined;
}

/** One line for the summary above the table; disabled channels counted apart (they are channels, not empty slots). */
export function onlineSummary(channels: readonly NvrChannel[]): string {
  const online = channels.filter((c) => c.online).length;
  const disabled = channels.filter((c) => c.enabled === false).length;
  return `${online} of ${channels.length} channel${channels.length === 1 ? '' : 's'} online${disabled ? `, ${disabled} disabled on the NVR` : ''}`;
}

/**
 * A channel's state as the technician reads it (icon + word) and, for one a
 * close-the-loop run paused and did not put back, what puts it back. A
 * disabled channel never reads as offline or as an empty slot: it does not
 * record because the NVR does not use it.
 */
export function channelStatus(c: NvrChannel, enabledSince = false): { tone: Tone; word: string; note?: string } {
  if (c.enabled === false) {
    if (!c.pausedByApp) return { tone: 'bad', word: 'Disabled on the NVR', note: 'Not by this app: it does not record until someone enables it on the NVR.' };
    const note = enabledSince
      ? 'Paused by an earlier run of this app; the app has enabled it again since this read. Refresh to read the NVR now.'
      : 'Paused by an earlier run of this app — the next run, or the reset case’s last step, restores it.';
    return { tone: 'bad', word: 'Disabled on the NVR', note };
  }
  if (c.online) return { tone: 'good', word: 'Online' };
  return c.state === 'unknown' ? { tone: 'wait', word: 'Unknown' } : { tone: 'bad', word: 'Offline' };
}

/**
 * Channels this read shows paused that the app's last finished close-the-loop
 * pass (a run, or the restore when the session opened) read back enabled.
 */
export function enabledSince(channels: readonly NvrChannel[], loop: Pick<SiteLoopState, 'running' | 'results'> | null | undefined): Set<number> {
  if (!loop || loop.running) return new Set();
  const back = new Set(loop.results.filter((r) => r.enabled === true).map((r) => r.channel));
  return new Set(channels.filter((c) => c.pausedByApp && back.has(c.channel)).map((c) => c.channel));
}

/**
 * The NVR's web address from what the technician typed or pasted, in the same
 * forms Add by IP takes: `192.168.1.108`, `192.168.1.108:8080`, a host name, or a
 * pasted `http(s)://…` address (its path and any credentials dropped).
 */
export function nvrUrlFromInput(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  const t = text.trim();
  if (!t) return { ok: false, reason: 'Type the NVR’s address, e.g. 192.168.1.108.' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      return { ok: false, reason: `“${t}” is not an address the app can use.` };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, reason: 'The NVR’s web page is http:// or https://.' };
    return { ok: true, url: `${u.protocol}//${u.host}` };
  }
  const { target } = targetFromPaste(t);
  const r = parseHostTarget(target);
  if (!r.ok) return { ok: false, reason: `“${t}” is not an address: type an IPv4 address or host name, optionally with :port.` };
  return { ok: true, url: `http://${r.target.host}${r.target.port ? `:${r.target.port}` : ''}` };
}

/** The NVR the NVR tab starts from: the one the entry point named, else the inventory's (the online one first). */
export function defaultNvrHost(given: string | undefined, devices: Iterable<InventoryDevice>): string | undefined {
  if (given) return given;
  const nvrs = [...devices].filter((d) => d.kind === 'nvr');
  const row = nvrs.find((d) => d.online) ?? nvrs[0];
  return row ? nvrHostOf(row) : undefined;
}
