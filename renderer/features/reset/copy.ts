/**
 * Copies non-secret text (QR text, ticket summary). navigator.clipboard needs a
 * permission some hosts deny (Electron's permission handler); the selection +
 * execCommand path works without one.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // fall through to the selection-based copy
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('Copying is not allowed here. Select the text and press Ctrl+C.');
}
