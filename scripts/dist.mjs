// `npm run dist[:linux|:win|:mac] [-- <electron-builder options>]`: builds the
// app and its installers with electron-builder (AppImage + deb, nsis, dmg; see
// electron-builder.yml). Packaging downloads Electron for the target platform,
// so it needs internet access: where Electron's binary is missing (as on a
// machine without internet) it says so and stops, rather than failing deep in a
// download with a stack trace. The Release workflow runs it on each OS.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { findElectron } from './electron-path.mjs';

const platformFlags = { linux: '--linux', win: '--win', mac: '--mac' };

/**
 * The commands `npm run dist` runs, or why it cannot run here.
 * @param {string[]} argv arguments after the script name
 * @param {{ path?: string, why?: string }} electron
 * @returns {{ error: string } | { commands: string[][] }}
 */
export function distPlan(argv, electron) {
  const [first, ...rest] = argv;
  const platform = first && !first.startsWith('-') ? first : undefined;
  const extra = platform ? rest : argv;
  if (platform && !(platform in platformFlags)) {
    return { error: `npm run dist: unknown platform "${platform}" (use ${Object.keys(platformFlags).join(', ')}, or none for this machine's).` };
  }
  if (!electron.path) {
    return {
      error: [
        `npm run dist needs Electron's binary, and it is not installed here: ${electron.why}.`,
        'Building the installers downloads Electron for each target platform, so it needs internet access.',
        'On a machine with internet access: `npx install-electron`, then `npm run dist` again.',
        'Or push a version tag and let the Release workflow build them (docs/RELEASE.md).',
      ].join('\n'),
    };
  }
  const builder = ['npx', 'electron-builder', ...(platform ? [platformFlags[platform]] : []), ...extra];
  return { commands: [['npx', 'electron-vite', 'build'], builder] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const plan = distPlan(process.argv.slice(2), findElectron());
  if ('error' in plan) {
    console.error(plan.error);
    process.exit(1);
  }
  for (const [cmd, ...args] of plan.commands) {
    console.log(`> ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
