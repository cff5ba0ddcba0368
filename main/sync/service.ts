import type { Feature, ServiceContext } from '../core/context';

/** Placeholder until the camera-sync feature lands (issue 5). */
export async function setupSync(_ctx: ServiceContext): Promise<Feature<Record<never, never>>> {
  return { handlers: {} };
}
