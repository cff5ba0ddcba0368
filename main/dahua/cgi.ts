import type http from 'node:http';
import type { Clock } from '../../common/clock';
import { cgiCameraList, cgiCameraStates, cgiTable, cgiValue } from '../../common/dahua/cgi';
import { parseCameraList } from '../../common/dahua/logic-device';
import { parseCameraStates, parseChannelTitles, parseRemoteDeviceTable } from '../../common/dahua/remote-device';
import type { CredentialGate, DeviceLease } from '../core/credential-gate';
import { agentFor, HttpFailure, httpRequest, textOf, type HttpAnswer } from '../core/http';
import { DigestLoop, DigestSession, withDigest } from '../core/http-digest';
import { DahuaError } from './client';
import { channelsOf, optional, slotNotes, type NvrRead, type SlotRead } from './reader';
import { sizeLimit } from './transport';

/**
 * Reads over Dahua's older HTTP API (`/cgi-bin/…`, HTTP Digest) for firmware
 * without the web JSON-RPC. Reads only, and never a password in a URL (the
 * CGI's write calls put it there; we do not make them). Through the credential
 * gate like every sign-in: a refused password ends the read, counted once.
 * Digest is the app's one copy (main/core/http-digest.ts): the nonce is reused
 * from one read to the next where the device allows it, and a device that
 * closes its connections and issues a nonce per request is asked afresh each
 * time, so a refusal of a reused nonce is never taken for a wrong password.
 */

const MAX_BODY = 2 * 1024 * 1024;

export interface CgiReadOptions {
  url: string;
  username: string;
  password: string;
  gate: CredentialGate;
  clock: Clock;
  timeoutMs?: number;
}

type CgiRead = (pathAndQuery: string) => Promise<string>;

/** What every read of one NVR shares: its address, the gate's lease, one kept-alive connection. */
interface CgiLink {
  base: URL;
  lease: DeviceLease;
  agent: http.Agent;
  timeoutMs: number;
}

/** One GET through the core (reads only, so a dead kept-alive socket may be resent). A signed one only while the budget allows a refusal. */
async function cgiGet(url: URL, authorization: string | undefined, link: CgiLink): Promise<HttpAnswer> {
  if (authorization && !link.lease.canTry()) throw new DahuaError({ kind: 'budget' });
  try {
    return await httpRequest({ method: 'GET', url, headers: authorization ? { Authorization: authorization } : {}, timeoutMs: link.timeoutMs, agent: link.agent, maxBytes: MAX_BODY });
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    if (err.kind === 'too-large') throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: ${sizeLimit(MAX_BODY)}`);
    if (err.kind === 'redirect') throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: HTTP ${err.status} redirect, not followed`);
    throw new DahuaError({ kind: 'unreachable' }, err.message);
  }
}

/** One read: Digest through the core; every refusal the device counts is spent on the gate, a wrong password ends the read. */
function cgiReader(o: CgiReadOptions, link: CgiLink): CgiRead {
  const session = new DigestSession(link.base.origin);
  const cred = { username: o.username, password: o.password };
  return async (pathAndQuery) => {
    const url = new URL(pathAndQuery, link.base);
    let judged = false;
    const onRefused = (why: 'password' | 'nonce') => {
      link.lease.recordFailure();
      judged ||= why === 'password';
    };
    const res = await withDigest(session, cred, 'GET', `${url.pathname}${url.search}`, (a) => cgiGet(url, a, link), { onRefused }).catch((e: unknown) => {
      throw e instanceof DigestLoop ? new DahuaError({ kind: 'protocol' }, `${url.pathname}: ${e.message}`) : e;
    });
    return bodyOf(res, url, judged);
  };
}

/** The answer's text, or the DahuaError its status amounts to. */
function bodyOf(res: HttpAnswer, url: URL, judged: boolean): string {
  if (res.status === 401 && judged) throw new DahuaError({ kind: 'wrong-password' });
  if (res.status === 401) throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: no Digest challenge this app can answer`);
  if (res.status === 404 || res.status === 501) throw new DahuaError({ kind: 'method-not-found' }, url.pathname);
  // Newer models answer 400 to the RemoteDevice reads they no longer serve (DOMAIN.md).
  if (res.status === 400) throw new DahuaError({ kind: 'invalid-request' }, `${url.pathname}: HTTP 400`);
  if (res.status !== 200) throw new DahuaError({ kind: 'protocol' }, `${url.pathname}: HTTP ${res.status}`);
  return textOf(res);
}

/** What the CGI may shrug off: a read this firmware lacks or garbles, never a refusal, the budget or silence. */
const missing = (err: DahuaError) => err.kind === 'method-not-found' || err.kind === 'invalid-request' || err.kind === 'protocol';

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
    const agent = agentFor(base, undefined, 1);
    try {
      return await readAll(cgiReader(o, { base, lease, agent, timeoutMs: o.timeoutMs ?? 8000 }));
    } finally {
      agent.destroy();
    }
  });
}

/** Identity, channel slots, titles and online state, one read after another on one connection. */
async function readAll(read: CgiRead): Promise<NvrRead> {
  const notes: string[] = ['Read over the NVR’s older CGI interface (its web JSON-RPC is missing).'];
  const maybe = <T>(what: string, f: () => Promise<T>) => optional(notes, what, f, missing);
  const serial = await maybe('Serial number', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSerialNo'), 'sn'));
  const model = await maybe('Model', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getDeviceType'), 'type'));
  const firmware = await maybe('Firmware', async () => cgiValue(await read('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'), 'version'));
  const slots = await cgiSlots(read, notes);
  const titles = await maybe('Channel titles', async () => parseChannelTitles(cgiTable(await read('/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle'), 'ChannelTitle')));
  const states = await maybe('Channel online state', async () => parseCameraStates(cgiCameraStates(await read('/cgi-bin/LogicDeviceManager.cgi?action=getCameraState&uniqueChannels[0]=-1'))));
  return {
    identity: { serial: serial ?? '', model: model ?? '', firmware: firmware ?? '' },
    channels: channelsOf(slots, titles ?? new Map(), states ?? new Map()),
    notes,
  };
}
