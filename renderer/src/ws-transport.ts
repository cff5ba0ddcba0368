import { createApi, type NvrApi } from '../../common/contract/client';
import type { CallName, Envelope, EventName } from '../../common/contract';
import { setConnection } from './connection';

/** Wire format of the browser host (mirrors main/browser-host/protocol.ts). */
type ServerMessage =
  | { kind: 'result'; id: number; envelope: Envelope }
  | { kind: 'event'; name: EventName; payload: unknown };

const TOKEN_KEY = 'nvr.hostToken';
/** Reconnect tries after the host went away: soon at first, then every few seconds, for as long as the tab is open. */
const RETRY_MS = [500, 1000, 2000, 4000];

/**
 * The browser host hands the page a per-launch token in the URL fragment (never
 * sent to a server log). Kept in sessionStorage so a reload of the same tab
 * still connects; it is worthless after the host exits.
 */
function takeToken(): string {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** `window.nvr` for the browser host: the same contract, carried over a WebSocket. */
export function connectWebSocket(): NvrApi {
  const token = takeToken();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, (e: Envelope) => void>();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let everOpen = false;
  let retries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  // The app was closed or restarted: keep trying, and say so, until it is back (same port and token after a restart).
  const scheduleReconnect = () => {
    if (!everOpen || retryTimer) return;
    setConnection('lost');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect().catch(() => scheduleReconnect());
    }, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
  };

  const connect = (): Promise<WebSocket> => {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        if (everOpen) setConnection('back');
        everOpen = true;
        retries = 0;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('Cannot reach the NVR Support Console host. Is it still running?'));
      ws.onclose = () => {
        opened = undefined;
        socket = undefined;
        for (const [id, done] of pending) {
          pending.delete(id);
          done({ ok: false, error: { code: 'unavailable', message: 'The connection to the app host closed.' } });
        }
        scheduleReconnect();
      };
      ws.onmessage = (msg) => {
        let data: ServerMessage;
        try {
          data = JSON.parse(String(msg.data)) as ServerMessage;
        } catch {
          return;
        }
        if (data.kind === 'result') {
          pending.get(data.id)?.(data.envelope);
          pending.delete(data.id);
        } else if (data.kind === 'event') {
          for (const l of listeners.get(data.name) ?? []) l(data.payload);
        }
      };
    });
    return opened;
  };

  const invoke = async (name: CallName, input: unknown): Promise<Envelope> => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await connect());
    } catch (err) {
      return { ok: false, error: { code: 'unavailable', message: (err as Error).message } };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ kind: 'call', id, name, input }));
    });
  };

  const subscribe = (name: EventName, listener: (p: unknown) => void) => {
    void connect().catch(() => undefined);
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  };

  return createApi(invoke, subscribe);
}
