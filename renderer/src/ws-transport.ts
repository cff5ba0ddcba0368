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
  const inbox = createInbox();
  const link = createLink(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`, inbox);
  let nextId = 1;

  const invoke = async (name: CallName, input: unknown): Promise<Envelope> => {
    let ws: WebSocket;
    try {
      ws = link.socket() ?? (await link.connect());
    } catch (err) {
      return { ok: false, error: { code: 'unavailable', message: (err as Error).message } };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      inbox.await(id, resolve);
      ws.send(JSON.stringify({ kind: 'call', id, name, input }));
    });
  };

  const subscribe = (name: EventName, listener: (p: unknown) => void) => {
    void link.connect().catch(() => undefined);
    return inbox.listen(name, listener);
  };

  return createApi(invoke, subscribe);
}

/** Calls waiting for their answer and event listeners by name: where each message from the host goes. */
function createInbox() {
  const pending = new Map<number, (e: Envelope) => void>();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  return {
    await: (id: number, done: (e: Envelope) => void) => void pending.set(id, done),
    listen(name: EventName, listener: (p: unknown) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    /** One message: a call's answer or an event; one that is not JSON is dropped. */
    deliver(raw: unknown): void {
      let data: ServerMessage;
      try {
        data = JSON.parse(String(raw)) as ServerMessage;
      } catch {
        return;
      }
      if (data.kind === 'result') {
        pending.get(data.id)?.(data.envelope);
        pending.delete(data.id);
      } else if (data.kind === 'event') {
        for (const l of listeners.get(data.name) ?? []) l(data.payload);
      }
    },
    /** The connection closed: every call still waiting gets its answer now, as unavailable. */
    failAll(): void {
      for (const [id, done] of pending) {
        pending.delete(id);
        done({ ok: false, error: { code: 'unavailable', message: 'The connection to the app host closed.' } });
      }
    },
  };
}
type Inbox = ReturnType<typeof createInbox>;

/** One WebSocket to the host at a time: opened on first use, and again after a host that was there went away. */
function createLink(url: string, inbox: Inbox) {
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let everOpen = false;
  const retry = createRetry(() => connect());
  const connect = (): Promise<WebSocket> => {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        if (everOpen) setConnection('back');
        everOpen = true;
        retry.reset();
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('Cannot reach the NVR Support Console host. Is it still running?'));
      ws.onclose = () => {
        opened = undefined;
        socket = undefined;
        inbox.failAll();
        if (everOpen) retry.schedule();
      };
      ws.onmessage = (msg) => inbox.deliver(msg.data);
    });
    return opened;
  };
  return { socket: () => socket, connect };
}

/** The app was closed or restarted: keep trying, and say so, until it is back (same port and token after a restart). */
function createRetry(connect: () => Promise<unknown>) {
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    if (timer) return;
    setConnection('lost');
    timer = setTimeout(() => {
      timer = undefined;
      void connect().catch(() => schedule());
    }, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
  };
  return { schedule, reset: () => void (retries = 0) };
}
