import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_PAGE, CALL_CHANNEL, isAppPage } from '../../common/app-origin';
import { createLogger, SecretRegistry } from '../core/log';

// Electron's binary is not available where these tests run: the modules under
// test are exercised against recording fakes of the few Electron APIs they use.
const opened: string[] = [];
let requestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: unknown) => void) | undefined;
let checkHandler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | undefined;
let deviceHandler: ((details: unknown) => boolean) | undefined;
const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
const schemes: unknown[] = [];
const protocolHandlers = new Map<string, (req: Request) => Promise<Response>>();

vi.mock('electron', () => ({
  shell: { openExternal: async (url: string) => void opened.push(url) },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h),
      setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h),
      setDevicePermissionHandler: (h: typeof deviceHandler) => (deviceHandler = h),
    },
  },
  ipcMain: {
    handle: (ch: string, fn: (...args: unknown[]) => unknown) => ipcHandlers.set(ch, fn),
    removeHandler: (ch: string) => ipcHandlers.delete(ch),
  },
  protocol: {
    registerSchemesAsPrivileged: (s: unknown[]) => schemes.push(...s),
    handle: (scheme: string, h: (req: Request) => Promise<Response>) => protocolHandlers.set(scheme, h),
  },
}));

const { guardAllWebContents, lockWebContents, setupPermissions, allowPermission } = await import('./security');
const { setupIpc } = await import('./ipc');
const { registerAppScheme, setupAppProtocol } = await import('./protocol');

const APP = APP_PAGE;
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

