import { z } from 'zod';

/** How a device was seen. */
export const Protocol = z.enum(['ws-discovery', 'ssdp', 'dhip', 'sweep', 'manual']);
export type Protocol = z.infer<typeof Protocol>;

export const DeviceKind = z.enum(['nvr', 'camera', 'other']);
export type DeviceKind = z.infer<typeof DeviceKind>;

/**
 * What a Dahua-family device says about itself in its DHIP discovery answer
 * (`client.notifyDevInfo`), the fields SADP/ConfigTool users rely on.
 */
export const DhipInfo = z.object({
  /** IPC, NVR, DVR, XVR, VTO… as the device reports it. */
  deviceClass: z.string().optional(),
  /** From Init's low two bits: 1 = not initialised (no admin password yet), 2 = initialised. */
  init: z.enum(['initialised', 'not-initialised', 'unknown']),
  /** Init bits 6–7: the device offers a password reset (uncertain across firmwares). */
  resetSupported: z.boolean().optional(),
  /** The private protocol's TCP port (37777 by default). */
  privatePort: z.number().int().optional(),
  httpPort: z.number().int().optional(),
  /** RemoteVideoInputChannels: > 0 marks a recorder. */
  remoteChannels: z.number().int().optional(),
  videoInputs: z.number().int().optional(),
});
export type DhipInfo = z.infer<typeof DhipInfo>;

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
  /** Present once the device answered DHIP discovery. */
  dhip: DhipInfo.optional(),
  /** Reasons this row is suspicious (conflicting identities, off-network XAddr…). */
  flags: z.array(z.string()).default([]),
});
export type InventoryDevice = z.infer<typeof InventoryDevice>;
