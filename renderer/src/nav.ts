import { useSyncExternalStore } from 'react';

export type View = 'devices' | 'reset' | 'sync' | 'nvr';
export interface NavState {
  view: View;
  params: Record<string, string>;
}

let state: NavState = { view: 'devices', params: {} };
const listeners = new Set<() => void>();

/** Switch screens, e.g. the reset wizard handing over to camera sync: go('sync', { caseId }). */
export function go(view: View, params: Record<string, string> = {}): void {
  state = { view, params };
  for (const l of listeners) l();
}

export function useNav(): NavState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}
