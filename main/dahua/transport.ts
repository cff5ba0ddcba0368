import { httpRequest, pinnedTls, textOf, type PinnedCert } from '../core/http';

/**
 * Dahua's side of the app's one HTTP layer (main/core/http.ts): one JSON POST
 * to the device, and nothing more. The core caps the answer, keeps one
 * deadline, never follows a redirect (the answer comes back for the client to
 * name) and, over https, trusts only the certificate the technician confirmed.
 * Each POST has a connection of its own and is never resent: any RPC may change
 * the device, and a kept-alive socket that dies would leave its fate unknown.
 */

/** The members of a Dahua JSON-RPC answer, each unchecked (hostile until read). */
export interface RpcBody {
  result?: unknown;
  params?: unknown;
  error?: unknown;
  session?: unknown;
  id?: unknown;
}

export interface PostResult {
  status: number;
  location?: string;
  body: string;
}

export interface PostOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  pinned?: PinnedCert;
}

/** One JSON POST; an HttpFailure (its `sent` says whether the request may have reached the device) when no answer came. */
export async function postJson(url: URL, json: string, o: PostOptions): Promise<PostResult> {
  const a = await httpRequest({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: json,
    timeoutMs: o.timeoutMs,
    maxBytes: o.maxBodyBytes,
    resendOnStaleSocket: false,
    returnRedirects: true,
    ...(o.pinned ? { tls: pinnedTls(o.pinned) } : {}),
  });
  const location = a.headers.location;
  return { status: a.status, ...(typeof location === 'string' ? { location } : {}), body: textOf(a) };
}

/** "larger than 256 KB", for a too-large failure's message in the device's terms. */
export const sizeLimit = (bytes: number): string => `the answer is larger than ${Math.round(bytes / 1024)} KB`;
