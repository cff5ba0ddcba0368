import { session, shell, type WebContents } from 'electron';
import { checkExternalUrl } from '../../common/external-links';
import type { Logger } from '../core/log';

/**
 * Security lives here, in one place: deny every navigation and popup, allow
 * only the camera (QR codes from the webcam), and route external links through
 * the one allow-list.
 */
export function setupSecurity(log: Logger, isAppUrl: (url: string) => boolean): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    const media = details as { mediaTypes?: string[] };
    const cameraOnly = permission === 'media' && (media.mediaTypes ?? []).every((t) => t === 'video');
    const allowed = cameraOnly && isAppUrl(wc.getURL());
    if (!allowed) log.warn('permission denied', { permission });
    callback(allowed);
  });
  ses.setPermissionCheckHandler((wc, permission) => permission === 'media' && !!wc && isAppUrl(wc.getURL()));
}

/** Locks a window's web contents: no navigation, no new windows. */
export function lockWebContents(contents: WebContents, log: Logger, isAppUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      log.warn('navigation denied', { scheme: url.split(':')[0] });
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // A link the user clicked: only allow-listed URLs leave the app, through the OS.
    const checked = checkExternalUrl(url);
    if (checked.ok) void shell.openExternal(checked.url);
    else log.warn('window.open denied', { reason: checked.reason });
    return { action: 'deny' };
  });
}
