import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

/**
 * How the simulated NVR signs in to a channel's camera: a small HTTP Digest
 * client of its own (sim/ never imports main/, and a recorder is an
 * independent implementation anyway). It calls ONVIF GetDeviceInformation,
 * which needs authentication, so a wrong stored password is a real failed
 * sign-in on the camera and spends its failure counter, as real recorders do.
 */

export type CameraLogin = 'ok' | 'refused' | 'unreachable';

const BODY =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">' +
  '<s:Body><GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';

interface Answer {
  status: number;
  challenges: string[];
}

function post(url: URL, authorization: string | undefined, timeoutMs: number): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(BODY), ...(authorization ? { Authorization: authorization } : {}) },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const h = res.headers['www-authenticate'];
          resolve({ status: res.statusCode ?? 0, challenges: Array.isArray(h) ? h : h ? [h] : [] });
        });
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(BODY);
  });
}

function parseChallenge(h: string): Record<string, string> | undefined {
  if (!/^Digest\s/i.test(h)) return undefined;
  const out: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

const hashOf = (algo: string, s: string) => createHash(algo === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');

/** One sign-in to the camera's ONVIF device service with the stored credentials. */
export async function cameraLogin(xaddr: string, username: string, password: string, timeoutMs = 2000): Promise<CameraLogin> {
  const url = new URL(xaddr);
  const first = await post(url, undefined, timeoutMs);
  if (!first) return 'unreachable';
  if (first.status === 200) return 'ok'; // authentication switched off on the camera
  // Prefer MD5 like most recorders' firmware; SHA-256 if that is all the camera offers.
  const challenges = first.challenges.map(parseChallenge).filter((c): c is Record<string, string> => !!c);
  const c = challenges.find((x) => (x['algorithm'] ?? 'MD5').toUpperCase() === 'MD5') ?? challenges.find((x) => x['algorithm']?.toUpperCase() === 'SHA-256');
  if (!c) return first.status === 401 ? 'refused' : 'unreachable';
  const algo = (c['algorithm'] ?? 'MD5').toUpperCase();
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const uri = url.pathname;
  const ha1 = hashOf(algo, `${username}:${c['realm']}:${password}`);
  const ha2 = hashOf(algo, `POST:${uri}`);
  const response = hashOf(algo, `${ha1}:${c['nonce']}:${nc}:${cnonce}:auth:${ha2}`);
  const auth =
    `Digest username="${username}", realm="${c['realm']}", nonce="${c['nonce']}", uri="${uri}", algorithm=${algo}, ` +
    `response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}"${c['opaque'] !== undefined ? `, opaque="${c['opaque']}"` : ''}`;
  const second = await post(url, auth, timeoutMs);
  if (!second) return 'unreachable';
  if (second.status === 200) return 'ok';
  return second.status === 401 || second.status === 400 ? 'refused' : 'unreachable';
}
