import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { AppCore } from '../core/app';

/** Channel names shared with preload/index.ts. */
export const CALL_CHANNEL = 'nvr:call';
export const EVENT_CHANNEL = 'nvr:event';

/**
 * Wraps ipcMain once: calls from anything but the app's own top frame are
 * refused; everything else goes through the contract dispatcher, which
 * validates the arguments.
 */
export function setupIpc(core: AppCore, win: BrowserWindow, isAppUrl: (url: string) => boolean): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, input: unknown) => {
    const frame = event.senderFrame;
    if (event.sender !== win.webContents || !frame || frame !== win.webContents.mainFrame || !isAppUrl(frame.url)) {
      core.log.warn('refused IPC from foreign frame');
      return { ok: false, error: { code: 'refused', message: 'Calls are accepted only from the app window.' } };
    }
    return core.dispatch(name, input, { host: 'electron' });
  });
  const unsubscribe = core.events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, name, payload);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
