import { z } from 'zod';

/** How a device was seen. */
export const Protocol = z.enum(['ws-discovery', 'ssdp', 'sweep', 'manual', 'sim']);
export type Protocol = z.infer<typeof Protocol>;

export const DeviceKind = z.enum(['nvr', 'camera', 'other']);
export type DeviceKind = z.infer<typeof DeviceKind>;

/**
 * One physical device in the inventory: merged across protocols and addresses
 * by serial, MAC or endpoint UUID (the discovery issue owns the merging).
 */
export const InventoryDevice = z.object({
  /** Stable id of the row (serial, MAC or endpoint UUID based). */
  id: z.string(),
  kind: DeviceKind,
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  serial: z.string().optional(),
  mac: z.string().optional(),
  firmware: z.string().optional(),
  name: z.string().optional(),
  endpointUuid: z.string().optional(),
  /** Plain IPv4 strings. */
  addresses: z.array(z.string()),
  /** ONVIF device service URLs. */
  xaddrs: z.array(z.string()),
  presentationUrl: z.string().optional(),
  protocols: z.array(Protocol),
  online: z.boolean(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  /** Device clock minus app clock, from GetSystemDateAndTime, when known. */
  clockSkewMs: z.number().optional(),
  /** Reasons this row is suspicious (conflicting identities, off-network XAddr…). */
  flags: z.array(z.string()).default([]),
});
export type InventoryDevice = z.infer<typeof InventoryDevice>;
