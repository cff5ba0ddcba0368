import type { InventoryDevice } from '../../common/domain/device';
import type { NvrRef } from '../../common/reset/case';

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

/**
 * A case's NVR as the inventory knows it now: a case opened before discovery
 * had read the serial (SSDP answers after WS-Discovery) still gets its full name.
 */
export function currentNvrRef(ref: NvrRef, inventory: Map<string, InventoryDevice> | undefined): NvrRef {
  const d = ref.deviceId ? inventory?.get(ref.deviceId) : undefined;
  if (!d) return ref;
  return { ...ref, model: ref.model ?? d.model, serial: ref.serial ?? d.serial, address: ref.address ?? d.addresses[0] };
}
