// `npm run bench -- <name>`: runs a benchmark inside the test sandbox (isolated
// network namespace where available), never against a real network.
import { spawnSync } from 'node:child_process';

const names = { discovery: 'bench/discovery.ts', sync: 'bench/sync.ts', 'site-loop': 'bench/site-loop.ts' };
const which = process.argv[2];
if (!which || !(which in names)) {
  console.error(`usage: npm run bench -- <${Object.keys(names).join('|')}>`);
  process.exit(2);
}
const r = spawnSync('bash', ['scripts/sandbox.sh', 'npx', 'tsx', 'bench/run.ts', which], { stdio: 'inherit' });
process.exit(r.status ?? 1);
