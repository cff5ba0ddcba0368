import { app, BrowserWindow, Notification, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readOptions } from '../core/options';
import { launchCore } from '../core/launch';
import type { HostAdapter } from '../core/host';
import { setupIpc } from './ipc';
import { printHtmlToPdf } from './pdf';
import { lockWebContents, setupSecurity } from './security';
import { smokeIfAsked } from './smoke';
import { startAutoUpdate } from './updater';

/** Entry of the Electron host. Reads like a table of contents. */
const here = dirname(fileURLToPath(import.meta.url));
const rendererIndex = join(here, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;
const isAppUrl = (url: string) => url.split('#')[0] === appUrl;

app.enableSandbox();

async function main() {
  await app.whenReady();
  const options = readOptions(process.env, app.getPath('userData'));
  const adapter: HostAdapter = {
    kind: 'electron',
    openExternal: (url) => shell.openExternal(url),
    notify: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    printToPdf: printHtmlToPdf,
  };
  const { core } = await launchCore(options, adapter);
  setupSecurity(core.log, isAppUrl);

  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'NVR Support Console',
    webPreferences: {
      preload: join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  lockWebContents(win.webContents, core.log, isAppUrl);
  const disposeIpc = setupIpc(core, win, isAppUrl);
  await win.loadFile(rendererIndex);
  smokeIfAsked(process.argv, win, app.getVersion(), (code) => app.exit(code));
  startAutoUpdate(core, win);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    disposeIpc();
    void core.dispose();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`NVR Support Console could not start: ${String(err)}\n`);
  app.exit(1);
});
