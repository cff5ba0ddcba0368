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
