#!/usr/bin/env node
// Installed and checkout entry of the CLI: runs the built main/cli (npm run build, or
// `npm run cli`, which builds first when the sources are newer).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(built)) {
  process.stderr.write('nvr-console: the app is not built yet; run `npm run build` first.\n');
  process.exit(2);
}
await import(pathToFileURL(built).href);
