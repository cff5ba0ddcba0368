import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callNames } from '../common/contract';

// The preload runs in Electron's sandboxed renderer; here it is loaded against
// recording fakes of contextBridge and ipcRenderer.
const exposed = new Map<string, unknown>();
const invoked: unknown[][] = [];
let eventHandler: ((event: unknown, name: unknown, payload: unknown) => void) | undefined;

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => (invoked.push(args), { ok: true, value: 'pong' }),
    on: (_channel: string, h: typeof eventHandler) => (eventHandler = h),
  },
}));

async function loadPreload(frame: { top: boolean; href: string }) {
  vi.resetModules();
  exposed.clear();
  const win: Record<string, unknown> = {};
  win.top = frame.top ? win : {};
  vi.stubGlobal('window', win);
  vi.stubGlobal('location', { href: frame.href });
  await import('./index');
}

beforeEach(() => {
  invoked.length = 0;
});
afterEach(() => vi.unstubAllGlobals());

describe('preload', () => {
  it('exposes exactly the contract verbs and on(), nothing of ipcRenderer', async () => {
    await loadPreload({ top: true, href: 'nvr://app/index.html#reset' });
    const api = exposed.get('nvr') as Record<string, Record<string, unknown>>;
    expect([...exposed.keys()]).toEqual(['nvr']);
    const verbs = Object.entries(api)
      .filter(([k]) => k !== 'on')
      .flatMap(([ns, v]) => Object.keys(v).map((verb) => `${ns}.${verb}`));
    expect(verbs.sort()).toEqual([...callNames].sort());
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|send|invoke/i);
  });

  it('calls go through the one channel; listeners get the payload, never the Electron event', async () => {
    await loadPreload({ top: true, href: 'nvr://app/index.html#reset' });
    const api = exposed.get('nvr') as { app: { info(): Promise<unknown> }; on(n: string, l: (...a: unknown[]) => void): () => void };
    await expect(api.app.info()).resolves.toBe('pong');
    expect(invoked).toEqual([['nvr:call', 'app.info', undefined]]);

    const got: unknown[][] = [];
    const off = api.on('app.notice', (...args) => got.push(args));
    const electronEvent = { sender: 'ipcRenderer internals' };
    eventHandler?.(electronEvent, 'app.notice', { message: 'hi' });
    eventHandler?.(electronEvent, 'not.an.event', { message: 'dropped' });
    eventHandler?.(electronEvent, '__proto__', {});
    expect(got).toEqual([[{ message: 'hi' }]]);
    off();
    eventHandler?.(electronEvent, 'app.notice', { message: 'after off' });
    expect(got).toHaveLength(1);
    expect(() => api.on('not.an.event', () => undefined)).toThrow(/Unknown event/);
  });

  it.each([
    ['a subframe', { top: false, href: 'nvr://app/index.html' }],
    ['a page from the web', { top: true, href: 'https://evil.example/' }],
    ['a file:// page (where the app used to live)', { top: true, href: 'file:///opt/nvr/out/renderer/index.html' }],
    ['another page on the app scheme', { top: true, href: 'nvr://app/other.html' }],
    ['another host on the app scheme', { top: true, href: 'nvr://evil/index.html' }],
    ['the app page with credentials', { top: true, href: 'nvr://x:y@app/index.html' }],
  ])('exposes nothing to %s', async (_label, frame) => {
    await loadPreload(frame);
    expect(exposed.size).toBe(0);
  });
});
