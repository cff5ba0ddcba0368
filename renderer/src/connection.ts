import { useSyncExternalStore } from 'react';

/**
 * Whether the page reaches main. Under Electron it always does; under the browser
 * host the socket can drop (the app was closed or restarted) and comes back by itself.
 */
export type Connection = 'open' | 'lost' | 'back';

let state: Connection = 'open';
const listeners = new Set<(c: Connection) => void>();

export function setConnection(next: Connection): void {
  if (next === state) return;
  state = next;
  for (const l of listeners) l(next);
}

export function onConnection(listener: (c: Connection) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useConnection(): Connection {
  return useSyncExternalStore(
    (l) => onConnection(l),
    () => state,
  );
}
