import type { NvrRef } from './case';

/**
 * Whether two references name the same physical NVR, whatever form each was
 * taken in: a case opened from a WS-Discovery row (`mac:…`) and the same NVR
 * after a restart, when DHIP answered first (`sn:…`), are one NVR. A hardware
 * identity both sides know decides (serial, then MAC, then endpoint UUID); only
 * without one do the row id, the address or a typed name count.
 */
export type NvrIdentity = Pick<NvrRef, 'deviceId' | 'serial' | 'mac' | 'endpointUuid' | 'address' | 'label'>;

const norm = {
  serial: (s: string) => s.trim().toUpperCase(),
  mac: (s: string) => s.trim().toLowerCase().replace(/-/g, ':'),
  endpointUuid: (s: string) => s.trim().toLowerCase().replace(/^(urn:)?uuid:/, ''),
};
const HARDWARE = ['serial', 'mac', 'endpointUuid'] as const;

export function sameNvr(a: NvrIdentity, b: NvrIdentity): boolean {
  for (const k of HARDWARE) {
    const x = a[k];
    const y = b[k];
    if (x && y) return norm[k](x) === norm[k](y);
  }
  if (a.deviceId && b.deviceId && a.deviceId === b.deviceId) return true;
  if (a.address && b.address) return a.address.trim() === b.address.trim();
  // Two cases typed by hand with the same name are the same NVR as far as anyone can tell.
  const typed = (r: NvrIdentity) => !r.deviceId && !r.serial && !r.mac && !r.address;
  return typed(a) && typed(b) && a.label.trim().toLowerCase() === b.label.trim().toLowerCase();
}
