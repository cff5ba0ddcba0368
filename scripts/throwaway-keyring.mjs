// A throwaway OS keychain for the demo on a machine where none runs (a fresh
// install, a minimal image, ssh): a private D-Bus session with a brand-new GNOME
// keyring in a temporary folder, unlocked with a random password that only the
// daemon sees (through a pipe), all removed when the command ends. It never
// touches, reuses or unlocks any other keyring: the daemon's data and control
// folders are the temporary ones.
//
//   node scripts/throwaway-keyring.mjs -- <command> [args…]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when something on the session bus answers as the Secret Service (the OS keychain keytar uses). */
export function secretServiceRuns(env = process.env) {
  const r = spawnSync('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', 'org.freedesktop.secrets'], { env, encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && /true/.test(r.stdout);
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * The command's stderr, minus one line of dbus-daemon's: run as root without
 * CAP_SYS_RESOURCE (a container, a CI runner), it says "AccessDenied: Failed to
 * set fd limit" at every start. That limit is for a system bus's thousands of
 * clients; this private bus has two, so the line only frightens. Every other
 * line, the daemon's or the command's, is passed on as it comes.
 */
function quietDaemon(stderr) {
  const lines = createInterface({ input: stderr, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!/^dbus-daemon\[\d+\]: .*Failed to set fd limit/.test(line)) process.stderr.write(line + '\n');
  });
}

/** Runs the command inside a throwaway keyring; resolves with its exit code, or undefined when the tools are missing. */
export function runInThrowawayKeyring(command, env = process.env) {
  if (!have('dbus-run-session') || !have('gnome-keyring-daemon')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nvr-demo-keyring-'));
  for (const sub of ['data', 'run']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const script = [
    'IFS= read -r pw <&3; exec 3<&-',
    // Only the daemon sees the temporary folders: the command keeps the user's own.
    `printf '%s' "$pw" | XDG_DATA_HOME="$KEYRING_DIR/data" XDG_RUNTIME_DIR="$KEYRING_DIR/run" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || echo "throwaway keyring: gnome-keyring-daemon did not start" >&2`,
    'unset pw KEYRING_DIR',
    'exec "$@"',
  ].join('\n');
  const child = spawn('dbus-run-session', ['--', 'bash', '-c', script, 'bash', ...command], {
    env: { ...env, KEYRING_DIR: dir, NVR_KEYRING: 'throwaway' },
    // stderr passes through quietDaemon(); the rest is the terminal's.
    stdio: ['inherit', 'inherit', 'pipe', 'pipe'],
    // Its own process group, so a stop reaches the bus and the command together
    // (dbus-run-session does not pass signals on); the keyring daemon leaves with its bus.
    detached: true,
  });
  child.stdio[3].end(randomBytes(24).toString('base64url') + '\n');
  quietDaemon(child.stderr);
  const stop = () => process.kill(-child.pid, 'SIGTERM');
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, stop);
  return new Promise((resolve) => {
    // 'close', not 'exit': 'exit' can come before the last of stderr was read,
    // and process.exit() after it would drop a final line that has no newline.
    child.on('close', (code, signal) => {
      for (const sig of ['SIGINT', 'SIGTERM']) process.off(sig, stop);
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--');
  const command = at >= 0 ? process.argv.slice(at + 1) : [];
  if (command.length === 0) {
    console.error('usage: node scripts/throwaway-keyring.mjs -- <command> [args…]');
    process.exit(2);
  }
  const run = runInThrowawayKeyring(command);
  if (!run) {
    console.error('throwaway keyring: dbus-run-session and gnome-keyring-daemon are needed (apt-get install dbus-user-session gnome-keyring)');
    process.exit(3);
  }
  run.then((code) => process.exit(code));
}
