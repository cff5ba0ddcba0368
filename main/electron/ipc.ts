import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../common/app-origin';
import type { AppCore } from '../app';

/**
 * Wraps ipcMain once: calls from anything but the app's own top frame are
 * refused; everything else goes through the contract dispatcher, which
 * validates the arguments.
 */
export function setupIpc(core: Pick<AppCore, 'dispatch' | 'events' | 'log'>, win: BrowserWindow, isAppUrl: (url: string) => boolean): () => void {
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
