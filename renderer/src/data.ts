import { QueryClient, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ScanState } from '../../common/contract/devices';
import type { SyncRunState } from '../../common/contract/sync';
import type { NvrSignInInput, NvrSnapshot, NvrStatus } from '../../common/contract/nvr';
import type { InitRunState } from '../../common/contract/init';
import type { Capabilities } from '../features/init/model';
import { nvr } from './api';
import { onConnection } from './connection';
import { createDataCore, keys, sessionAfterRead, type Devices } from './data-core';

export { keys };

/**
 * The renderer's one data layer: server state lives in TanStack Query's cache,
 * fetched once, and main's contract events are applied to that cache here —
 * instead of each screen subscribing, listing and merging on its own. Screens
 * read it with the hooks below and survive tab switches without refetching.
 */
export const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: Infinity, gcTime: Infinity, refetchOnWindowFocus: false, retry: false } },
});

let core: ReturnType<typeof createDataCore> | undefined;
/** Applies main's events to the cache; called once at start-up. */
export function wireEvents(qc: QueryClient = queryClient): void {
  core ??= createDataCore(qc, nvr);
  // Back after the app restarted: events were missed meanwhile, so read everything again.
  onConnection((c) => {
    if (c === 'back') void qc.invalidateQueries();
  });
}
const data = () => (core ??= createDataCore(queryClient, nvr));

export function useDevices() {
  return useQuery({
    queryKey: keys.devices,
    queryFn: () => data().fetchDevices(),
  });
}

export function useDiagnostics() {
  return useQuery({ queryKey: keys.diagnostics, queryFn: () => nvr.devices.diagnostics() });
}

export function useScanState(): ScanState {
  return useQuery({ queryKey: keys.scan, queryFn: (): ScanState => ({ state: 'idle' }) }).data ?? { state: 'idle' };
}

export function useCases() {
  return useQuery({
    queryKey: keys.cases,
    queryFn: () => data().fetchCases(),
  });
}

export function useSyncRun() {
  return useQuery({ queryKey: keys.syncRun, queryFn: () => nvr.sync.status({}) });
}

/** Puts a run the renderer just started (or asked for) in the cache; its events follow. */
export function showRun(run: SyncRunState | null): void {
  queryClient.setQueryData(keys.syncRun, run);
}

/** The close-the-loop board (site.progress events keep it live). */
export function useSiteLoop() {
  return useQuery({ queryKey: keys.siteLoop, queryFn: () => nvr.site.status() });
}

const snapshotKey = (runId: string | undefined, channel: number) => ['site', 'snapshot', runId ?? '', channel] as const;

/** A board tile's picture from its camera, or why there is none (main keeps it a few seconds). */
export function useSiteSnapshot(runId: string | undefined, channel: number) {
  return useQuery({ queryKey: snapshotKey(runId, channel), queryFn: () => nvr.site.snapshot({ channel }), gcTime: 60_000 });
}

/** "Refresh picture": a new one from the camera, into the same cache entry. */
export function refreshSiteSnapshot(runId: string | undefined, channel: number) {
  return queryClient.fetchQuery({ queryKey: snapshotKey(runId, channel), queryFn: () => nvr.site.snapshot({ channel, refresh: true }), staleTime: 0 });
}

export function useAppInfo() {
  return useQuery({ queryKey: keys.info, queryFn: () => nvr.app.info() });
}

/** Milliseconds main's app clock is ahead of this machine's clock (tests move it; app.clock says when). */
export function useClockOffset(): number {
  return useAppInfo().data?.clockOffsetMs ?? 0;
}

/** Whether a session with the NVR is open (nvr.channels events mark it; signing out clears it). */
export function useNvrSession() {
  return useQuery({ queryKey: keys.nvrSession, queryFn: () => nvr.nvr.status({}) });
}

/**
 * The NVR's last channel read, or null before any (kept live by nvr.channels
 * events; read again when a close-the-loop run ends).
 */
export function useNvrChannels() {
  return useQuery({
    queryKey: keys.nvrChannels,
    queryFn: async () => ((await nvr.nvr.status({})).signedIn ? nvr.nvr.channels() : null),
  });
}

/** A read (or none, signed out) into the cache at once: the nvr.channels event follows, but the screen need not wait for it. */
function showNvrChannels(snap: NvrSnapshot | null): void {
  queryClient.setQueryData(keys.nvrChannels, snap);
  queryClient.setQueryData<NvrStatus>(keys.nvrSession, (s) => sessionAfterRead(s, snap));
}

/**
 * The app's count of refused sign-ins on the NVR at this address (the budget
 * every feature shares), read for each address typed and again after each try;
 * undefined while there is no address or no answer.
 */
export function useNvrBudget(url: string): NvrStatus | undefined {
  return useQuery({ queryKey: [...keys.nvrBudget, url], queryFn: () => nvr.nvr.status({ url }), enabled: url !== '', staleTime: 0 }).data;
}

/** One sign-in try, never repeated on its own: its channels shown at once; the budget read again whatever the answer. */
export async function signInToNvr(input: NvrSignInInput): Promise<void> {
  try {
    showNvrChannels(await nvr.nvr.signIn(input));
  } finally {
    void queryClient.invalidateQueries({ queryKey: keys.nvrBudget });
  }
}

/** "Refresh": the channels read again on the open session. */
export async function refreshNvrChannels(): Promise<void> {
  showNvrChannels(await nvr.nvr.channels());
}

/** Ends the session; the NVR tab shows its sign-in form again. */
export async function signOutOfNvr(): Promise<void> {
  await nvr.nvr.signOut();
  showNvrChannels(null);
}

/** The latest init run of this session, or null before any (init.progress / init.finished keep it live). */
export function useInitRun() {
  return useQuery({ queryKey: keys.initRun, queryFn: () => nvr.init.status({}) });
}

/** Puts a run the renderer just started in the cache; its events follow. */
export function showInitRun(run: InitRunState | null): void {
  queryClient.setQueryData(keys.initRun, run);
}

const NO_CAPABILITIES: Capabilities = new Map();

/**
 * Reset capability of the inventory's Dahua-family rows, asked for as they
 * appear (and again when a row's init state changes): no sign-in is spent.
 */
export function useResetCapabilities(rows: Devices): Capabilities {
  const known = useQuery({ queryKey: keys.capabilities, queryFn: (): Capabilities => new Map() }).data;
  useEffect(() => {
    if (known) void data().fetchCapabilities(rows.values());
  }, [rows, known]);
  return known ?? NO_CAPABILITIES;
}
