import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from '../../common/app-origin';
import type { Logger } from '../core/log';
import { readRendererFile, rendererCsp } from '../core/renderer-files';

/**
 * The renderer is served from nvr://app/ rather than file://: a real origin
 * (so file:// pages and the file system are not same-origin with the app), ES
 * modules without file:// special cases, and a CSP sent as a header. The IPC
 * guard and the permission policy compare against this origin.
 */
export function registerAppScheme(): void {
  // Before app 'ready', once (a second call replaces the first).
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

/** Answers nvr://app/<file> from the built renderer folder, with the Electron CSP (no WebSocket); anything else is 404. */
function appProtocolHandler(rendererDir: string, log: Logger): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) {
      log.warn('app protocol refused', { host: url.host.slice(0, 80), method: request.method });
      return notFound();
    }
    const file = await readRendererFile(rendererDir, url.pathname);
    if (!file) return notFound();
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), {
      status: 200,
      headers: {
        'Content-Type': file.type,
        'Content-Security-Policy': rendererCsp({ websocket: false }),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      },
    });
  };
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** Serves the renderer on the app scheme (after 'ready'). */
export function setupAppProtocol(rendererDir: string, log: Logger): void {
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir, log));
}
