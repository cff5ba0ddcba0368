// Builds the app when out/ is missing or older than any source file, quietly:
// `npm run --silent cli` must print only the command's own output on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const stamp = 'out/main/cli.js';
const roots = ['common', 'main', 'preload', 'renderer', 'sim', 'demo', 'electron.vite.config.ts', 'package.json'];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

const built = existsSync(stamp) && existsSync('out/main/host.js') ? statSync(stamp).mtimeMs : 0;
if (built === 0 || roots.some((r) => existsSync(r) && newest(r) > built)) {
  process.stderr.write('Building the app (sources changed)…\n');
  const r = spawnSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
