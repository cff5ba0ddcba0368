import http from 'node:http';
import { z } from 'zod';
import { hostOf } from '../../common/discovery/net';
import { OnvifClient, lockedInfo, type Credentials, type OnvifClientOptions } from './client';
import { agentFor } from '../core/http';
import { DigestLoop, DigestSession, withDigest } from '../core/http-digest';
import { OnvifError } from './errors';
import { asNode, escapeText, responseNode, textOf } from './soap';
import { get } from './transport';

/**
 * ONVIF Media (ver10): the camera's profiles, its snapshot URI and the picture
 * itself, with the device client's credential rules (one kind per request, a
 * refusal reported once through `onAuthFailure` and never tried again by this
 * client). What the camera answers is hostile: the media service and the
 * snapshot are only ever fetched from the camera's own host, and a picture is
 * a picture by its magic bytes, whatever its Content-Type says.
 */

export const MEDIA_NS = 'http://www.onvif.org/ver10/media/wsdl';
const TDS_NS = 'http://www.onvif.org/ver10/device/wsdl';
/** Where ONVIF cameras commonly serve Media when they do not say. */
const DEFAULT_MEDIA_PATH = '/onvif/media_service';
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;
const MAX_PROFILES = 32;
const MAX_URI_CHARS = 2048;

export interface MediaProfile {
  token: string;
  name: string;
}

export interface Snapshot {
  mime: 'image/jpeg' | 'image/png';
  bytes: Buffer;
}

export type MediaClientOptions = Pick<OnvifClientOptions, 'xaddr' | 'timeoutMs' | 'signal' | 'onAuthFailure' | 'auth' | 'clockOffsetMs'> & {
  /** Largest picture accepted. Default 2 MiB. */
  maxSnapshotBytes?: number;
};

const Token = z.string().min(1).max(64);

export class MediaClient {
  private readonly device: OnvifClient;
  private media: OnvifClient | undefined;
  private readonly home: URL;
  /** One keep-alive agent per protocol the snapshots are fetched over. */
  private readonly agents = new Map<string, http.Agent>();
  /** One Digest state per origin the pictures come from. */
  private readonly digests = new Map<string, DigestSession>();
  /** A credential this camera refused: no request of this client carries one again. */
  private refused = false;

  constructor(private readonly o: MediaClientOptions) {
    this.device = new OnvifClient(this.clientOptions());
    this.home = new URL(o.xaddr); // the OnvifClient above has already refused what is not an http(s) URL
  }

  close(): void {
    this.device.close();
    this.media?.close();
    for (const a of this.agents.values()) a.destroy();
  }

  /**
   * The media service's address: GetCapabilities (Media), else GetServices. An address on another host
   * is not followed: the camera's own host with the path it gave (cameras behind NAT report inner addresses).
   */
  async mediaXaddr(cred: Credentials): Promise<string> {
    this.guard(cred);
    // GetCapabilities first; GetServices where the camera answers that one with a fault or nothing usable.
    const given =
      (await unlessRefused(async () => {
        const caps = await this.device.serviceCall(TDS_NS, 'GetCapabilities', '<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>', cred);
        return textOf(asNode(asNode(responseNode(caps, 'GetCapabilitiesResponse')['Capabilities'])?.['Media'])?.['XAddr']);
      })) ||
      (await unlessRefused(async () => {
        const services = await this.device.serviceCall(TDS_NS, 'GetServices', '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>', cred);
        const list = responseNode(services, 'GetServicesResponse')['Service'];
        const media = (Array.isArray(list) ? list : [list]).map(asNode).find((n) => textOf(n?.['Namespace'])?.trim() === MEDIA_NS);
        return textOf(media?.['XAddr']);
      }));
    return this.onOwnHost(given?.trim() || DEFAULT_MEDIA_PATH);
  }

  async getProfiles(cred: Credentials): Promise<MediaProfile[]> {
    const body = await (await this.mediaClient(cred)).serviceCall(MEDIA_NS, 'GetProfiles', '<trt:GetProfiles xmlns:trt="http://www.onvif.org/ver10/media/wsdl"/>', this.guard(cred), {
      attributes: true,
    });
    const list = responseNode(body, 'GetProfilesResponse')['Profiles'];
    const profiles = (Array.isArray(list) ? list : []).slice(0, MAX_PROFILES).flatMap((p: unknown) => {
      const n = asNode(p);
      const token = Token.safeParse(n?.['@token']);
      return token.success ? [{ token: token.data, name: (textOf(n?.['Name']) ?? '').slice(0, 64) }] : [];
    });
    if (profiles.length === 0) throw new OnvifError('protocol', 'the camera lists no media profile');
    return profiles;
  }

  /** The snapshot URI for a profile, checked: http(s) on the camera's own host, no user info. */
  async getSnapshotUri(cred: Credentials, profileToken: string): Promise<URL> {
    const body = await (await this.mediaClient(cred)).serviceCall(
      MEDIA_NS,
      'GetSnapshotUri',
      `<trt:GetSnapshotUri xmlns:trt="http://www.onvif.org/ver10/media/wsdl"><trt:ProfileToken>${escapeText(profileToken)}</trt:ProfileToken></trt:GetSnapshotUri>`,
      this.guard(cred),
    );
    const uri = textOf(asNode(responseNode(body, 'GetSnapshotUriResponse')['MediaUri'])?.['Uri']);
    if (!uri) throw new OnvifError('protocol', 'GetSnapshotUri answered no URI');
    return checkSnapshotUri(uri, this.o.xaddr);
  }

