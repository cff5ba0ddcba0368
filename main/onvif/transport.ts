import http from 'node:http';
import https from 'node:https';
import { OnvifError } from './errors';

/**
 * One hardened HTTP exchange: overall deadline (connect + headers + body), response size cap,
 * no redirects, https only when the xaddr says so. Credentials never leave for another host
 * because nothing here ever follows a Location.
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface PostOptions extends GetOptions {
  body: string;
  /**
   * Default true. False for requests that change the device (SetUser, CreateUsers):
   * a keep-alive socket that dies may have carried the request already, and the
   * device may have applied it, so it is never sent twice behind the caller's back.
   */
  retryStaleSocket?: boolean;
}

export interface GetOptions {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  agent: http.Agent;
  signal?: AbortSignal;
  maxBytes?: number;
}

/** An answer as bytes (a snapshot), not text. */
export interface BytesResult extends Omit<HttpResult, 'body'> {
  bytes: Buffer;
}

/**
 * The agent to send to `url` with: `given` when it speaks the URL's protocol
 * (an http.Agent handed to an https request throws), else a new keep-alive one that does.
 */
export function agentFor(url: URL, given?: http.Agent, maxSockets = 4): http.Agent {
  const isHttps = url.protocol === 'https:';
  if (given && (isHttps ? given instanceof https.Agent : !(given instanceof https.Agent))) return given;
  return isHttps ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function classify(e: unknown, isHttps: boolean): OnvifError {
  if (e instanceof OnvifError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (UNREACHABLE.has(code)) return new OnvifError('unreachable', `device unreachable (${code})`, { cause: e });
  if (isHttps && (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|EPROTO$)/.test(code) || /certificate|ssl|tls/i.test(msg))) {
    return new OnvifError('tls', `TLS failure (${code || msg})`, { cause: e });
  }
  if (RESET.has(code) || /socket hang up/i.test(msg)) return new OnvifError('reset', `connection reset (${code || msg})`, { cause: e });
  return new OnvifError('protocol', `HTTP failure (${code || msg})`, { cause: e });
}

/** Sends one POST. Retries once, silently, only when a reused keep-alive socket died before any answer. */
export async function post(o: PostOptions): Promise<HttpResult> {
  const text = ({ bytes, ...r }: BytesResult): HttpResult => ({ ...r, body: bytes.toString('utf8') });
  try {
    return text(await exchange('POST', o));
  } catch (e) {
    if (!(e instanceof RetryableStaleSocket)) throw e;
    if (o.retryStaleSocket === false) throw new OnvifError('reset', 'connection reset before any answer; not resent, the device may have applied it');
    return text(await exchange('POST', o));
  }
}

/** Sends one GET (reads only, so a dead keep-alive socket is retried once) and keeps the answer as bytes. */
export async function get(o: GetOptions): Promise<BytesResult> {
  try {
    return await exchange('GET', o);
  } catch (e) {
    if (!(e instanceof RetryableStaleSocket)) throw e;
    return exchange('GET', o);
  }
}

class RetryableStaleSocket extends Error {}

function exchange(method: 'GET' | 'POST', o: GetOptions & { body?: string }): Promise<BytesResult> {
  const isHttps = o.url.protocol === 'https:';
  const lib = isHttps ? https : http;
  const max = o.maxBytes ?? MAX_RESPONSE_BYTES;
  return new Promise<BytesResult>((resolve, reject) => {
    let settled = false;
    let gotResponse = false;
    const finish = (err: Error | undefined, res?: BytesResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const onAbort = () => finish(new OnvifError('cancelled', 'request cancelled'));
    if (o.signal?.aborted) return reject(new OnvifError('cancelled', 'request cancelled'));

    const req = lib.request(o.url, {
      method,
      agent: o.agent,
      headers: o.body !== undefined ? { ...o.headers, 'Content-Length': String(Buffer.byteLength(o.body, 'utf8')) } : o.headers,
    });
    const timer = setTimeout(() => finish(new OnvifError('timeout', `no complete answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (e) => {
      if (!gotResponse && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET') {
        return finish(new RetryableStaleSocket());
      }
      finish(classify(e, isHttps));
    });
    req.on('response', (res) => {
      gotResponse = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        return finish(new OnvifError('redirect', `device answered ${status} redirect; not followed`, { status }));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > max) {
        return finish(new OnvifError('protocol', `response too large (${declared} bytes)`, { status }));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) return finish(new OnvifError('protocol', `response larger than ${max} bytes`, { status }));
        chunks.push(c);
      });
      res.on('error', (e) => finish(classify(e, isHttps)));
      res.on('aborted', () => finish(new OnvifError('reset', 'connection closed mid-response')));
      res.on('end', () =>
        finish(undefined, { status, headers: res.headers, rawHeaders: res.rawHeaders, bytes: Buffer.concat(chunks) }),
      );
    });
    // A Buffer, not a string: node would otherwise write the headers in the body's encoding (UTF-8),
    // and a UTF-8 username in a Digest header (sent as its bytes, one Latin-1 char each) would be encoded twice.
    if (o.body !== undefined) req.end(Buffer.from(o.body, 'utf8'));
    else req.end();
  });
}

/** Loose content-type check: SOAP 1.2, SOAP 1.1 (text/xml) or generic XML all pass. */
export function isXmlContentType(ct: string | undefined): boolean {
  if (ct === undefined || ct === '') return true; // some firmwares omit it; the parser decides
  return /(^|\/|\+)(soap\+xml|xml)\b/i.test(ct.split(';')[0]!.trim());
}
