import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';

/**
 * One JSON POST to the NVR, and nothing more: no redirect is followed, the
 * answer is size-limited, and over https only the certificate the technician
 * confirmed (by SHA-256 fingerprint) is accepted. NVRs serve self-signed
 * certificates, so the usual CA check cannot vouch for them; pinning the one
 * the technician saw is the honest alternative to turning checks off.
 */

export interface PinnedCert {
  /** The certificate as PEM (from `peekCertificate`), used as its own trust anchor. */
  pem: string;
  /** Its SHA-256 fingerprint, AA:BB:… as Node prints it. */
  fingerprint256: string;
}

export interface PostResult {
  status: number;
  location?: string;
  contentLength?: number;
  body: string;
}

export class TransportError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'too-large' | 'untrusted-cert',
    message: string,
    readonly cert?: { fingerprint256: string; subject: string; validTo: string },
  ) {
    super(message);
  }
}

export interface PostOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  pinned?: PinnedCert;
}

export function postJson(url: URL, json: string, o: PostOptions): Promise<PostResult> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(json) };
    const onResponse = (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
        res.destroy();
        return reject(new TransportError('too-large', `the answer is larger than ${Math.round(o.maxBodyBytes / 1024)} KB`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBodyBytes) {
          res.destroy();
          reject(new TransportError('too-large', `the answer is larger than ${Math.round(o.maxBodyBytes / 1024)} KB`));
        } else chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (e) => reject(new TransportError('unreachable', e.message)));
    };
    const common = { method: 'POST', headers, agent: false as const, timeout: o.timeoutMs };
    const req = https
      ? httpsRequest(url, {
          ...common,
          // No pin: the normal CA check (a self-signed NVR fails it and the technician is asked).
          // A pin: that certificate alone is the trust anchor, and it must be exactly the one confirmed.
          ...(o.pinned
            ? {
                ca: [o.pinned.pem],
                checkServerIdentity: (_host: string, cert: PeerCertificate) =>
                  cert.fingerprint256 === o.pinned!.fingerprint256 ? undefined : new Error('the NVR presented a different certificate than the one you confirmed'),
              }
            : {}),
        }, onResponse)
      : httpRequest(url, common, onResponse);
    const timer = setTimeout(() => {
      req.destroy(new TransportError('timeout', `no answer within ${o.timeoutMs / 1000} s`));
    }, o.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new TransportError('timeout', `no answer within ${o.timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TransportError) return reject(e);
      if (https && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i.test(`${e.code ?? ''} ${e.message}`)) {
        return reject(new TransportError('untrusted-cert', e.message));
      }
      reject(new TransportError('unreachable', e.code ?? e.message));
    });
    req.end(json);
  });
}

/**
 * Reads the certificate an https NVR presents, without sending it anything
 * (a TLS handshake only), so the technician can be asked whether to trust it.
 */
export function peekCertificate(url: URL, timeoutMs: number): Promise<PinnedCert & { subject: string; validTo: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: url.hostname, port: Number(url.port || 443), servername: /^[\d.]+$/.test(url.hostname) ? undefined : url.hostname, rejectUnauthorized: false, timeout: timeoutMs });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert || !cert.raw) return reject(new TransportError('unreachable', 'the NVR presented no certificate'));
      const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
      resolve({ pem, fingerprint256: cert.fingerprint256, subject: Object.entries(cert.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ').slice(0, 200), validTo: cert.valid_to });
    });
    socket.once('timeout', () => (socket.destroy(), reject(new TransportError('timeout', `no TLS answer within ${timeoutMs / 1000} s`))));
    socket.once('error', (e: NodeJS.ErrnoException) => reject(new TransportError('unreachable', e.code ?? e.message)));
  });
}