  /** GET the picture with HTTP Digest (Basic is never sent: it would show the password on the wire). */
  async fetchSnapshot(cred: Credentials, uri: URL): Promise<Snapshot> {
    this.guard(cred);
    const url = checkSnapshotUri(uri.href, this.o.xaddr);
    let judged = false;
    const send = async (authorization?: string) => {
      const res = await get({
        url,
        headers: { Accept: 'image/jpeg, image/png', ...(authorization ? { Authorization: authorization } : {}) },
        agent: this.agentFor(url),
        timeoutMs: this.o.timeoutMs ?? 5000,
        maxBytes: this.o.maxSnapshotBytes ?? MAX_SNAPSHOT_BYTES,
        ...(this.o.signal ? { signal: this.o.signal } : {}),
      });
      const locked = lockedInfo({ ...res, body: res.bytes.subarray(0, 4096).toString('utf8') });
      if (locked) throw locked;
      return res;
    };
    const onRefused = (why: 'password' | 'nonce') => (why === 'password' ? ((judged = true), this.noteRefusal()) : this.o.onAuthFailure?.('nonce'));
    const res = await withDigest(this.sessionFor(url), this.guard(cred), 'GET', url.pathname + url.search, send, { onRefused }).catch((e: unknown) => {
      throw e instanceof DigestLoop ? new OnvifError('protocol', 'the snapshot keeps challenging without judging the credentials') : e;
    });
    if (res.status === 401 && judged) throw new OnvifError('auth-failed', 'the camera refused the credentials for its snapshot', { status: 401 });
    if (res.status === 401) throw new OnvifError('unsupported-auth', 'the snapshot asks for a sign-in other than HTTP Digest', { status: 401 });
    if (res.status < 200 || res.status >= 300) throw new OnvifError('http', `the snapshot answered HTTP ${res.status}`, { status: res.status });
    const mime = sniffImage(res.bytes);
    if (!mime) throw new OnvifError('protocol', `the snapshot is not a JPEG or PNG picture (${describeType(res.headers['content-type'])})`, { status: res.status });
    return { mime, bytes: res.bytes };
  }

  private sessionFor(url: URL): DigestSession {
    let s = this.digests.get(url.origin);
    if (!s) this.digests.set(url.origin, (s = new DigestSession(url.origin)));
    return s;
  }

  private clientOptions(): OnvifClientOptions {
    const { xaddr, signal, auth, clockOffsetMs } = this.o;
    return {
      xaddr,
      timeoutMs: this.o.timeoutMs ?? 5000,
      ...(signal ? { signal } : {}),
      ...(auth ? { auth } : {}),
      ...(clockOffsetMs !== undefined ? { clockOffsetMs } : {}),
      // A reused nonce refused is counted by the caller's budget, but does not make this client give up.
      onAuthFailure: (why) => (why === 'password' ? this.noteRefusal() : this.o.onAuthFailure?.('nonce')),
    };
  }

  private agentFor(url: URL): http.Agent {
    let agent = this.agents.get(url.protocol);
    if (!agent) this.agents.set(url.protocol, (agent = agentFor(url, undefined, 2)));
    return agent;
  }

  private async mediaClient(cred: Credentials): Promise<OnvifClient> {
    this.media ??= new OnvifClient({ ...this.clientOptions(), xaddr: await this.mediaXaddr(this.guard(cred)) });
    return this.media;
  }

  /** Every request's credential passes here: once refused, never sent again. */
  private guard(cred: Credentials): Credentials {
    if (this.refused) throw new OnvifError('auth-failed', 'the camera already refused these credentials; not tried again');
    return cred;
  }

  private noteRefusal(): void {
    this.refused = true;
    this.o.onAuthFailure?.('password');
  }

  private onOwnHost(given: string): string {
    let url: URL;
    try {
      url = new URL(given, this.home);
    } catch {
      throw new OnvifError('protocol', 'the media service address is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OnvifError('protocol', 'the media service address is not http(s)');
    if (hostOf(url.href) === hostOf(this.home.href)) return `${url.origin}${url.pathname}${url.search}`;
    return `${this.home.origin}${url.pathname}${url.search}`;
  }
}

/**
 * A snapshot URI as the camera gave it, checked: a URL, http(s), on the camera's own host (any port:
 * cameras serve pictures on their web port), user info dropped (the request signs in by Digest).
 * Errors name the scheme or host but never the whole URI: some cameras put passwords in its query.
 */
export function checkSnapshotUri(raw: unknown, deviceXaddr: string): URL {
  if (typeof raw !== 'string' || raw.length === 0) throw new OnvifError('protocol', 'the snapshot URI is empty');
  if (raw.length > MAX_URI_CHARS) throw new OnvifError('protocol', 'the snapshot URI is too long');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new OnvifError('protocol', 'the snapshot URI is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OnvifError('protocol', `the snapshot URI is ${printable(url.protocol)}, not http(s)`);
  const own = hostOf(deviceXaddr);
  const host = hostOf(url.href);
  if (host !== own) throw new OnvifError('protocol', `the snapshot URI points at another machine (${printable(host)}), not the camera (${printable(own)}); not followed`);
  url.username = '';
  url.password = '';
  url.hash = '';
  return url;
}

/** JPEG (FF D8 FF) or PNG (the 8-byte signature), by content. */
export function sniffImage(b: Buffer): Snapshot['mime'] | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  return undefined;
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
const describeType = (ct: string | undefined) => (ct ? `answered as ${printable(ct.split(';')[0]!.trim())}` : 'no content type');

/** The answer, or undefined where the camera answered with a SOAP fault or something unusable; other failures (network, sign-in) are thrown. */
async function unlessRefused<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof OnvifError && (err.kind === 'fault' || err.kind === 'protocol')) return undefined;
    throw err;
  }
}
