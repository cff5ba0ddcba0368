import { z } from 'zod';
import { call, event } from './define';
import { InventoryDevice } from '../domain/device';

// Device inventory and discovery. Owned by the discovery feature (issue 3).
export const deviceCalls = {
  'devices.list': call(z.void(), z.array(InventoryDevice), 'The current inventory, one row per physical device.'),
} as const;

export const deviceEvents = {
  'devices.changed': event(
    z.object({ devices: z.array(InventoryDevice) }),
    'Rows added or updated in place (only the changed rows).',
  ),
} as const;