const HOSTILE = ['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'nvr://app/other.html', 'nvr://evil/index.html', 'data:text/html,<h1>x', 'about:blank'];

beforeEach(() => {
  opened.length = 0;
});

function lockedContents(lock: (wc: FakeContents) => void) {
  const wc = new FakeContents();
  lock(wc);
  return wc;
}

const prevented = (emit: (event: { preventDefault(): void; url?: string }) => void) => {
  const event = { preventDefault: vi.fn() };
  emit(event);
  return event.preventDefault.mock.calls.length > 0;
};

describe.each([
  ['one window (lockWebContents)', (wc: FakeContents) => lockWebContents(wc as never, log, isAppPage)],
  [
    'every web contents the app creates (web-contents-created)',
    (wc: FakeContents) => {
      const app = new EventEmitter();
      guardAllWebContents(app as never, log, isAppPage);
      app.emit('web-contents-created', {}, wc);
    },
  ],
])('lock-down of %s', (_label, lock) => {
  it('denies navigation, frame navigation and redirects away from the app page', () => {
    const wc = lockedContents(lock);
    for (const url of HOSTILE) {
      expect(prevented((e) => wc.emit('will-navigate', e, url)), `will-navigate ${url}`).toBe(true);
      expect(prevented((e) => wc.emit('will-redirect', e, url)), `will-redirect ${url}`).toBe(true);
      expect(prevented((e) => wc.emit('will-frame-navigate', Object.assign(e, { url }))), `will-frame-navigate ${url}`).toBe(true);
    }
    expect(prevented((e) => wc.emit('will-navigate', e, `${APP}#reset`))).toBe(false);
    expect(prevented((e) => wc.emit('will-redirect', e, APP))).toBe(false);
  });

  it('denies every webview', () => {
    const wc = lockedContents(lock);
    expect(prevented((e) => wc.emit('will-attach-webview', e, {}, { src: APP }))).toBe(true);
  });

  it('denies every new window; only allow-listed links go to the OS', async () => {
    const wc = lockedContents(lock);
    for (const url of [...HOSTILE, 'mailto:x@example.com', APP, 'https://support.htmicrochip.com/hc']) {
      expect(wc.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(opened).toEqual(['https://support.htmicrochip.com/hc']);
  });
});

describe('permissions: one policy for requests and checks', () => {
  setupPermissions(log, isAppPage);
  const app = { getURL: () => APP };
  const other = { getURL: () => 'https://evil.example/' };
  const ask = (wc: unknown, permission: string, details: unknown) => {
    let answer: boolean | undefined;
    requestHandler?.(wc, permission, (ok) => (answer = ok), details);
    return answer;
  };
  const check = (wc: unknown, permission: string, details: unknown) => checkHandler?.(wc, permission, 'nvr://app', details);

  it('the camera, for the app page only', () => {
    expect(ask(app, 'media', { mediaTypes: ['video'] })).toBe(true);
    expect(check(app, 'media', { mediaType: 'video' })).toBe(true);
    expect(ask(other, 'media', { mediaTypes: ['video'] })).toBe(false);
    expect(check(other, 'media', { mediaType: 'video' })).toBe(false);
    expect(check(null, 'media', { mediaType: 'video' })).toBe(false);
  });

  it('never the microphone, an unknown media kind, or anything else', () => {
    expect(ask(app, 'media', { mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(ask(app, 'media', { mediaTypes: ['audio'] })).toBe(false);
    expect(ask(app, 'media', { mediaTypes: [] })).toBe(false);
    expect(ask(app, 'media', {})).toBe(false);
    expect(check(app, 'media', { mediaType: 'audio' })).toBe(false);
    expect(check(app, 'media', { mediaType: 'unknown' })).toBe(false);
    expect(check(app, 'media', {})).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi', 'hid', 'serial', 'usb', 'fullscreen']) {
      expect(ask(app, p, {}), p).toBe(false);
      expect(check(app, p, {}), p).toBe(false);
    }
    expect(deviceHandler?.({ deviceType: 'usb', origin: 'nvr://app' })).toBe(false);
  });

  it('requests and checks agree on every case (same function)', () => {
    for (const url of [APP, 'https://evil.example/', 'nvr://app/x.html']) {
      for (const kinds of [['video'], ['audio'], ['video', 'audio'], []]) {
        const want = allowPermission({ permission: 'media', url, mediaTypes: kinds }, isAppPage);
        expect(ask({ getURL: () => url }, 'media', { mediaTypes: kinds })).toBe(want);
        if (kinds.length === 1) expect(check({ getURL: () => url }, 'media', { mediaType: kinds[0] })).toBe(want);
      }
    }
  });
});

describe('the app protocol (nvr://app/)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nvr-proto-'));
  mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'renderer', 'assets', 'main.js'), 'export {}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
  registerAppScheme();
  setupAppProtocol(join(dir, 'renderer'), log);
  const handler = protocolHandlers.get('nvr')!;
  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  it('is registered as a secure standard scheme', () => {
    expect(schemes).toEqual([{ scheme: 'nvr', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
  });

  it('serves the renderer with the same CSP as the browser host, minus the WebSocket', async () => {
    const res = await get(APP);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<title>app<\/title>/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'; script-src 'self'/);
    expect(csp).toMatch(/connect-src 'self';/);
    expect(csp).not.toMatch(/ws:|wss:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('nvr://app/assets/main.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  it.each([
    'nvr://app/../secret.txt',
    'nvr://app/%2e%2e/secret.txt',
    'nvr://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'nvr://app/nothing.js',
    'nvr://app/assets',
    'nvr://other/index.html',
    'nvr://app/%00index.html',
  ])('refuses %s', async (url) => {
    expect((await get(url)).status).toBe(404);
  });

  it('refuses anything but GET and HEAD', async () => {
    expect((await get(APP, 'POST')).status).toBe(404);
    expect((await get(APP, 'HEAD')).status).toBe(200);
  });
});

describe('IPC', () => {
  it('answers only the app window’s top frame, through the dispatcher', async () => {
    const wc = new FakeContents();
    const win = { webContents: wc, isDestroyed: () => false };
    const dispatch = vi.fn(async () => ({ ok: true as const, value: 'yes' }));
    const events = { subscribe: vi.fn(() => () => undefined) };
    const dispose = setupIpc({ dispatch, events, log } as never, win as never, isAppPage);
    const handler = ipcHandlers.get(CALL_CHANNEL)!;

    await expect(handler({ sender: wc, senderFrame: wc.mainFrame }, 'app.info', undefined)).resolves.toEqual({ ok: true, value: 'yes' });
    expect(dispatch).toHaveBeenCalledWith('app.info', undefined, { host: 'electron' });

    const subframe = { url: APP };
    await expect(handler({ sender: wc, senderFrame: subframe }, 'app.info', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'refused' } });
    await expect(handler({ sender: new FakeContents(), senderFrame: wc.mainFrame }, 'app.info')).resolves.toMatchObject({ ok: false });
    for (const url of HOSTILE) {
      wc.mainFrame = { url };
      await expect(handler({ sender: wc, senderFrame: wc.mainFrame }, 'app.info')).resolves.toMatchObject({ ok: false });
    }
    expect(dispatch).toHaveBeenCalledTimes(1);
    dispose();
    expect(ipcHandlers.has(CALL_CHANNEL)).toBe(false);
  });
});
