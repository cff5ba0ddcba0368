import http from 'node:http';
import https from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';

/**
 * The app's one HTTP exchange with a device: an overall deadline (connect +
 * headers + body), a size cap on the answer (declared or streamed), redirects
 * never followed (so a credential never leaves for another host), https only
 * when the URL says so — with the one certificate the technician confirmed
 * (pinnedTls, peekCertificate) where the device's is self-signed — and a
 * single silent resend only when a reused keep-alive socket died before any
 * answer, never for a request that changes the device. Protocol clients (ONVIF
 * device and media, the Dahua web JSON-RPC, CGI and DevInit clients,
 * discovery's description fetch) map HttpFailure to their own error type;
 * HTTP Digest lives beside it in http-digest.ts.
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export type HttpFailureKind = 'unreachable' | 'timeout' | 'reset' | 'tls' | 'redirect' | 'too-large' | 'cancelled' | 'protocol';

/** Why an exchange gave no usable answer. Messages name no header value, body or credential. */
export class HttpFailure extends Error {
  /**
   * Whether the request may have reached the device (the connection, and for
   * https the handshake, was made): a write that failed with `sent` false was
   * certainly not carried out; with `sent` true only the device's state can say.
   */
  readonly sent: boolean;
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; sent?: boolean },
  ) {
    super(message, options);
    this.name = 'HttpFailure';
    this.sent = options?.sent ?? true;
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** A keep-alive agent for the URL's protocol (see agentFor); default: a connection of its own. */
  agent?: http.Agent;
  signal?: AbortSignal;
  /** Default MAX_RESPONSE_BYTES. */
  maxBytes?: number;
  /**
   * Default true. False for requests that change the device (SetUser…): a keep-alive
   * socket that dies may have carried the request already, and the device may have
   * applied it, so it is never sent twice behind the caller's back.
   */
  resendOnStaleSocket?: boolean;
  /** TLS trust for https (a pinned self-signed certificate: `ca` + `checkServerIdentity`). */
  tls?: Pick<https.RequestOptions, 'ca' | 'checkServerIdentity'>;
  /** Return a 3xx answer (its Location in headers) instead of failing with 'redirect'. Never followed either way. */
  returnRedirects?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every header as sent, in order (a device sends one WWW-Authenticate per algorithm). */
  rawHeaders: string[];
  bytes: Buffer;
}

/** The answer's body as UTF-8 text. */
export const textOf = (a: HttpAnswer): string => a.bytes.toString('utf8');

/**
 * The agent to send to `url` with: `given` when it speaks the URL's protocol
 * (an http.Agent handed to an https request throws), else a new keep-alive one that does.
 */
export function agentFor(url: URL, given?: http.Agent, maxSockets = 4): http.Agent {
  const isHttps = url.protocol === 'https:';
  if (given && (isHttps ? given instanceof https.Agent : !(given instanceof https.Agent))) return given;
  return isHttps ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
}

/** One request, resent once only when a reused keep-alive socket died before any answer (and resending is allowed). */
export async function httpRequest(r: HttpRequest): Promise<HttpAnswer> {
  try {
    return await exchange(r);
  } catch (e) {
    if (!(e instanceof StaleSocket)) throw e;
    if (r.resendOnStaleSocket === false) throw new HttpFailure('reset', 'connection reset before any answer; not resent, the device may have applied it');
    return exchange(r);
  }
}

class StaleSocket extends Error {}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function classify(e: unknown, isHttps: boolean, sent: boolean): HttpFailure {
  if (e instanceof HttpFailure) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (UNREACHABLE.has(code)) return new HttpFailure('unreachable', `device unreachable (${code})`, undefined, { cause: e, sent: false });
  if (isHttps && (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|EPROTO$)/.test(code) || /certificate|ssl|tls/i.test(msg))) {
    return new HttpFailure('tls', `TLS failure (${code || msg})`, undefined, { cause: e, sent });
  }
  if (RESET.has(code) || /socket hang up/i.test(msg)) return new HttpFailure('reset', `connection reset (${code || msg})`, undefined, { cause: e, sent });
  return new HttpFailure('protocol', `HTTP failure (${code || msg})`, undefined, { cause: e, sent });
}

type Finish = (err: Error | undefined, answer?: HttpAnswer) => void;

function exchange(r: HttpRequest): Promise<HttpAnswer> {
  const isHttps = r.url.protocol === 'https:';
  return new Promise<HttpAnswer>((resolve, reject) => {
    if (r.signal?.aborted) return reject(new HttpFailure('cancelled', 'request cancelled', undefined, { sent: false }));
    let settled = false;
    const finish: Finish = (err, answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const onAbort = () => finish(new HttpFailure('cancelled', 'request cancelled', undefined, { sent: sent() }));
    const req = (isHttps ? https : http).request(r.url, {
      method: r.method,
      agent: r.agent ?? false,
      headers: r.body !== undefined ? { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body, 'utf8')) } : r.headers,
      ...(isHttps && r.tls ? r.tls : {}),
    });
    const sent = whenSent(req, isHttps);
    const timer = setTimeout(() => finish(new HttpFailure('timeout', `no complete answer within ${r.timeoutMs} ms`, undefined, { sent: sent() })), r.timeoutMs);
    r.signal?.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    req.on('error', (e) => {
      if (!answered && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return finish(new StaleSocket());
      finish(classify(e, isHttps, sent()));
    });
    req.on('response', (res) => {
      answered = true;
      readCapped(res, r, isHttps, finish);
    });
    // A Buffer, not a string: node would otherwise write the headers in the body's encoding (UTF-8),
    // and a UTF-8 username in a Digest header (sent as its bytes, one Latin-1 char each) would be encoded twice.
    if (r.body !== undefined) req.end(Buffer.from(r.body, 'utf8'));
    else req.end();
  });
}

