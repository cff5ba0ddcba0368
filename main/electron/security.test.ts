import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, SecretRegistry } from '../core/log';

// Electron's binary is not available where these tests run: the modules under
// test are exercised against recording fakes of the few Electron APIs they use.
const opened: string[] = [];
let requestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: unknown) => void) | undefined;
let checkHandler: ((wc: unknown, permission: string) => boolean) | undefined;
const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();

vi.mock('electron', () => ({
  shell: { openExternal: async (url: string) => void opened.push(url) },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h),
      setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h),
    },
  },
  ipcMain: {
    handle: (ch: string, fn: (...args: unknown[]) => unknown) => ipcHandlers.set(ch, fn),
    removeHandler: (ch: string) => ipcHandlers.delete(ch),
  },
}));

const { lockWebContents, setupSecurity } = await import('./security');
const { setupIpc, CALL_CHANNEL } = await import('./ipc');

const APP = 'file:///opt/nvr/resources/app.asar/out/renderer/index.html';
const isAppUrl = (u: string) => u.split('#')[0] === APP;
const log = createLogger({ secrets: new SecretRegistry() });

class FakeContents extends EventEmitter {
  openHandler?: (d: { url: string }) => { action: string };
  url = APP;
  mainFrame = { url: APP };
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.openHandler = h;
  }
  getURL() {
    return this.url;
  }
  send = vi.fn();
}

beforeEach(() => {
  opened.length = 0;
});

describe('window lock-down', () => {
  it('denies navigation away from the app and every webview', () => {
    const wc = new FakeContents();
    lockWebContents(wc as never, log, isAppUrl);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const event = { preventDefault: vi.fn() };
      wc.emit('will-navigate', event, url);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    const ok = { preventDefault: vi.fn() };
    wc.emit('will-navigate', ok, `${APP}#reset`);
    expect(ok.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('denies every new window; only allow-listed links go to the OS', async () => {
    const wc = new FakeContents();
    lockWebContents(wc as never, log, isAppUrl);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'mailto:x@example.com', 'https://support.htmicrochip.com/hc']) {
      expect(wc.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(opened).toEqual(['https://support.htmicrochip.com/hc']);
  });
});

describe('permissions', () => {
  it('allows the camera for the app page and nothing else', () => {
    setupSecurity(log, isAppUrl);
    const app = { getURL: () => APP };
    const other = { getURL: () => 'https://evil.example/' };
    const ask = (wc: unknown, permission: string, details: unknown) => {
      let answer: boolean | undefined;
      requestHandler?.(wc, permission, (ok) => (answer = ok), details);
      return answer;
    };
    expect(ask(app, 'media', { mediaTypes: ['video'] })).toBe(true);
    expect(ask(app, 'media', { mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(ask(app, 'media', { mediaTypes: ['audio'] })).toBe(false);
    expect(ask(other, 'media', { mediaTypes: ['video'] })).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi', 'hid', 'serial', 'usb']) {
      expect(ask(app, p, {})).toBe(false);
    }
    expect(checkHandler?.(app, 'media')).toBe(true);
    expect(checkHandler?.(app, 'geolocation')).toBe(false);
    expect(checkHandler?.(other, 'media')).toBe(false);
  });
});

describe('IPC', () => {
  it('answers only the app window’s top frame, through the dispatcher', async () => {
    const wc = new FakeContents();
    const win = { webContents: wc, isDestroyed: () => false };
    const dispatch = vi.fn(async () => ({ ok: true as const, value: 'yes' }));
    const events = { subscribe: vi.fn(() => () => undefined) };
    const dispose = setupIpc({ dispatch, events, log } as never, win as never, isAppUrl);
    const handler = ipcHandlers.get(CALL_CHANNEL)!;

    await expect(handler({ sender: wc, senderFrame: wc.mainFrame }, 'app.info', undefined)).resolves.toEqual({ ok: true, value: 'yes' });
    expect(dispatch).toHaveBeenCalledWith('app.info', undefined, { host: 'electron' });

    const subframe = { url: APP };
    await expect(handler({ sender: wc, senderFrame: subframe }, 'app.info', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'refused' } });
    await expect(handler({ sender: new FakeContents(), senderFrame: wc.mainFrame }, 'app.info')).resolves.toMatchObject({ ok: false });
    wc.mainFrame = { url: 'https://evil.example/' };
    await expect(handler({ sender: wc, senderFrame: wc.mainFrame }, 'app.info')).resolves.toMatchObject({ ok: false });
    expect(dispatch).toHaveBeenCalledTimes(1);
    dispose();
    expect(ipcHandlers.has(CALL_CHANNEL)).toBe(false);
  });
});
