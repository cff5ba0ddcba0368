import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOptions } from '../core/options';
import { launchCore } from '../core/launch';
import type { HostAdapter } from '../core/host';
import { startBrowserHost } from './server';

/**
 * Entry of the browser host (`node out/main/host.js`): the same services as the
 * Electron app, for a page in Chromium. Prints one JSON line with the URL on
 * stdout so launchers (npm start, the e2e fixture) can open it.
 */
async function main() {
  const options = readOptions();
  const here = dirname(fileURLToPath(import.meta.url));
  const adapter: HostAdapter = {
    kind: 'browser',
    async openExternal(url) {
      // The URL was checked against the allow-list by the caller; hand it to the desktop.
      const cmd = process.platform === 'win32' ? 'explorer' : process.platform === 'darwin' ? 'open' : 'xdg-open';
      spawn(cmd, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
    },
    notify(title, body) {
      core.events.emit('app.notice', { level: 'warning', message: `${title}: ${body}`, at: core.ctx.clock.now() });
    },
  };
  const { core } = await launchCore(options, adapter);
  const host = await startBrowserHost({
    dispatch: core.dispatch,
    events: core.events,
    log: core.log,
    staticDir: join(here, '..', 'renderer'),
  });
  process.stdout.write(JSON.stringify({ event: 'listening', url: host.url, origin: host.origin, dataDir: options.dataDir }) + '\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.close();
    await core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (process.argv.includes('--exit-with-stdin')) {
    // Launchers (npm start, the e2e fixture) hold our stdin: when they go, we go.
    process.stdin.on('end', () => void stop());
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`NVR Support Console could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
