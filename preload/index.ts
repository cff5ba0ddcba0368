import { contextBridge, ipcRenderer } from 'electron';
import { CALL_CHANNEL, EVENT_CHANNEL, isAppPage } from '../common/app-origin';
import { createApi } from '../common/contract/client';
import { isEventName, type Envelope, type EventName } from '../common/contract';

/**
 * Exposes exactly the contract's verbs on window.nvr — never ipcRenderer, never
 * the Electron event object — and only in the app's own top frame.
 */
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return;
  for (const l of listeners.get(name) ?? []) l(payload);
});

const api = createApi(
  (name, input) => ipcRenderer.invoke(CALL_CHANNEL, name, input) as Promise<Envelope>,
  (name, listener) => {
    if (!isEventName(name)) throw new Error(`Unknown event ${String(name)}`);
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
);

if (window.top === window && isAppPage(location.href)) contextBridge.exposeInMainWorld('nvr', api);
