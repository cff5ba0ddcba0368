import http from 'node:http';
import https from 'node:https';

/**
 * The app's one HTTP exchange with a device: an overall deadline (connect +
 * headers + body), a size cap on the answer (declared or streamed), redirects
 * never followed (so a credential never leaves for another host), https only
 * when the URL says so, and a single silent resend only when a reused
 * keep-alive socket died before any answer — never for a request that changes
 * the device. Protocol clients (ONVIF device and media; the Dahua client and
 * discovery's description fetch are to follow) map HttpFailure to their own
 * error type; HTTP Digest lives beside it in http-digest.ts.
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export type HttpFailureKind = 'unreachable' | 'timeout' | 'reset' | 'tls' | 'redirect' | 'too-large' | 'cancelled' | 'protocol';

/** Why an exchange gave no usable answer. Messages name no header value, body or credential. */
export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpFailure';
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

function classify(e: unknown, isHttps: boolean): HttpFailure {
  if (e instanceof HttpFailure) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (UNREACHABLE.has(code)) return new HttpFailure('unreachable', `device unreachable (${code})`, undefined, { cause: e });
  if (isHttps && (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|EPROTO$)/.test(code) || /certificate|ssl|tls/i.test(msg))) {
    return new HttpFailure('tls', `TLS failure (${code || msg})`, undefined, { cause: e });
  }
  if (RESET.has(code) || /socket hang up/i.test(msg)) return new HttpFailure('reset', `connection reset (${code || msg})`, undefined, { cause: e });
  return new HttpFailure('protocol', `HTTP failure (${code || msg})`, undefined, { cause: e });
}

function exchange(r: HttpRequest): Promise<HttpAnswer> {
  const isHttps = r.url.protocol === 'https:';
  return new Promise<HttpAnswer>((resolve, reject) => {
    if (r.signal?.aborted) return reject(new HttpFailure('cancelled', 'request cancelled'));
    let settled = false;
    const finish = (err: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const onAbort = () => finish(new HttpFailure('cancelled', 'request cancelled'));
    const req = (isHttps ? https : http).request(r.url, {
      method: r.method,
      agent: r.agent ?? false,
      headers: r.body !== undefined ? { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body, 'utf8')) } : r.headers,
      ...(isHttps && r.tls ? r.tls : {}),
    });
    const timer = setTimeout(() => finish(new HttpFailure('timeout', `no complete answer within ${r.timeoutMs} ms`)), r.timeoutMs);
    r.signal?.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    req.on('error', (e) => {
      if (!answered && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return finish(new StaleSocket());
      finish(classify(e, isHttps));
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

/** The capped body read: a declared or streamed size over the cap ends the exchange at once. */
function readCapped(res: http.IncomingMessage, r: HttpRequest, isHttps: boolean, finish: (err: Error | undefined, a?: HttpAnswer) => void): void {
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
  res.on('error', (e) => finish(classify(e, isHttps)));
  res.on('aborted', () => finish(new HttpFailure('reset', 'connection closed mid-response')));
  res.on('end', () => finish(undefined, { status, headers: res.headers, rawHeaders: res.rawHeaders, bytes: Buffer.concat(chunks) }));
}
