import http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * Unauthenticated ONVIF reachability: GetSystemDateAndTime is PRE_AUTH on every
 * ONVIF device, so it proves "ONVIF lives here" and gives the clock skew in one
 * request. Kept local (not the full ONVIF client) because a sweep fires
 * thousands of these and needs nothing else.
 */
const BODY =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
  '<s:Body><tds:GetSystemDateAndTime/></s:Body></s:Envelope>';

const MAX_BYTES = 64 * 1024;
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, processEntities: false });

const Num = z.union([z.string(), z.number()]).transform(Number).pipe(z.number().int().min(0).max(9999));
const Utc = z.object({
  Time: z.object({ Hour: Num, Minute: Num, Second: Num }),
  Date: z.object({ Year: Num, Month: Num, Day: Num }),
});

export interface OnvifTime {
  xaddr: string;
  deviceTimeMs: number;
  /** Device clock minus our clock, measured at the middle of the round trip. */
  clockSkewMs: number;
}

export type PostResult = { status: number; body: string } | { error: string };

export function post(url: string, body: string, timeoutMs: number, contentType = 'application/soap+xml; charset=utf-8'): Promise<PostResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: PostResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) return finish({ error: 'response too large' });
        chunks.push(c);
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish({ error: e.message }));
    });
    req.on('error', (e) => finish({ error: e.message }));
    const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
    req.end(body);
  });
}

export async function getSystemDateAndTime(xaddr: string, now: () => number, timeoutMs: number): Promise<OnvifTime | undefined> {
  const t0 = now();
  const res = await post(xaddr, BODY, timeoutMs);
  const t1 = now();
  if ('error' in res || res.status !== 200) return undefined;
  let doc: unknown;
  try {
    doc = parser.parse(res.body);
  } catch {
    return undefined;
  }
  const found = z
    .object({ Envelope: z.object({ Body: z.object({ GetSystemDateAndTimeResponse: z.object({ SystemDateAndTime: z.object({ UTCDateTime: Utc }) }) }) }) })
    .safeParse(doc);
  if (!found.success) return undefined;
  const u = found.data.Envelope.Body.GetSystemDateAndTimeResponse.SystemDateAndTime.UTCDateTime;
  const deviceTimeMs = Date.UTC(u.Date.Year, u.Date.Month - 1, u.Date.Day, u.Time.Hour, u.Time.Minute, u.Time.Second);
  if (!Number.isFinite(deviceTimeMs)) return undefined;
  // Device time has one-second resolution; the half-second bias is below what matters for WS-Security.
  return { xaddr, deviceTimeMs, clockSkewMs: deviceTimeMs - Math.round((t0 + t1) / 2) };
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
