import { QueryClient, useQuery } from '@tanstack/react-query';
import type { CaseList } from '../../common/contract/reset';
import type { ScanState, Diagnostic } from '../../common/contract/devices';
import type { SyncRunState } from '../../common/contract/sync';
import type { InventoryDevice } from '../../common/domain/device';
import type { ResetCase } from '../../common/reset/case';
import type { z } from 'zod';
import { applyChange } from '../features/devices/model';
import { nvr } from './api';

/**
 * The renderer's one data layer: server state lives in TanStack Query's cache,
 * fetched once, and main's contract events are applied to that cache here —
 * instead of each screen subscribing, listing and merging on its own. Screens
 * read it with the hooks below and survive tab switches without refetching.
 */
export const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: Infinity, gcTime: Infinity, refetchOnWindowFocus: false, retry: false } },
});

export const keys = {
  devices: ['devices'] as const,
  diagnostics: ['devices', 'diagnostics'] as const,
  scan: ['devices', 'scan'] as const,
  cases: ['cases'] as const,
  syncRun: ['sync', 'run'] as const,
  info: ['app', 'info'] as const,
};

const MAX_DIAGNOSTICS = 500;
type Cases = z.infer<typeof CaseList>;
type Devices = Map<string, InventoryDevice>;

// Events that arrive while a list is still loading must not be lost: they wait here and are folded in after it.
const early = { devices: [] as { devices: InventoryDevice[]; removed?: string[] }[], cases: [] as ResetCase[] };

const mergeCase = (cases: ResetCase[], c: ResetCase): ResetCase[] => {
  const old = cases.find((x) => x.id === c.id);
  return old && old.updatedAt > c.updatedAt ? cases : [c, ...cases.filter((x) => x.id !== c.id)];
};

let wired = false;
/** Applies main's events to the cache; called once at start-up. */
export function wireEvents(qc: QueryClient = queryClient): void {
  if (wired) return;
  wired = true;
  nvr.on('devices.changed', (change) => {
    if (qc.getQueryData(keys.devices) === undefined) early.devices.push(change);
    else qc.setQueryData<Devices>(keys.devices, (rows) => applyChange(rows ?? new Map(), change.devices, change.removed));
  });
  nvr.on('devices.diagnostic', (d) => qc.setQueryData<Diagnostic[]>(keys.diagnostics, (xs) => [...(xs ?? []), d].slice(-MAX_DIAGNOSTICS)));
  nvr.on('devices.scanState', (s) => qc.setQueryData<ScanState>(keys.scan, s));
  nvr.on('cases.changed', ({ case: c }) => {
    if (qc.getQueryData(keys.cases) === undefined) early.cases.push(c);
    else qc.setQueryData<Cases>(keys.cases, (l) => (l ? { ...l, cases: mergeCase(l.cases, c) } : l));
  });
  nvr.on('sync.progress', ({ runId, rows }) =>
    qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => {
      if (!prev || prev.runId !== runId) return prev;
      const byKey = new Map(rows.map((r) => [r.key, r]));
      return { ...prev, rows: prev.rows.map((r) => byKey.get(r.key) ?? r) };
    }),
  );
  nvr.on('sync.finished', (state) => qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => (!prev || prev.runId === state.runId ? state : prev)));
  nvr.on('app.clock', ({ clockOffsetMs }) => qc.setQueryData(keys.info, (i: Awaited<ReturnType<typeof nvr.app.info>> | undefined) => (i ? { ...i, clockOffsetMs } : i)));
}

export function useDevices() {
  return useQuery({
    queryKey: keys.devices,
    queryFn: async (): Promise<Devices> => {
      const list = await nvr.devices.list();
      let rows = applyChange(new Map(), list);
      for (const c of early.devices.splice(0)) rows = applyChange(rows, c.devices, c.removed);
      return rows;
    },
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
    queryFn: async (): Promise<Cases> => {
      const l = await nvr.cases.list();
      return { ...l, cases: early.cases.splice(0).reduce(mergeCase, l.cases) };
    },
  });
}

export function useSyncRun() {
  return useQuery({ queryKey: keys.syncRun, queryFn: () => nvr.sync.status({}) });
}

/** Puts a run the renderer just started (or asked for) in the cache; its events follow. */
export function showRun(run: SyncRunState | null): void {
  queryClient.setQueryData(keys.syncRun, run);
}

export function useAppInfo() {
  return useQuery({ queryKey: keys.info, queryFn: () => nvr.app.info() });
}

/** Milliseconds main's app clock is ahead of this machine's clock (tests move it; app.clock says when). */
export function useClockOffset(): number {
  return useAppInfo().data?.clockOffsetMs ?? 0;
}
