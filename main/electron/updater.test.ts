import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import type { AppCore } from '../app';
import { EventBus } from '../core/events';

// Electron's binary is not available here: the wiring runs against recording
// fakes of electron's app/dialog and of electron-updater's autoUpdater.
const electron = vi.hoisted(() => ({
  isPackaged: true,
  answers: [] as number[],
  asked: [] as string[],
}));
const updater = vi.hoisted(() => ({ loaded: 0, installs: 0, checks: 0, emitter: undefined as unknown }));

vi.mock('electron', () => ({
  app: {
    get isPackaged() {
      return electron.isPackaged;
    },
  },
  dialog: {
    showMessageBox: async (_win: unknown, opts: { message: string }) => {
      electron.asked.push(opts.message);
      return { response: electron.answers.shift() ?? 1 };
    },
  },
}));

vi.mock('electron-updater', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  updater.loaded++;
  const autoUpdater = Object.assign(new Emitter(), {
    autoDownload: false,
    autoInstallOnAppQuit: true,
    logger: null as unknown,
    checkForUpdates: async () => void updater.checks++,
    quitAndInstall: () => void updater.installs++,
  });
  updater.emitter = autoUpdater;
  return { default: { autoUpdater } };
});

const { startAutoUpdate } = await import('./updater');
const { readOptions } = await import('../core/options');

function fakeCore(running: { value: boolean }) {
  const events = new EventBus();
  const log = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
  const core = {
    events,
    log,
    dispatch: async (name: unknown) => (name === 'sync.status' ? { ok: true, value: { running: running.value } } : { ok: false }),
    // The switch arrives through the options schema (main/core/options.ts), as in the app.
    ctx: { options: readOptions(process.env, '/data') },
  } as unknown as AppCore;
  return { core, events };
}
const win = { isDestroyed: () => false } as unknown as BrowserWindow;

describe('auto-update wiring', () => {
  const saved = process.env.NVR_AUTO_UPDATE;
  beforeEach(() => {
    electron.answers = [];
    electron.asked = [];
    electron.isPackaged = true;
    updater.installs = 0;
    updater.checks = 0;
    (updater.emitter as EventEmitter | undefined)?.removeAllListeners(); // one app run per test
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.NVR_AUTO_UPDATE;
    else process.env.NVR_AUTO_UPDATE = saved;
  });

  it('off by default: electron-updater is not even loaded, nothing is checked', async () => {
    delete process.env.NVR_AUTO_UPDATE;
    await startAutoUpdate(fakeCore({ value: false }).core, win).settled();
    expect(updater.loaded).toBe(0);
    expect(updater.checks).toBe(0);
  });

  it('on: checks, never installs on quit by itself, waits for the sync, asks, installs after a yes', async () => {
    process.env.NVR_AUTO_UPDATE = '1';
    const running = { value: true };
    const { core, events } = fakeCore(running);
    const update = startAutoUpdate(core, win);
    await update.settled();
    const au = updater.emitter as EventEmitter & { autoInstallOnAppQuit: boolean };
    expect(updater.checks).toBe(1);
    expect(au.autoInstallOnAppQuit).toBe(false);

    au.emit('update-downloaded', { version: '1.2.0' });
    await update.settled();
    expect(electron.asked).toEqual([]); // a sync is running: no question

    running.value = false;
    electron.answers = [0];
    events.emit('sync.finished' as never, {} as never);
    await update.settled();
    expect(electron.asked).toEqual(['Version 1.2.0 of NVR Support Console is ready to install.']);
    expect(updater.installs).toBe(1);
  });

  it('"Later" installs nothing', async () => {
    process.env.NVR_AUTO_UPDATE = '1';
    const update = startAutoUpdate(fakeCore({ value: false }).core, win);
    await update.settled();
    electron.answers = [1];
    (updater.emitter as EventEmitter).emit('update-downloaded', { version: '1.2.0' });
    await update.settled();
    expect(electron.asked).toHaveLength(1);
    expect(updater.installs).toBe(0);
  });
});
