import type { NvrChannelStore } from '../dahua/channel-store';
import type { DahuaRpcClient } from '../dahua/client';
import { interimChannelStore } from './interim-store';

/**
 * The NVR's channel store for one signed-in client, each call one action of the
 * caller's (`act`: the credential gate's nvrAction on that session), so a
 * store call never signs in on its own. The one place that picks the firmware
 * implementation.
 */
export function channelStoreFor(client: DahuaRpcClient, act: <T>(f: () => Promise<T>) => Promise<T>): NvrChannelStore {
  const store = interimChannelStore(client);
  return {
    proveWritePath: () => act(() => store.proveWritePath()),
    readChannels: () => act(() => store.readChannels()),
    writeChannels: (edits) => act(() => store.writeChannels(edits)),
    channelStates: () => act(() => store.channelStates()),
  };
}
