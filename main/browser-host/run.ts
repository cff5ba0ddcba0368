import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startApp, type AppCore, type AppExtension } from '../app';
import type { HostAdapter } from '../core/host';
import { loadedFromArchive, readOptions } from '../core/options';
import { logProcessErrors } from '../core/process-errors';
import { startRememberedHost } from './host-state';

export interface BrowserHostEntry {
  /** The build's out/ folder (renderer files are under out/renderer). */
  outDir: string;
  /** Module URL of the entry, to tell an installed build from a checkout. */
  entryUrl: string;
  /** What the entry puts around the app (the demo); the product entry passes nothing. */
  extend?(): Promise<AppExtension>;
}

/** The desktop's side of a browser-host app: links go to the OS, notifications become in-app notices. */
function browserHostAdapter(app: () => AppCore): HostAdapter {
  return {
    kind: 'browser',
    async openExternal(url) {
      // The URL was checked against the allow-list by the caller; hand it to the desktop.
      const cmd = process.platform === 'win32' ? 'explorer' : process.platform === 'darwin' ? 'open' : 'xdg-open';
      spawn(cmd, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
    },
    notify(title, body) {
      const core = app();
      core.events.emit('app.notice', { level: 'warning', message: `${title}: ${body}`, at: core.ctx.clock.now() });
    },
  };
}

/**
 * The browser host, start to finish: options, the app, the loopback server,
 * one JSON line with the URL on stdout (launchers read it), and a clean stop.
 */
export async function runBrowserHost(entry: BrowserHostEntry): Promise<void> {
  const options = readOptions(process.env, undefined, { packaged: loadedFromArchive(entry.entryUrl) });
  const core = await startApp(options, browserHostAdapter, await entry.extend?.());
  const stopLogging = logProcessErrors(core.log);
  const host = await startRememberedHost(core.ctx.dataDir, { dispatch: core.dispatch, events: core.events, log: core.log, staticDir: join(entry.outDir, 'renderer') }, core.log);
  process.stdout.write(JSON.stringify({ event: 'listening', url: host.url, origin: host.origin, dataDir: core.ctx.dataDir }) + '\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.close();
    stopLogging();
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

/** How an entry reports a failed start. */
export function failedToStart(err: unknown): never {
  process.stderr.write(`NVR Support Console could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
