/** The commands `npm run dist` runs, or why it cannot run here (scripts/dist.mjs). */
export function distPlan(argv: string[], electron: { path?: string; why?: string }): { error: string } | { commands: string[][] };
