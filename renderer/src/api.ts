import type { NvrApi } from '../../common/contract/client';
import { connectWebSocket } from './ws-transport';

declare global {
  interface Window {
    /** Set by the Electron preload; absent under the browser host. */
    nvr?: NvrApi;
  }
}

/** The renderer's only way to main: the contract's verbs, whichever host runs us. */
export const nvr: NvrApi = window.nvr ?? connectWebSocket();
// Same shape in both hosts: under the browser host the page gets window.nvr too
// (the e2e fixture calls the contract through it, as it would under Electron).
window.nvr ??= nvr;
