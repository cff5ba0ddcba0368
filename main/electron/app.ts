import { app, BrowserWindow, Notification, shell } from 'electron';
import { join } from 'node:path';
import { APP_PAGE, isAppPage } from '../../common/app-origin';
import { startApp, type AppExtension } from '../app';
import type { HostAdapter } from '../core/host';
import { readOptions } from '../core/options';
import { logProcessErrors } from '../core/process-errors';
import { setupIpc } from './ipc';
import { printHtmlToPdf } from './pdf';
import { registerAppScheme, setupAppProtocol } from './protocol';
import { guardAllWebContents, setupPermissions } from './security';
import { smokeIfAsked } from './smoke';
import { startAutoUpdate } from './updater';

export interface ElectronEntry {
  /** The build's out/ folder (out/renderer, out/preload). */
  outDir: string;
  /** What the entry puts around the app (the demo); the product entry passes nothing. */
  extend?(): Promise<AppExtension>;
}

/** The desktop's side of the app under Electron. */
const electronHost: HostAdapter = {
  kind: 'electron',
  openExternal: (url) => shell.openExternal(url),
  notify: (title, body) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
  printToPdf: printHtmlToPdf,
};

/** The app window: sandboxed, isolated, the preload as its only bridge. */
function createMainWindow(outDir: string): BrowserWindow {
  return new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'NVR Support Console',
    webPreferences: {
      preload: join(outDir, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
}

/** The Electron host, start to finish; reads like a table of contents (Fiddle's onReady). */
export async function runElectronApp(entry: ElectronEntry): Promise<void> {
  app.enableSandbox();
  registerAppScheme();
  await app.whenReady();

  const options = readOptions(process.env, app.getPath('userData'), { packaged: app.isPackaged });
  const core = await startApp(options, electronHost, await entry.extend?.());
  const stopLogging = logProcessErrors(core.log);
  guardAllWebContents(app, core.log, isAppPage);
  setupPermissions(core.log, isAppPage);
  setupAppProtocol(join(entry.outDir, 'renderer'), core.log);

  const win = createMainWindow(entry.outDir);
  const disposeIpc = setupIpc(core, win, isAppPage);
  await win.loadURL(APP_PAGE);
  void smokeIfAsked(process.argv, win, app.getVersion(), (code) => app.exit(code));
  startAutoUpdate(core, win);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    disposeIpc();
    stopLogging();
    void core.dispose();
  });
}

/** How an entry reports a failed start. */
export function failedToStart(err: unknown): void {
  process.stderr.write(`NVR Support Console could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(1);
}
