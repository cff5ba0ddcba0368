import { inNetwork, isIpv4 } from '../../common/discovery/net';
import { MAX_DESCRIPTION_BYTES } from '../../common/discovery/ssdp';
import { HttpFailure, httpRequest, textOf } from '../core/http';
import type { AdapterNet } from './types';

export interface FetchLimits {
  /** The device that answered: the document must come from it and only it. */
  responder: string;
  adapter: AdapterNet;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export type FetchResult =
  | { ok: true; body: string; url: string }
  | { ok: false; reason: 'host-mismatch' | 'off-network' | 'redirect-off-host' | 'oversized' | 'timeout' | 'fetch-failed'; detail: string };

/**
 * GETs a device description with every guard a hostile LAN needs: only from
 * the responder itself, redirects only on that host, a byte cap, and one
 * deadline for the whole exchange so a trickling body cannot stall the scan.
 * Each hop is one exchange of the app's HTTP layer (main/core/http.ts), which
 * caps the body and hands a redirect back instead of following it.
 */
export async function fetchDescription(url: string, limits: FetchLimits): Promise<FetchResult> {
  const deadline = Date.now() + (limits.timeoutMs ?? 3000);
  const maxBytes = limits.maxBytes ?? MAX_DESCRIPTION_BYTES;
  let current = url;
  for (let hop = 0; hop <= (limits.maxRedirects ?? 2); hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      return { ok: false, reason: 'fetch-failed', detail: `not a URL: ${current.slice(0, 100)}` };
    }
    if (u.protocol !== 'http:') return { ok: false, reason: 'fetch-failed', detail: `unsupported scheme ${u.protocol}` };
    if (!isIpv4(u.hostname) || u.hostname !== limits.responder) {
      return hop === 0
        ? { ok: false, reason: 'host-mismatch', detail: `LOCATION host ${u.hostname.slice(0, 60)} is not the responder ${limits.responder}` }
        : { ok: false, reason: 'redirect-off-host', detail: `redirect to ${u.host.slice(0, 60)} refused` };
    }
    if (!inNetwork(u.hostname, limits.adapter)) return { ok: false, reason: 'off-network', detail: `${u.hostname} is outside the adapter's network` };
    const res = await getOnce(u, deadline, maxBytes);
    if (res.kind === 'redirect') {
      try {
        current = new URL(res.location, u).toString();
      } catch {
        return { ok: false, reason: 'fetch-failed', detail: 'bad redirect Location' };
      }
      continue;
    }
    if (res.kind === 'error') return { ok: false, reason: res.reason, detail: res.detail };
    return { ok: true, body: res.body, url: current };
  }
  return { ok: false, reason: 'fetch-failed', detail: 'too many redirects' };
}

type Once =
  | { kind: 'body'; body: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; reason: 'oversized' | 'timeout' | 'fetch-failed'; detail: string };

async function getOnce(u: URL, deadline: number, maxBytes: number): Promise<Once> {
  try {
    const a = await httpRequest({ method: 'GET', url: u, headers: { accept: 'text/xml, application/xml' }, timeoutMs: Math.max(1, deadline - Date.now()), maxBytes, returnRedirects: true });
    const location = a.headers.location;
    if (a.status >= 300 && a.status < 400 && location) return { kind: 'redirect', location };
    if (a.status !== 200) return { kind: 'error', reason: 'fetch-failed', detail: `HTTP ${a.status}` };
    return { kind: 'body', body: textOf(a) };
  } catch (e) {
    if (!(e instanceof HttpFailure)) throw e;
    const reason = e.kind === 'too-large' ? 'oversized' : e.kind === 'timeout' ? 'timeout' : 'fetch-failed';
    return { kind: 'error', reason, detail: reason === 'timeout' ? 'description not received in time' : e.message };
  }
}
