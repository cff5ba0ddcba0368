import http from 'node:http';
import https from 'node:https';
import { OnvifClient } from '../onvif/client';
import type { ClientFactory } from './port';

export interface OnvifFactory {
  factory: ClientFactory;
  /** Closes the pooled sockets (end of a run). */
  dispose(): void;
}

/**
 * The real clients for a run. One keep-alive pool for the whole run: each
 * device keeps its connection for its 6–8 calls instead of a TCP handshake per
 * call, and the pool bounds the sockets to what the concurrency needs.
 */
export function onvifClientFactory(concurrency: number): OnvifFactory {
  const opts = { keepAlive: true, maxSockets: 2, maxTotalSockets: Math.max(8, concurrency * 2), maxFreeSockets: 1 };
  const httpAgent = new http.Agent(opts);
  // TLS devices usually carry self-signed certificates; the client reports a 'tls' error instead of trusting them.
  const httpsAgent = new https.Agent(opts);
  return {
    factory: (o) =>
      new OnvifClient({
        xaddr: o.xaddr,
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        clockOffsetMs: o.clockOffsetMs,
        allowBasic: o.allowBasic ?? false,
        allowPasswordText: o.allowPasswordText ?? false,
        onAuthFailure: o.onAuthFailure,
        agent: o.xaddr.startsWith('https:') ? httpsAgent : httpAgent,
      }),
    dispose() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
