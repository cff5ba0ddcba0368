import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrChannel } from '../../../common/contract/nvr';

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

/** One line for the summary above the table. */
export function onlineSummary(channels: readonly NvrChannel[]): string {
  const online = channels.filter((c) => c.online).length;
  return `${online} of ${channels.length} channel${channels.length === 1 ? '' : 's'} online`;
}
