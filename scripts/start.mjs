// `npm start` / `npm run demo`: the Electron app where its binary exists;
// otherwise the browser host (same services) in Chromium's app mode, or its URL.
// The demo runs its own entries (out/main/demo/), which wrap the same hosts
// around the simulated site; the product entries know nothing of it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectron } from './electron-path.mjs';
import { runInThrowawayKeyring, secretServiceRuns } from './throwaway-keyring.mjs';

const demo = process.argv.includes('--demo');
const entries = demo ? { electron: 'out/main/demo/electron.js', host: 'out/main/demo/host.js' } : { electron: 'out/main/electron.js', host: 'out/main/host.js' };

function chromium() {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
}

function start() {
  const env = { ...process.env };
  const { path: electron, why } = findElectron();
  if (electron) {
    const child = spawn(electron, [entries.electron], { stdio: 'inherit', env });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  console.log(`Electron cannot start here: ${why}. Starting the browser host instead (same app, served on 127.0.0.1).`);
  const host = spawn(process.execPath, [entries.host, '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'inherit'], env });
  let buffered = '';
  host.stdout.on('data', (d) => {
    buffered += d;
    const line = buffered.split('\n').find((l) => l.includes('"listening"'));
    if (!line) return;
    buffered = '';
    const { url } = JSON.parse(line);
    const browser = chromium();
    const hasDisplay = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
    if (browser && hasDisplay) {
      console.log('Opening the app in Chromium (app mode). Close its window or press Ctrl+C to quit.');
      const args = [`--app=${url}`, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'nvr-console-chromium-'))}`, '--no-first-run', '--disable-background-networking', '--disable-sync', '--disable-component-update'];
      if (process.getuid?.() === 0) args.push('--no-sandbox');
      const ui = spawn(browser, args, { stdio: 'ignore' });
      ui.on('exit', () => host.kill('SIGTERM'));
    } else {
      console.log(`Open this address in a browser on this machine (Ctrl+C to quit):\n  ${url}`);
    }
  });
  host.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => host.kill('SIGTERM'));
}

const needsKeyring = demo && process.platform === 'linux' && !process.env.NVR_KEYRING && !secretServiceRuns();
const inKeyring = needsKeyring ? runInThrowawayKeyring([process.execPath, ...process.argv.slice(1)]) : undefined;
if (inKeyring) {
  console.log('No OS keychain is running: the demo starts a throwaway one (removed when the demo ends).');
  inKeyring.then((code) => process.exit(code));
} else {
  if (needsKeyring) console.log('No OS keychain is running and dbus-run-session/gnome-keyring-daemon are not installed (see the README set-up): passwords stay in memory only.');
  start();
}
