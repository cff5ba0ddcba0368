import { z } from 'zod';
import { call, event } from './define';
import { InventoryDevice } from '../domain/device';
import { HostTargetInput, isIpv4, RangeInput } from '../discovery/net';

// Device inventory and discovery. Owned by the discovery feature (issue 3).

export const Adapter = z.object({
  name: z.string(),
  address: z.string(),
  prefix: z.number().int().min(0).max(32),
  internal: z.boolean(),
});
export type Adapter = z.infer<typeof Adapter>;

export const AdapterChoice = z.object({
  available: z.array(Adapter),
  /** Addresses discovery runs on now. */
  selected: z.array(z.string()),
});
export type AdapterChoice = z.infer<typeof AdapterChoice>;

export const DiagnosticReason = z.enum([
  'malformed',
  'oversized',
  'unsolicited',
  'off-network',
  'host-mismatch',
  'redirect-off-host',
  'fetch-failed',
  'timeout',
  'conflict',
  'unreachable',
]);
export type DiagnosticReason = z.infer<typeof DiagnosticReason>;

/** A datagram or document that was dropped, or a row that was flagged, and why. */
export const Diagnostic = z.object({
  at: z.number(),
  protocol: z.enum(['ws-discovery', 'ssdp', 'dhip', 'sweep', 'manual']),
  /** `ip:port` of the sender, or the URL fetched. */
  source: z.string(),
  reason: DiagnosticReason,
  action: z.enum(['dropped', 'flagged']),
  detail: z.string(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

export const ScanState = z.object({
  state: z.enum(['idle', 'scanning', 'sweeping']),
  /** Sweep progress (hosts probed / total). */
  done: z.number().int().optional(),
  total: z.number().int().optional(),
});
export type ScanState = z.infer<typeof ScanState>;

const Ipv4 = z.string().max(15).refine(isIpv4, { message: 'an IPv4 address' });

export const deviceCalls = {
  'devices.list': call(z.void(), z.array(InventoryDevice), 'The current inventory, one row per physical device.'),
  'devices.scan': call(
    z.object({ timeoutMs: z.number().int().min(500).max(30_000).default(3000) }).default({ timeoutMs: 3000 }),
    z.object({ devices: z.array(InventoryDevice) }),
    'WS-Discovery, SSDP and DHIP on the chosen adapters; rows stream as devices.changed, the answer is the inventory after the listen window.',
  ),
  'devices.addManual': call(
    z.object({ target: HostTargetInput }),
    InventoryDevice,
    'Adds a device by IPv4 or host name[:port]: ONVIF GetSystemDateAndTime, a unicast DHIP search and an HTTP check. Fails with not-found when nothing answers.',
  ),
  'devices.sweep': call(
    z.object({
      range: RangeInput,
      ports: z.array(z.number().int().min(1).max(65535)).min(1).max(8).optional(),
      /** The technician confirmed a range outside the chosen adapters' networks. */
      confirmWide: z.boolean().optional(),
    }),
    z.object({ probed: z.number().int(), found: z.number().int() }),
    'Unicast sweep of an IPv4 range (at most a /16) for ONVIF, DHIP and HTTP. A range outside the chosen adapters\' networks fails with code `confirm-wide-range` unless confirmWide is set.',
  ),
  'devices.checkFactoryDefaults': call(
    z.void(),
    z.object({ probed: z.array(z.string()), found: z.array(InventoryDevice) }),
    'Probes the vendors factory-default addresses (Dahua 192.168.1.108, Hikvision 192.168.1.64 and 192.0.0.64). Refused while the demo site runs.',
  ),
  'devices.interfaces': call(z.void(), AdapterChoice, 'The laptop IPv4 adapters and the ones discovery uses.'),
  'devices.setInterfaces': call(
    z.object({ addresses: z.array(Ipv4).min(1).max(16) }),
    AdapterChoice,
    'Chooses the adapters discovery runs on (remembered across launches).',
  ),
  'devices.diagnostics': call(z.void(), z.array(Diagnostic), 'Recent dropped or flagged datagrams and documents, newest last.'),
} as const;

export const deviceEvents = {
  'devices.changed': event(
    z.object({ devices: z.array(InventoryDevice), removed: z.array(z.string()).optional() }),
    'Rows added or updated in place (only the changed rows); `removed` lists row ids folded into another row.',
  ),
  'devices.diagnostic': event(Diagnostic, 'A datagram or document was dropped or flagged.'),
  'devices.scanState': event(ScanState, 'Scan / sweep progress.'),
} as const;
