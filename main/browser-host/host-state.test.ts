import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Handlers } from '../core/dispatch';
import { EventBus } from '../core/events';
import { createLogger, SecretRegistry } from '../core/log';
import { HOST_STATE_FILE, readHostState, startRememberedHost } from './host-state';
import type { BrowserHost } from './server';

// Socket test: run it inside the sandbox (bash scripts/sandbox.sh npx vitest run main/browser-host).
const hosts: BrowserHost[] = [];
afterEach(async () => {
  while (hosts.length) await hosts.pop()?.close();
});

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'nvr-host-state-'));
  const logDir = join(dataDir, 'logs');
  const log = createLogger({ dir: logDir, secrets: new SecretRegistry() });
  const opts = { dispatch: createDispatcher({} as Handlers, log), events: new EventBus(), log, staticDir: dataDir };
  const start = async () => {
    const h = await startRememberedHost(dataDir, opts, log);
    hosts.push(h);
    return h;
  };
  return { dataDir, logDir, log, start };
}

describe('browser host address across restarts', () => {
  it('comes back on the same port with the same token; the file is the owner’s only and the token is never logged', async () => {
    const { dataDir, logDir, log, start } = setup();
    const first = await start();
    const file = join(dataDir, HOST_STATE_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readHostState(dataDir)).toEqual({ port: first.port, token: first.token });
    await hosts.pop()!.close();
    const second = await start();
    expect([second.port, second.token, second.url]).toEqual([first.port, first.token, first.url]);
    log.close();
    const logs = readFileSync(join(logDir, 'app.log'), 'utf8');
    expect(logs).toContain('browser host listening');
    expect(logs).not.toContain(first.token);
  });

  it('a port taken by another program: a new port, the same token, remembered for next time', async () => {
    const { dataDir, start } = setup();
    const first = await start();
    await hosts.pop()!.close();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(first.port, '127.0.0.1', r));
    try {
      const second = await start();
      expect(second.port).not.toBe(first.port);
      expect(second.token).toBe(first.token);
      expect(readHostState(dataDir)?.port).toBe(second.port);
    } finally {
      squatter.close();
    }
  });

  it.each([
    ['not JSON', '{"port":'],
    ['a privileged port', JSON.stringify({ port: 80, token: 'a'.repeat(32) })],
    ['a short token', JSON.stringify({ port: 40000, token: 'abc' })],
    ['a token with other characters', JSON.stringify({ port: 40000, token: '<script>'.repeat(5) })],
    ['an array', '[]'],
  ])('a hostile or damaged file (%s) is ignored: a fresh token, nothing from it used', async (_name, content) => {
    const { dataDir, start } = setup();
    writeFileSync(join(dataDir, HOST_STATE_FILE), content);
    expect(readHostState(dataDir)).toBeUndefined();
    const h = await start();
    expect(h.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readHostState(dataDir)).toEqual({ port: h.port, token: h.token });
  });
});
