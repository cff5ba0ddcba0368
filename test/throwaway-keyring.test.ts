import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run demo` on a machine where nothing was started by hand: no session bus,
// no Secret Service, and perhaps an old keyring of someone else's in HOME.
const INNER = `
const keytar = require('keytar');
(async () => {
  await keytar.setPassword('nvr-throwaway-test', 'acct', 'Ab"c\\\\d123');
  const back = await keytar.getPassword('nvr-throwaway-test', 'acct');
  console.log(JSON.stringify({ ok: back === 'Ab"c\\\\d123', bus: !!process.env.DBUS_SESSION_BUS_ADDRESS, leaked: ['KEYRING_DIR', 'pw'].filter((k) => k in process.env), home: process.env.HOME }));
})().catch((e) => { console.log(JSON.stringify({ ok: false, error: String(e) })); process.exit(1); });
`;

const ours = () => readdirSync(tmpdir()).filter((n) => n.startsWith('nvr-demo-keyring-'));

describe('scripts/throwaway-keyring.mjs (the demo’s keychain where none runs)', () => {
  it('gives the command a working Secret Service, touches no other keyring, leaves nothing behind', () => {
    const home = mkdtempSync(join(tmpdir(), 'nvr-home-'));
    const keyrings = join(home, '.local', 'share', 'keyrings');
    mkdirSync(keyrings, { recursive: true });
    writeFileSync(join(keyrings, 'login.keyring'), 'someone else’s keyring');
    const before = statSync(join(keyrings, 'login.keyring')).mtimeMs;
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'XDG_DATA_HOME', 'NVR_KEYRING']) delete env[k];
    const leftovers = ours();

    const r = spawnSync(process.execPath, ['scripts/throwaway-keyring.mjs', '--', process.execPath, '-e', INNER], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; bus: boolean; leaked: string[]; home: string };
    expect(result).toEqual({ ok: true, bus: true, leaked: [], home });

    // The other keyring is as it was, and nothing new appeared beside it.
    expect(readFileSync(join(keyrings, 'login.keyring'), 'utf8')).toBe('someone else’s keyring');
    expect(statSync(join(keyrings, 'login.keyring')).mtimeMs).toBe(before);
    expect(readdirSync(keyrings)).toEqual(['login.keyring']);
    // The throwaway folder is gone.
    expect(ours()).toEqual(leftovers);
  }, 60_000);

  it('passes the command’s stderr on, minus only dbus-daemon’s fd-limit complaint (root without CAP_SYS_RESOURCE)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'NVR_KEYRING']) delete env[k];
    const speak = [
      'process.stderr.write("before\\n");',
      'process.stderr.write("dbus-daemon[42]: [session uid=0 pid=42] org.freedesktop.DBus.Error.AccessDenied: Failed to set fd limit to 65536: Operation not permitted\\n");',
      'process.stderr.write("Failed to set fd limit, said the app itself\\n");',
      'process.stderr.write("no newline at the end");',
    ].join('');
    const r = spawnSync(process.execPath, ['scripts/throwaway-keyring.mjs', '--', process.execPath, '-e', speak], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^dbus-daemon\[\d+\]: .*Failed to set fd limit/m);
    expect(r.stderr).toContain('before\n');
    expect(r.stderr).toContain('Failed to set fd limit, said the app itself\n');
    expect(r.stderr).toContain('no newline at the end');
  }, 60_000);

  it('refuses to run without a command', () => {
    const r = spawnSync(process.execPath, ['scripts/throwaway-keyring.mjs'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage/);
  });
});
