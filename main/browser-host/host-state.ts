import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/log';
import { newToken, startBrowserHost, type BrowserHost, type BrowserHostOptions } from './server';

/**
 * The browser host's port and access token, kept in the data folder so a restart
 * comes back on the same address and an open tab reconnects by itself. The token
 * is an access secret: the file is the owner's only (0600), and it is never logged.
 */
export const HOST_STATE_FILE = 'browser-host.json';

const HostState = z.object({
  port: z.number().int().min(1024).max(65535),
  token: z.string().regex(/^[A-Za-z0-9_-]{32,128}$/),
});
type HostState = z.infer<typeof HostState>;

/** The last launch's port and token, or undefined when there is none or the file is not ours to trust. */
export function readHostState(dataDir: string): HostState | undefined {
  try {
    const parsed = HostState.safeParse(JSON.parse(readFileSync(join(dataDir, HOST_STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeHostState(dataDir: string, state: HostState): void {
  const file = join(dataDir, HOST_STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The mode of an existing file is kept by rename's target only if we set it on the new one.
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * Starts the browser host on the last launch's port and token where it can; a
 * port now taken by something else gets a new one (the page then says how to reopen
 * the app). Remembers what it got for the next launch.
 */
export async function startRememberedHost(dataDir: string, opts: Omit<BrowserHostOptions, 'port' | 'token'>, log: Logger): Promise<BrowserHost> {
  const last = readHostState(dataDir);
  const token = last?.token ?? newToken();
  let host: BrowserHost;
  try {
    host = await startBrowserHost({ ...opts, token, ...(last ? { port: last.port } : {}) });
  } catch (err) {
    if (!last || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn('the browser host’s last port is taken; starting on a new one (an open tab must be reopened)', { port: last.port });
    host = await startBrowserHost({ ...opts, token });
  }
  try {
    writeHostState(dataDir, { port: host.port, token });
  } catch (err) {
    log.warn('could not remember the browser host’s address for the next launch', { error: (err as Error).message });
  }
  return host;
}
