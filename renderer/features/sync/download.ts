/** Saves text (or base64 bytes) as a file through the browser's download (works in Electron and the browser host). */
export function downloadText(filename: string, mime: string, content: string, encoding: 'utf8' | 'base64' = 'utf8'): void {
  const data = encoding === 'base64' ? Uint8Array.from(atob(content), (c) => c.charCodeAt(0)) : content;
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the download a moment to start before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The browser host's print view: the report page in a window of its own, with
 * the print dialog (Save as PDF is one of its destinations). The report is our
 * own escaped HTML with no script; the window is opened without an opener.
 */
export function openPrintView(html: string): void {
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  const w = window.open(url, '_blank');
  if (!w) {
    URL.revokeObjectURL(url);
    throw new Error('The print view could not open (pop-ups are blocked). Use Export CSV or JSON instead.');
  }
  w.addEventListener('load', () => w.print(), { once: true });
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
