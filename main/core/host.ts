/**
 * What differs between the Electron host and the browser host. Services get
 * this and never import electron themselves.
 */
export interface HostAdapter {
  kind: 'electron' | 'browser' | 'cli';
  /** Hand an already allow-listed URL to the OS (mail client, browser). */
  openExternal(url: string): Promise<void>;
  /** A desktop notification (deadline reminders). */
  notify(title: string, body: string): void;
  /**
   * Renders a standalone HTML page to PDF (Electron's printToPDF). Absent under
   * the browser host, where the printable page goes through the browser's own
   * Print → Save as PDF.
   */
  printToPdf?(html: string): Promise<Uint8Array>;
}
