import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrRef } from '../../../common/reset/case';
import { sameNvr } from '../../../common/reset/identity';
import { defaultNvrHost, nvrHostOf } from '../nvr/model';

/** A row's identity in the shape a case's NVR reference has. */
export function rowIdentity(d: InventoryDevice) {
  return { label: d.name ?? d.model ?? d.id, deviceId: d.id, serial: d.serial, mac: d.mac, endpointUuid: d.endpointUuid, address: d.addresses[0] };
}

/**
 * The web address (host[:port]) of a case's NVR: its inventory row whatever form
 * its identity took (the row's HTTP port from DHIP included), else the address the
 * case holds, else the one NVR the laptop found.
 */
export function caseNvrHost(ref: NvrRef | undefined, given: string | undefined, devices: Iterable<InventoryDevice>): string | undefined {
  const nvrs = [...devices].filter((d) => d.kind === 'nvr');
  const row = (ref && nvrs.find((d) => sameNvr(ref, rowIdentity(d)))) ?? (given ? nvrs.find((d) => d.addresses.includes(given)) : undefined);
  if (row) return nvrHostOf(row);
  return given ?? ref?.address ?? defaultNvrHost(undefined, nvrs);
}
