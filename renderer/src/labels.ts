import type { InventoryDevice } from '../../common/domain/device';

/** A device as the technician reads it: "NV4108-HS · S/N 6J0C… · 192.168.1.10" (name first when it has one of its own). */
export function deviceLabel(d: InventoryDevice): string {
  const parts = [d.model ?? d.name ?? d.manufacturer, d.serial && `S/N ${d.serial}`, d.addresses[0]].filter((p): p is string => Boolean(p));
  // A name that already says the model ("IPC-HFW2431S (Camera 03)") replaces it rather than repeating it.
  if (d.name && d.model && d.name !== d.model) {
    if (d.name.includes(d.model)) parts[0] = d.name;
    else parts.unshift(d.name);
  }
  return parts.length ? parts.join(' · ') : d.id;
}
