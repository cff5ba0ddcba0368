import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_PAGE } from '../../common/app-origin';
import { version } from '../../package.json';

// The Electron host as assembled by runElectronApp, against a recording fake of
// Electron (its binary is not available where these tests run).
const calls: string[] = [];
const fake = vi.hoisted(() => ({ isPackaged: false, userData: '', windows: [] as unknown[] }));
class FakeContents extends EventEmitter {
  mainFrame = { url: APP_PAGE };
  setWindowOpenHandler = vi.fn();
  getURL = () => APP_PAGE;
  send = vi.fn();
}
const appEvents = new EventEmitter();
const ipc = new Map<string, (...a: unknown[]) => unknown>();
const permission: { request?: (...a: unknown[]) => void; check?: (...a: unknown[]) => boolean } = {};
const schemes = new Map<string, (req: Request) => Promise<Response>>();

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = new FakeContents();
    loaded: string[] = [];
    constructor(public options: { webPreferences: Record<string, unknown> }) {
      fake.windows.push(this);
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string) {
      calls.push(`loadURL ${url}`);
      this.loaded.push(url);
    }
    async loadFile(path: string) {
      calls.push(`loadFile ${path}`);
    }
    isDestroyed() {
      return false;
    }
  }
  return {
    app: {
      enableSandbox: () => calls.push('enableSandbox'),
      whenReady: async () => void calls.push('ready'),
      getPath: () => fake.userData,
      getVersion: () => '0.0.0-electron',
      get isPackaged() {
        return fake.isPackaged;
      },
      on: (e: string, l: (...a: unknown[]) => void) => appEvents.on(e, l),
      quit: () => calls.push('quit'),
      exit: (code: number) => calls.push(`exit ${code}`),
    },
    BrowserWindow,
    Notification: { isSupported: () => false },
    shell: { openExternal: async () => undefined },
    ipcMain: { handle: (ch: string, fn: (...a: unknown[]) => unknown) => ipc.set(ch, fn), removeHandler: (ch: string) => ipc.delete(ch) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof permission.request) => (permission.request = h),
        setPermissionCheckHandler: (h: typeof permission.check) => (permission.check = h),
        setDevicePermissionHandler: () => undefined,
      },
    },
    protocol: {
      registerSchemesAsPrivileged: () => calls.push('registerScheme'),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => schemes.set(scheme, h),
    },
  };
});

const { runElectronApp } = await import('./app');

function outDir() {
  const out = mkdtempSync(join(tmpdir(), 'nvr-out-'));
  mkdirSync(join(out, 'renderer'));
  writeFileSync(join(out, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
  return out;
}

beforeEach(() => {
  calls.length = 0;
  fake.windows.length = 0;
  appEvents.removeAllListeners();
  fake.userData = mkdtempSync(join(tmpdir(), 'nvr-userdata-'));
  vi.stubEnv('NVR_INTERFACES', '127.0.0.1');
  vi.stubEnv('NVR_TEST_HOOKS', '1');
  // Unset here (test/support/data-dir.ts sets one for every worker): the data folder must default to Electron's userData.
  vi.stubEnv('NVR_DATA_DIR', undefined);
});
afterEach(async () => {
  appEvents.emit('before-quit');
  vi.unstubAllEnvs();
});

type Win = { options: { webPreferences: Record<string, unknown> }; webContents: FakeContents; loaded: string[] };

describe('the Electron host (runElectronApp)', () => {
  it('registers the app scheme before ready, loads nvr://app in a sandboxed window, and answers the page over IPC', async () => {
    const out = outDir();
    await runElectronApp({ outDir: out });
    expect(calls.slice(0, 3)).toEqual(['enableSandbox', 'registerScheme', 'ready']);
    expect(calls).toContain(`loadURL ${APP_PAGE}`);
    expect(calls.some((c) => c.startsWith('loadFile'))).toBe(false);

    const win = fake.windows[0] as Win;
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, preload: join(out, 'preload', 'index.cjs') });

    const page = await schemes.get('nvr')!(new Request(APP_PAGE));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).not.toMatch(/ws:/);

    const info = (await ipc.get('nvr:call')!({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'app.info', undefined)) as { ok: boolean; value: { version: string; host: string; testHooks: boolean; dataDir: string } };
    expect(info).toMatchObject({ ok: true, value: { version, host: 'electron', testHooks: true, dataDir: fake.userData } });
  });

  it('guards every web contents created, the app window included, and checks permissions by the request policy', async () => {
    await runElectronApp({ outDir: outDir() });
    const win = fake.windows[0] as Win;
    const nav = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.preventDefault).toHaveBeenCalled();
    const later = new FakeContents();
    appEvents.emit('web-contents-created', {}, later);
    const redirect = { preventDefault: vi.fn() };
    later.emit('will-redirect', redirect, 'file:///etc/passwd');
    expect(redirect.preventDefault).toHaveBeenCalled();
    expect(permission.check?.({ getURL: () => APP_PAGE }, 'media', 'nvr://app', { mediaType: 'audio' })).toBe(false);
    expect(permission.check?.({ getURL: () => APP_PAGE }, 'media', 'nvr://app', { mediaType: 'video' })).toBe(true);
  });

  it('logs unhandled rejections and uncaught exceptions from start-up on, and stops on quit', async () => {
    const before = [process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtExceptionMonitor')];
    await runElectronApp({ outDir: outDir() });
    expect([process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtExceptionMonitor')]).toEqual(before.map((n) => n + 1));
    appEvents.emit('before-quit');
    expect([process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtExceptionMonitor')]).toEqual(before);
  });

  it('an installed build ignores NVR_TEST_HOOKS', async () => {
    fake.isPackaged = true;
    try {
      await runElectronApp({ outDir: outDir() });
      const win = fake.windows[0] as Win;
      const info = (await ipc.get('nvr:call')!({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'app.info', undefined)) as { value: { testHooks: boolean } };
      expect(info.value.testHooks).toBe(false);
    } finally {
      fake.isPackaged = false;
    }
  });
});
