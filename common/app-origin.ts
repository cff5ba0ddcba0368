/**
 * Where the Electron app's page lives and how it talks to main: shared by
 * main/electron and preload/ (which may not import each other).
 */
export const APP_SCHEME = 'nvr';
export const APP_HOST = 'app';
/** The renderer's only page: nvr://app/index.html (served by main/electron/protocol.ts). */
export const APP_PAGE = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** ipcRenderer.invoke channel for contract calls, and the channel main pushes events on. */
export const CALL_CHANNEL = 'nvr:call';
export const EVENT_CHANNEL = 'nvr:event';

/** True only for the app's page itself (any #fragment): no other path, host, port, scheme or credentials. */
export function isAppPage(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.pathname === '/index.html' && !u.search && !u.username && !u.password;
}
