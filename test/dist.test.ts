import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { distPlan } from '../scripts/dist.mjs';

// `npm run dist` needs Electron's binary (and internet access); here it must say
// so plainly. ELECTRON_OVERRIDE_DIST_PATH pointing nowhere makes the binary
// missing even on a machine where it is installed, so this never skips.
const missingEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' };

describe('npm run dist', () => {
  it.each(['dist', 'dist:linux', 'dist:win', 'dist:mac'])('`npm run %s` says it needs Electron’s binary and internet access, without a stack trace', (script) => {
    const r = spawnSync('npm', ['run', '--silent', script], { env: missingEnv, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^npm run dist needs Electron's binary, and it is not installed here: /);
    expect(r.stderr).toContain('it needs internet access');
    expect(r.stderr).toContain('docs/RELEASE.md');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.stdout).toBe('');
  });

  it('with the binary: builds, then runs electron-builder for the platform asked, passing extra options on', () => {
    const bin = { path: '/opt/electron/electron' };
    expect(distPlan([], bin)).toEqual({ commands: [['npx', 'electron-vite', 'build'], ['npx', 'electron-builder']] });
    expect(distPlan(['linux'], bin)).toEqual({ commands: [['npx', 'electron-vite', 'build'], ['npx', 'electron-builder', '--linux']] });
    expect(distPlan(['win', '--publish', 'always'], bin)).toEqual({
      commands: [['npx', 'electron-vite', 'build'], ['npx', 'electron-builder', '--win', '--publish', 'always']],
    });
    expect(distPlan(['mac'], bin)).toMatchObject({ commands: [expect.anything(), ['npx', 'electron-builder', '--mac']] });
    expect(distPlan(['--dir'], bin)).toMatchObject({ commands: [expect.anything(), ['npx', 'electron-builder', '--dir']] });
  });

  it('refuses an unknown platform with a usage line', () => {
    expect(distPlan(['solaris'], { path: '/x' })).toEqual({ error: expect.stringMatching(/unknown platform "solaris" \(use linux, win, mac/) });
  });
});
