import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir`, recursively (none when it does not exist): what a no-secrets check reads. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
