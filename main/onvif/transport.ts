import type http from 'node:http';
import { HttpFailure, httpRequest, textOf, type HttpAnswer } from '../core/http';
import { OnvifError } from './errors';

/**
 * ONVIF's side of the app's one HTTP layer (main/core/http.ts): the same
 * exchange, its failures named as OnvifError kinds so every ONVIF caller
 * judges them by one taxonomy (main/onvif/errors.ts).
 */

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

interface Common {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  agent: http.Agent;
  signal?: AbortSignal;
  maxBytes?: number;
}

/** One SOAP POST. `changes`: the request changes the device, so a dead keep-alive socket is never resent under it. */
export async function post(o: Common & { body: string; changes?: boolean }): Promise<HttpResult> {
  const a = await onvifExchange({ ...o, method: 'POST', resendOnStaleSocket: !o.changes });
  return { status: a.status, headers: a.headers, rawHeaders: a.rawHeaders, body: textOf(a) };
}

/** One GET (a snapshot: reads only), the answer kept as bytes. */
export function get(o: Common): Promise<HttpAnswer> {
  return onvifExchange({ ...o, method: 'GET' });
}

async function onvifExchange(o: Parameters<typeof httpRequest>[0]): Promise<HttpAnswer> {
  try {
    return await httpRequest(o);
  } catch (e) {
    if (!(e instanceof HttpFailure)) throw e;
    const kind = e.kind === 'too-large' ? 'protocol' : e.kind;
    throw new OnvifError(kind, e.message, { ...(e.status !== undefined ? { status: e.status } : {}), cause: e });
  }
}
