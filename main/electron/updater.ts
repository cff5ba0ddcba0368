import { app, dialog, type BrowserWindow } from 'electron';
import type { AppCore } from '../app';
import { UpdateGate, updateSettings, type UpdateAction } from './update-policy';

/**
 * Auto-update from the GitHub release feed (`publish` in electron-builder.yml),
 * off by default (update-policy.ts decides; this file only wires it up). When
 * on: checks once at start, downloads in the background, never installs on quit
 * by itself, and asks the technician before installing — not while a camera sync
 * runs. electron-updater is loaded only when the feature is on.
 */
/** What is still being done about an update; tests wait on `settled()` instead of a timer. */
export interface AutoUpdate {
  /** Resolves once the start-up check and every reaction to an update or a sync event so far are done. */
  settled(): Promise<void>;
}

export function startAutoUpdate(core: AppCore, win: BrowserWindow): AutoUpdate {
  const log = core.log.child('updater');
  const work = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const done = p.catch((err: unknown) => log.warn('auto-update failed', { error: String(err) })).finally(() => work.delete(done));
    work.add(done);
  };
  const settled = async () => {
    while (work.size) await Promise.all(work);
  };
  const settings = updateSettings({ NVR_AUTO_UPDATE: core.ctx.options.autoUpdate ? '1' : undefined }, app.isPackaged);
  log.info(`auto-update ${settings.reason}`);
  if (settings.enabled) track(run(core, win, log, track));
  return { settled };
}

async function run(core: AppCore, win: BrowserWindow, log: AppCore['log'], track: (p: Promise<unknown>) => void): Promise<void> {
  const { default: updaterModule } = await import('electron-updater');
  const { autoUpdater } = updaterModule;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.logger = { info: (m: unknown) => log.info(String(m)), warn: (m: unknown) => log.warn(String(m)), error: (m: unknown) => log.warn(String(m)), debug: () => undefined };

  const gate = new UpdateGate();
  const syncRunning = async () => {
    const r = await core.dispatch('sync.status', undefined, { host: 'electron' });
    return r.ok && (r.value as { running?: boolean } | null)?.running === true;
  };
  const act = async (action: UpdateAction): Promise<void> => {
    if (action === 'install') {
      log.info('installing update after the technician agreed', { version: gate.pendingVersion });
      autoUpdater.quitAndInstall();
      return;
    }
    if (action !== 'ask' || win.isDestroyed()) return;
    const { response } = await dialog.showMessageBox(win, {
      type: 'info',
      buttons: ['Restart and install', 'Later'],
      defaultId: 1,
      cancelId: 1,
      message: `Version ${gate.pendingVersion} of NVR Support Console is ready to install.`,
      detail: 'The app restarts to install it; cases and sync journals are kept. "Later" keeps this version until the next start.',
    });
    await act(gate.answered(response === 0, await syncRunning()));
  };

  core.events.subscribe((name) => {
    if (name === 'sync.progress' || name === 'sync.finished') track(syncRunning().then((running) => act(gate.syncChanged(running))));
  });
  autoUpdater.on('update-downloaded', (info) => {
    track(syncRunning().then((running) => act(gate.downloaded(info.version, running))));
  });
  await autoUpdater.checkForUpdates();
}
