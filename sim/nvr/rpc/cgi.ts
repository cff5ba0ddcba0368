import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { spendFailure } from './login';
import type { Nvr } from './nvr';
import type { Poller } from './poll';
import { enabled } from './slots';

/**
 * The older HTTP API with Digest (MD5), reads only (DOMAIN.md "The CGI API"): what an app
 * may fall back to where RPC2 is missing. Answers `key=value` lines; passwords always masked.
 */

type Lines = [string, unknown][];
type CgiRead = (nvr: Nvr, url: URL, poller: Poller) => Lines | Promise<Lines> | undefined;

const READS: Readonly<Record<string, CgiRead>> = {
  '/cgi-bin/magicBox.cgi?getSerialNo': (nvr) => [['sn', nvr.identity.serialNumber]],
  '/cgi-bin/magicBox.cgi?getDeviceType': (nvr) => [['type', nvr.identity.model]],
  '/cgi-bin/magicBox.cgi?getSoftwareVersion': (nvr) => [['version', nvr.identity.firmwareVersion.split(', Build Date ')[0]]],
  '/cgi-bin/configManager.cgi?getConfig': (nvr, url) => {
    const name = url.searchParams.get('name');
    if (name === 'ChannelTitle') return nvr.channels.map((c, i) => [`table.ChannelTitle[${i}].Name`, c.title]);
    if (name !== 'RemoteDevice') return undefined;
    return nvr.channels.flatMap((c, i): Lines => {
      const k = `table.RemoteDevice[${i}]`;
      return [[`${k}.Enable`, enabled(c)], [`${k}.Address`, c.address], [`${k}.Port`, c.port], [`${k}.UserName`, c.username], [`${k}.Password`, '******'],
        [`${k}.ProtocolType`, c.protocol], [`${k}.DeviceType`, c.deviceType], [`${k}.VideoInputs[0].Name`, c.name]];
    });
  },
  '/cgi-bin/LogicDeviceManager.cgi?getCameraState': async (nvr, _url, poller) => {
    if (!poller.background()) await poller.pollNow();
    return nvr.channels.flatMap((c, i): Lines => [[`states[${i}].channel`, i], [`states[${i}].connectionState`, enabled(c) ? c.state : 'Unknown']]);
  },
};

const md5 = (x: string) => createHash('md5').update(x, 'utf8').digest('hex');

export function makeCgi(nvr: Nvr, poller: Poller) {
  const nonce = randomBytes(12).toString('hex');
  const opaque = randomBytes(6).toString('hex');
  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  };
  const authorised = (req: IncomingMessage): 'ok' | 'none' | 'fail' => {
    const h = req.headers.authorization ?? '';
    if (!/^Digest\s/i.test(h)) return 'none';
    const p: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) p[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
    const user = p['username'] ?? '';
    const stored = nvr.password(user);
    const expected = stored !== undefined && md5(`${md5(`${user}:${nvr.realm}:${stored}`)}:${nonce}:${p['nc']}:${p['cnonce']}:auth:${md5(`GET:${req.url}`)}`);
    return stored !== undefined && p['nonce'] === nonce && p['uri'] === req.url && p['response'] === expected ? 'ok' : 'fail';
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    nvr.stats.cgiRequests++;
    const url = new URL(req.url ?? '/', 'http://nvr');
    if ([...url.searchParams.keys()].some((k) => /pwd|pass/i.test(k))) nvr.stats.passwordInUrl++;
    const challenge = { 'WWW-Authenticate': `Digest realm="${nvr.realm}", qop="auth", nonce="${nonce}", opaque="${opaque}"` };
    if (req.method !== 'GET') return text(res, 405, 'Error\r\nMethod Not Allowed!\r\n');
    const auth = authorised(req);
    const locked = nvr.now() < nvr.stats.lockedUntil;
    if (auth === 'none' || locked) {
      if (auth !== 'none') nvr.stats.lockedRefusals++;
      return text(res, 401, 'Error\r\nUnauthorized!\r\n', challenge);
    }
    if (auth === 'fail') {
      spendFailure(nvr);
      return text(res, 401, 'Error\r\nUnauthorized!\r\n', challenge);
    }
    nvr.stats.consecutiveFailures = 0;
    const read = READS[`${url.pathname}?${url.searchParams.get('action')}`];
    const lines = read ? await read(nvr, url, poller) : undefined;
    if (!lines) return read ? text(res, 400, 'Error\r\nBad Request!\r\n') : text(res, 501, 'Error\r\nNot Implemented!\r\n');
    text(res, 200, lines.map(([k, v]) => `${k}=${String(v)}`).join('\r\n') + '\r\n');
  };
}
