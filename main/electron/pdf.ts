import { BrowserWindow } from 'electron';

/**
 * Renders a report page to PDF in a hidden, sandboxed window with JavaScript
 * off: the page carries device-supplied text, so it gets no script and no
 * preload, and the window lives only for this one print.
 */
export async function printHtmlToPdf(html: string): Promise<Uint8Array> {
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
  });
  try {
    win.webContents.on('will-navigate', (e) => e.preventDefault());
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    return await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4', landscape: true });
  } finally {
    win.destroy();
  }
}