/**
 * Whether the request may have left: once the connection (for https, the
 * handshake) is made, node writes it at once. Before that, nothing reached the device.
 */
function whenSent(req: http.ClientRequest, isHttps: boolean): () => boolean {
  let connected = false;
  req.on('socket', (s) => {
    if (req.reusedSocket || !s.connecting) connected = true;
    else s.once(isHttps ? 'secureConnect' : 'connect', () => (connected = true));
  });
  return () => connected;
}

/** The capped body read: a declared or streamed size over the cap ends the exchange at once. */
function readCapped(res: http.IncomingMessage, r: HttpRequest, isHttps: boolean, finish: Finish): void {
  const status = res.statusCode ?? 0;
  const max = r.maxBytes ?? MAX_RESPONSE_BYTES;
  if (status >= 300 && status < 400 && !r.returnRedirects) {
    res.resume();
    return finish(new HttpFailure('redirect', `device answered ${status} redirect; not followed`, status));
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return finish(new HttpFailure('too-large', `response too large (${declared} bytes)`, status));
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) return finish(new HttpFailure('too-large', `response larger than ${max} bytes`, status));
    chunks.push(c);
  });
  res.on('error', (e) => finish(classify(e, isHttps, true)));
  res.on('aborted', () => finish(new HttpFailure('reset', 'connection closed mid-response')));
  res.on('end', () => finish(undefined, { status, headers: res.headers, rawHeaders: res.rawHeaders, bytes: Buffer.concat(chunks) }));
}

// ---------------------------------------------------------------------------
// https devices with a self-signed certificate (NVRs): the technician confirms
// the certificate once, by its SHA-256 fingerprint, and from then on that
// certificate alone is trusted — the honest alternative to turning checks off.

/** A certificate the technician confirmed. */
export interface PinnedCert {
  /** The certificate as PEM (from peekCertificate), used as its own trust anchor. */
  pem: string;
  /** Its SHA-256 fingerprint, AA:BB:… as Node prints it. */
  fingerprint256: string;
}

/** The certificate an https device presented, for the technician to confirm (all public). */
export interface PresentedCert extends PinnedCert {
  subject: string;
  validTo: string;
}

/** TLS trust for HttpRequest.tls: the pinned certificate is the only anchor, and it must be exactly the one confirmed. */
export function pinnedTls(pin: PinnedCert): NonNullable<HttpRequest['tls']> {
  return {
    ca: [pin.pem],
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      cert.fingerprint256 === pin.fingerprint256 ? undefined : new Error('the device presented a different certificate than the one you confirmed'),
  };
}

/** A 'tls' failure that is about the certificate (self-signed, unknown, not the pinned one), not a broken handshake. */
export function isCertificateFailure(e: HttpFailure): boolean {
  const cause = e.cause as NodeJS.ErrnoException | undefined;
  return e.kind === 'tls' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i.test(`${cause?.code ?? ''} ${cause?.message ?? ''}`);
}

/**
 * Reads the certificate an https device presents without sending it anything
 * (a TLS handshake only), so the technician can be asked whether to trust it.
 * Fails with HttpFailure 'unreachable' or 'timeout' (never sent).
 */
export function peekCertificate(url: URL, timeoutMs: number): Promise<PresentedCert> {
  return new Promise((resolve, reject) => {
    const servername = /^[\d.]+$/.test(url.hostname) ? undefined : url.hostname;
    const socket = tlsConnect({ host: url.hostname, port: Number(url.port || 443), servername, rejectUnauthorized: false, timeout: timeoutMs });
    const fail = (kind: 'unreachable' | 'timeout', message: string, cause?: unknown) => {
      socket.destroy();
      reject(new HttpFailure(kind, message, undefined, { cause, sent: false }));
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert || !cert.raw) return fail('unreachable', 'the device presented no certificate');
      resolve(presented(cert));
    });
    socket.once('timeout', () => fail('timeout', `no TLS answer within ${timeoutMs / 1000} s`));
    socket.once('error', (e: NodeJS.ErrnoException) => fail('unreachable', e.code ?? e.message, e));
  });
}

function presented(cert: PeerCertificate): PresentedCert {
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  const subject = Object.entries(cert.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ').slice(0, 200);
  return { pem, fingerprint256: cert.fingerprint256, subject, validTo: cert.valid_to };
}
