import { OnvifClient } from '../onvif/client';
import type { ClientFactory } from './port';

export interface OnvifFactory {
  factory: ClientFactory;
  /** Nothing pooled across devices today; kept so callers need not change if that moves. */
  dispose(): void;
}

/**
 * The real clients for a run. Each device gets its own client and so its own
 * keep-alive agent: its 6–8 calls share one connection, and the pipeline closes
 * it when the device is done. A shared pool with a total cap stalled runs
 * (idle sockets of finished devices held the cap until the camera dropped them).
 */
export function onvifClientFactory(_concurrency: number): OnvifFactory {
  return {
    factory: (o) =>
      new OnvifClient({
        xaddr: o.xaddr,
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        allowBasic: o.allowBasic ?? false,
        allowPasswordText: o.allowPasswordText ?? false,
        onAuthFailure: o.onAuthFailure,
      }),
    dispose() {},
  };
}
