/**
 * What a technician pastes into "Add by IP" is often not a bare address: a
 * device-service URL copied from a tool (`http://192.168.1.108:8000/onvif/device_service`),
 * a web-page address, or a line with spaces around it. This keeps host[:port]
 * and drops the rest — credentials in a URL are dropped, never echoed.
 * Anything that is not a URL is returned trimmed, for main's own check to judge.
 */
export type PasteResult = { target: string; fromUrl: boolean };

const MAX = 2048;

export function targetFromPaste(raw: unknown): PasteResult {
  if (typeof raw !== 'string') return { target: '', fromUrl: false };
  const text = raw.slice(0, MAX).trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { target: text, fromUrl: false };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { target: text, fromUrl: false };
  }
  if (!['http:', 'https:', 'rtsp:', 'onvif:'].includes(url.protocol) || !url.hostname) return { target: text, fromUrl: false };
  // IPv6 literals keep their brackets out: main takes IPv4 or a host name, and will say so.
  const host = url.hostname;
  return { target: url.port ? `${host}:${url.port}` : host, fromUrl: true };
}
