import type { Feature, ServiceContext } from '../core/context';

/** Placeholder until the reset-wizard feature lands (issue 4). */
export async function setupCases(_ctx: ServiceContext): Promise<Feature<Record<never, never>>> {
  return { handlers: {} };
}
