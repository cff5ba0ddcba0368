import http from 'node:http';
import { OnvifClient } from '../onvif/client';

/**
 * Unauthenticated ONVIF reachability: GetSystemDateAndTime is PRE_AUTH on every
 * ONVIF device, so it proves "ONVIF lives here" and gives the clock skew in one
 * request. Goes through the ONVIF client (size limit, no redirects, SOAP and
 * DateTime parsing in one place); a sweep only needs "answered or not".
 */
const MAX_BYTES = 64 * 1024;

export interface OnvifTime {
  xaddr: string;
  deviceTimeMs: number;
  /** Device clock minus our clock, measured at the middle of the round trip. */
  clockSkewMs: number;
}

export async function getSystemDateAndTime(xaddr: string, now: () => number, timeoutMs: number): Promise<OnvifTime | undefined> {
  let client: OnvifClient | undefined;
  try {
    client = new OnvifClient({ xaddr, timeoutMs, now, maxResponseBytes: MAX_BYTES });
    const t = await client.getSystemDateAndTime();
    return { xaddr, deviceTimeMs: t.deviceTimeMs, clockSkewMs: t.clockOffsetMs };
  } catch {
    // Not ONVIF, not reachable, or not well-formed: to a sweep all mean "not here".
    return undefined;
  } finally {
    client?.close();
  }
}

/** Is there a web server at all (an NVR with ONVIF off still serves its login page)? */
export function httpAlive(host: string, port: number, timeoutMs: number): Promise<{ server?: string } | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { server?: string } | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = http.request({ host, port, path: '/', method: 'HEAD', agent: false }, (res) => {
      const server = res.headers.server;
      finish(server ? { server: String(server).slice(0, 120) } : {});
      res.resume();
    });
    req.on('error', () => finish(undefined));
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    req.end();
  });
}
