import type { NvrChannelStore } from '../dahua/channel-store';
import type { DahuaRpcClient } from '../dahua/client';
import { dahuaChannelStore } from '../dahua/nvr-channels';

/**
 * The NVR's channel store for one signed-in client, each call one action of the
 * caller's (`act`: the credential gate's nvrAction on that session), so a
 * store call never signs in on its own. Which firmware path (the sealed
 * LogicDeviceManager list, or the older RemoteDevice table) is main/dahua's
 * business.
 */
export function channelStoreFor(client: DahuaRpcClient, act: <T>(f: () => Promise<T>) => Promise<T>): NvrChannelStore {
  const store = dahuaChannelStore(client);
  return {
    proveWritePath: () => act(() => store.proveWritePath()),
    readChannels: () => act(() => store.readChannels()),
    writeChannels: (edits) => act(() => store.writeChannels(edits)),
    channelStates: () => act(() => store.channelStates()),
  };
}
