import type { CallName } from '../../common/contract';
import type { InventoryDevice } from '../../common/domain/device';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';

type DeviceHandlers = Pick<Handlers, Extract<CallName, `devices.${string}`>>;

/** Placeholder until the discovery feature lands (issue 3). */
export async function setupDiscovery(_ctx: ServiceContext): Promise<Feature<DeviceHandlers>> {
  const inventory: InventoryDevice[] = [];
  return { handlers: { 'devices.list': () => inventory } };
}
