import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway self-signed certificate, made per test run, so no private key lives in the repository. */
export function selfSignedCert(name = 'nvr'): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'nvr-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-days', '2', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TlsNvr {
  url: string;
  /** Requests that got past the TLS handshake. */
  requests(): number;
  /** Serves another certificate from now on (another device took the address). */
  setCert(cert: { key: Buffer; cert: Buffer }): void;
  stop(): Promise<void>;
}

/**
 * An https NVR on a loopback address with a self-signed certificate (as NVRs
 * serve). It either answers every request with `answer`, or forwards it to a
 * simulated NVR's http address (`forwardTo`), so a whole flow can run over TLS.
 */
export async function startTlsNvr(o: { address: string; answer?: unknown; forwardTo?: string; cert?: { key: Buffer; cert: Buffer } }): Promise<TlsNvr> {
  if (!o.address.startsWith('127.')) throw new Error('test servers bind to loopback only');
  let requests = 0;
  const server: Server = createHttpsServer(o.cert ?? selfSignedCert(), (req, res) => {
    requests++;
    if (!o.forwardTo) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify(o.answer ?? {}));
    }
    const target = new URL(req.url ?? '/', o.forwardTo);
    const up = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, o.address, r));
  return {
    url: `https://${o.address}:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    setCert: (cert) => server.setSecureContext(cert),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
