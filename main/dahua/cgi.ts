import { request, type IncomingMessage } from 'node:http';
import type { Clock } from '../../common/clock';
import { cgiCameraList, cgiCameraStates, cgiTable, cgiValue } from '../../common/dahua/cgi';
import { parseCameraList } from '../../common/dahua/logic-device';
import { parseCameraStates, parseChannelTitles, parseRemoteDeviceTable } from '../../common/dahua/remote-device';
import type { CredentialGate, DeviceLease } from '../core/credential-gate';
import { cgiAuthorization, cgiChallenge } from './digest';
import { DahuaError } from './client';
import { channelsOf, slotNotes, type NvrRead, type SlotRead } from './reader';

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

type CgiRead = (pathAndQuery: string) => Promise<string>;

/** One read: challenge, then the Digest answer; a refusal is one counted failure and ends the read. */
function cgiReader(o: CgiReadOptions, base: URL, lease: DeviceLease): CgiRead {
  const timeoutMs = o.timeoutMs ?? 8000;
  return async (pathAndQuery) => {
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
    // Newer models answer 400 to the RemoteDevice reads they no longer serve (DOMAIN.md).
    if (res.status === 400) throw new DahuaError({ kind: 'invalid-request' }, `${url.pathname}: HTTP 400`);
    if (res.status !== 200) throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: HTTP ${res.status}`);
    return res.body;
  };
}

/** A read that may be missing on some firmware: a note instead of a failure. */
async function optional<T>(notes: string[], what: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof DahuaError && (err.kind === 'method-not-found' || err.kind === 'invalid-request' || err.kind === 'protocol')) {
      notes.push(`${what}: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}

const asProtocol = (err: unknown): never => {
  if (err instanceof DahuaError) throw err;
  throw new DahuaError({ kind: 'protocol' }, (err as Error).message);
};

/** The channel slots: the RemoteDevice table, or LogicDeviceManager's camera list where that read answers 400. */
async function cgiSlots(read: CgiRead, notes: string[]): Promise<SlotRead> {
  let out: SlotRead;
  try {
    out = parseRemoteDeviceTable(cgiTable(await read('/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice'), 'RemoteDevice'));
  } catch (err) {
    if (!(err instanceof DahuaError && (err.kind === 'invalid-request' || err.kind === 'method-not-found'))) return asProtocol(err);
    const list = await read('/cgi-bin/LogicDeviceManager.cgi?action=getCameraAll')
      .then((text) => parseCameraList(cgiCameraList(text)))
      .catch((e: unknown) => (e instanceof DahuaError && e.kind === 'method-not-found' ? Promise.reject(err) : asProtocol(e)));
    out = { slots: list.cameras, truncated: list.truncated, ignored: list.ignored };
    notes.push('Read through LogicDeviceManager: this firmware refuses the RemoteDevice read.');
  }
  slotNotes(out, notes);
  return out;
}

export function readNvrCgi(o: CgiReadOptions): Promise<NvrRead> {
  const base = new URL(o.url);
  if (base.protocol !== 'http:') throw new DahuaError({ kind: 'protocol' }, 'the CGI fallback runs over http only');
  return o.gate.withDevice(base.href, async (lease) => {
    const until = lease.lockedUntil();
    if (until !== undefined) throw new DahuaError({ kind: 'locked', remainLockSeconds: Math.ceil((until - o.clock.now()) / 1000) });
    if (!lease.canTry()) throw new DahuaError({ kind: 'budget' });
    const read = cgiReader(o, base, lease);
    const notes: string[] = ['Read over the NVR’s older CGI interface (its web JSON-RPC is missing).'];
    const serial = await optional(notes, 'Serial number', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSerialNo'), 'sn'));
    const model = await optional(notes, 'Model', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getDeviceType'), 'type'));
    const firmware = await optional(notes, 'Firmware', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'), 'version'));
    const slots = await cgiSlots(read, notes);
    const titles = (await optional(notes, 'Channel titles', async () => parseChannelTitles(cgiTable(await read('/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle'), 'ChannelTitle')))) ?? new Map();
    const states =
      (await optional(notes, 'Channel online state', async () => parseCameraStates(cgiCameraStates(await read('/cgi-bin/LogicDeviceManager.cgi?action=getCameraState&uniqueChannels[0]=-1'))))) ?? new Map();
    return {
      identity: { serial: serial ?? '', model: model ?? '', firmware: firmware ?? '' },
      channels: channelsOf(slots, titles, states),
      notes,
    };
  });
}
