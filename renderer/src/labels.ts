import type { InventoryDevice } from '../../common/domain/device';

/** A device as the technician reads it: "NV4108-HS · S/N 6J0C… · 192.168.1.10" (name first when it has one of its own). */
export function deviceLabel(d: InventoryDevice): string {
  const parts = [d.model ?? d.name ?? d.manufacturer, d.serial && `S/N ${d.serial}`, d.addresses[0]].filter((p): p is string => Boolean(p));
  if (d.name && d.model && d.name !== d.model) parts.unshift(d.name);
  return parts.length ? parts.join(' · ') : d.id;
}
