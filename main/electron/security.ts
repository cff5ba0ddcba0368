import { session, shell, type App, type WebContents } from 'electron';
import { checkExternalUrl } from '../../common/external-links';
import type { Logger } from '../core/log';

/**
 * Security lives here, in one place: every web contents the app ever creates
 * is locked (no navigation, redirect, new window or webview), permissions
 * follow one policy — the camera, for the app's own page — and external links
 * go through the one allow-list.
 */

/** What a page asks for: a permission name and, for media, which kinds. */
export interface PermissionAsk {
  permission: string;
  url: string;
  mediaTypes?: readonly string[];
}

/** The one permission policy: video only (reading the NVR's QR code), for the app page only. Audio, or an unknown media kind, is refused. */
export function allowPermission(ask: PermissionAsk, isAppUrl: (url: string) => boolean): boolean {
  if (ask.permission !== 'media' || !isAppUrl(ask.url)) return false;
  const kinds = ask.mediaTypes ?? [];
  return kinds.length > 0 && kinds.every((t) => t === 'video');
}

/** Permission requests and permission checks answer from the same policy. */
export function setupPermissions(log: Logger, isAppUrl: (url: string) => boolean): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    const mediaTypes = (details as { mediaTypes?: string[] }).mediaTypes;
    const allowed = allowPermission({ permission, url: wc.getURL(), mediaTypes }, isAppUrl);
    if (!allowed) log.warn('permission denied', { permission, mediaTypes });
    callback(allowed);
  });
  ses.setPermissionCheckHandler((wc, permission, _origin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    // A check carries one media kind ('video', 'audio' or 'unknown').
    return allowPermission({ permission, url: wc?.getURL() ?? '', mediaTypes: mediaType ? [mediaType] : [] }, isAppUrl);
  });
  // USB, HID, serial, Bluetooth: never.
  ses.setDevicePermissionHandler(() => false);
}

/** Locks one web contents: no navigation or redirect away from the app, no webview, no new window. */
export function lockWebContents(contents: WebContents, log: Logger, isAppUrl: (url: string) => boolean): void {
  const stay = (what: string) => (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log.warn(`${what} denied`, { scheme: String(url).split(':')[0]?.slice(0, 20) });
  };
  contents.on('will-navigate', stay('navigation'));
  contents.on('will-frame-navigate', (event) => stay('frame navigation')(event, event.url));
  contents.on('will-redirect', stay('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('webview denied');
  });
  contents.setWindowOpenHandler(({ url }) => {
    // A link the user clicked: only allow-listed URLs leave the app, through the OS.
    const checked = checkExternalUrl(url);
    if (checked.ok) void shell.openExternal(checked.url);
    else log.warn('window.open denied', { reason: checked.reason });
    return { action: 'deny' };
  });
}

/** App-wide: every web contents (windows, the PDF printer, anything a library opens) is locked the moment it exists. */
export function guardAllWebContents(app: Pick<App, 'on'>, log: Logger, isAppUrl: (url: string) => boolean): void {
  app.on('web-contents-created', (_event, contents) => lockWebContents(contents, log, isAppUrl));
}
