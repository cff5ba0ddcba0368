import { request, type IncomingMessage } from 'node:http';
import type { Clock } from '../../common/clock';
import { cgiCameraStates, cgiTable, cgiValue } from '../../common/dahua/cgi';
import { parseCameraStates, parseChannelTitles, parseRemoteDeviceTable } from '../../common/dahua/remote-device';
import type { CredentialGate } from '../core/credential-gate';
import { cgiAuthorization, cgiChallenge } from './digest';
import { DahuaError } from './client';
import { channelsOf, type NvrRead } from './reader';

/**
 * Reads over Dahua's older HTTP API (`/cgi-bin/…`, HTTP Digest) for firmware
 * without the web JSON-RPC. Reads only, and never a password in a URL (the
 * CGI's write calls put it there; we do not make them). Through the credential
 * gate like every sign-in: the first refused request ends the read, counted once.
 */

const MAX_BODY = 2 * 1024 * 1024;

function get(url: URL, authorization: string | undefined, timeoutMs: number): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, headers: authorization ? { Authorization: authorization } : {} }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          res.destroy();
          reject(new DahuaError({ kind: 'protocol' }, `${url.pathname}: the answer is larger than ${MAX_BODY / 1024} KB`));
        } else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(new DahuaError({ kind: 'unreachable' }, e.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof DahuaError ? e : new DahuaError({ kind: 'unreachable' }, e.code ?? e.message)));
    req.end();
  });
}

export interface CgiReadOptions {
  url: string;
  username: string;
  password: string;
  gate: CredentialGate;
  clock: Clock;
  timeoutMs?: number;
}

export function readNvrCgi(o: CgiReadOptions): Promise<NvrRead> {
  const base = new URL(o.url);
  if (base.protocol !== 'http:') throw new DahuaError({ kind: 'protocol' }, 'the CGI fallback runs over http only');
  const timeoutMs = o.timeoutMs ?? 8000;
  return o.gate.withDevice(base.href, async (lease) => {
    const until = lease.lockedUntil();
    if (until !== undefined) throw new DahuaError({ kind: 'locked', remainLockSeconds: Math.ceil((until - o.clock.now()) / 1000) });
    if (!lease.canTry()) throw new DahuaError({ kind: 'budget' });

    /** One read: challenge, then the Digest answer; a refusal is one counted failure and ends the read. */
    const read = async (pathAndQuery: string): Promise<string> => {
      const url = new URL(pathAndQuery, base);
      const first = await get(url, undefined, timeoutMs);
      let res = first;
      if (first.status === 401) {
        const c = cgiChallenge(first.rawHeaders);
        if (!c) throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: no Digest challenge this app can answer`);
        res = await get(url, cgiAuthorization(c, o.username, o.password, 'GET', `${url.pathname}${url.search}`), timeoutMs);
        if (res.status === 401) {
          lease.recordFailure();
          throw new DahuaError({ kind: 'wrong-password' });
        }
      }
      if (res.status === 404 || res.status === 501) throw new DahuaError({ kind: 'method-not-found' }, url.pathname);
      if (res.status !== 200) throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: HTTP ${res.status}`);
      return res.body;
    };
    const notes: string[] = ['Read over the NVR’s older CGI interface (its web JSON-RPC is missing).'];
    const optional = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await f();
      } catch (err) {
        if (err instanceof DahuaError && (err.kind === 'method-not-found' || err.kind === 'protocol')) {
          notes.push(`${what}: ${err.message}`);
          return undefined;
        }
        throw err;
      }
    };
    const serial = await optional('Serial number', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSerialNo'), 'sn'));
    const model = await optional('Model', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getDeviceType'), 'type'));
    const firmware = await optional('Firmware', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'), 'version'));
    let table;
    try {
      table = parseRemoteDeviceTable(cgiTable(await read('/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice'), 'RemoteDevice'));
    } catch (err) {
      if (err instanceof DahuaError) throw err;
      throw new DahuaError({ kind: 'protocol' }, (err as Error).message);
    }
    const titles = (await optional('Channel titles', async () => parseChannelTitles(cgiTable(await read('/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle'), 'ChannelTitle')))) ?? new Map();
    const states =
      (await optional('Channel online state', async () => parseCameraStates(cgiCameraStates(await read('/cgi-bin/LogicDeviceManager.cgi?action=getCameraState&uniqueChannels[0]=-1'))))) ?? new Map();
    return {
      identity: { serial: serial ?? '', model: model ?? '', firmware: firmware ?? '' },
      channels: channelsOf(table.slots, titles, states),
      notes,
    };
  });
}
