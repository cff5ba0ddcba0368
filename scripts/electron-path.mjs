// Where Electron's binary is, without asking the electron package: since v45,
// require('electron') downloads the binary when it is missing — a network call
// that must never happen from a launcher or a test.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @returns {{ path?: string, why?: string }} */
export function findElectron() {
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { why: "Electron's binary was not downloaded (path.txt is missing; installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1?)" };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(dir, 'dist');
  const full = join(base, rel);
  return existsSync(full) ? { path: full } : { why: `Electron's binary is missing at ${full}` };
}
