import { useSyncExternalStore } from 'react';
import { focusHome } from './focus';

export type View = 'devices' | 'reset' | 'sync' | 'nvr';
export interface NavState {
  view: View;
  params: Record<string, string>;
}

let state: NavState = { view: 'devices', params: {} };
const listeners = new Set<() => void>();

/** Shows a screen (the tabs: focus stays on the tab, as WAI-ARIA tabs want). */
export function select(view: View, params: Record<string, string> = {}): void {
  state = { view, params };
  for (const l of listeners) l();
}

/**
 * A hand-over from one screen to another (a case's "sign in on the NVR tab"):
 * shows it and moves focus to its focus home once it is drawn, so keyboard
 * users land where the work continues, not on the page body.
 */
export function go(view: View, params: Record<string, string> = {}): void {
  select(view, params);
  requestAnimationFrame(() => setTimeout(() => focusHome(), 0));
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
