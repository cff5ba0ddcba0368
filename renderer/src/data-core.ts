import type { QueryClient } from '@tanstack/react-query';
import type { NvrApi } from '../../common/contract/client';
import type { CaseList } from '../../common/contract/reset';
import type { Diagnostic, ScanState } from '../../common/contract/devices';
import type { SyncRunState } from '../../common/contract/sync';
import type { SiteLoopState } from '../../common/contract/site';
import type { NvrSnapshot, NvrStatus } from '../../common/contract/nvr';
import type { InventoryDevice } from '../../common/domain/device';
import type { ResetCase } from '../../common/reset/case';
import type { z } from 'zod';
import { applyChange } from '../features/devices/model';

/** Cache keys of the renderer's server state. */
export const keys = {
  devices: ['devices'] as const,
  diagnostics: ['devices', 'diagnostics'] as const,
  scan: ['devices', 'scan'] as const,
  cases: ['cases'] as const,
  syncRun: ['sync', 'run'] as const,
  siteLoop: ['site', 'loop'] as const,
  info: ['app', 'info'] as const,
  /** The NVR session (nvr.status), and its last channel read (nvr.channels events). */
  nvrSession: ['nvr', 'session'] as const,
  nvrChannels: ['nvr', 'channels'] as const,
};

const MAX_DIAGNOSTICS = 500;
export type Cases = z.infer<typeof CaseList>;
export type Devices = Map<string, InventoryDevice>;
type Api = Pick<NvrApi, 'on' | 'devices' | 'cases'>;

/** Newer wins: a change that arrives out of order never rolls a case back. */
export function mergeCase(cases: ResetCase[], c: ResetCase): ResetCase[] {
  const old = cases.find((x) => x.id === c.id);
  return old && old.updatedAt > c.updatedAt ? cases : [c, ...cases.filter((x) => x.id !== c.id)];
}

/**
 * Main's contract events applied to the query cache, and the list fetchers that
 * fold in whatever arrived while they were loading (so nothing is lost between
 * "subscribe" and "list"). Pure of React and of the transport: tests pass a fake api.
 */
export function createDataCore(qc: QueryClient, api: Api) {
  const early = { devices: [] as { devices: InventoryDevice[]; removed?: string[] }[], cases: [] as ResetCase[] };
  const offs = [
    api.on('devices.changed', (change) => {
      if (qc.getQueryData(keys.devices) === undefined) early.devices.push(change);
      else qc.setQueryData<Devices>(keys.devices, (rows) => applyChange(rows ?? new Map(), change.devices, change.removed));
    }),
    api.on('devices.diagnostic', (d) => qc.setQueryData<Diagnostic[]>(keys.diagnostics, (xs) => [...(xs ?? []), d].slice(-MAX_DIAGNOSTICS))),
    api.on('devices.scanState', (s) => qc.setQueryData<ScanState>(keys.scan, s)),
    api.on('cases.changed', ({ case: c }) => {
      if (qc.getQueryData(keys.cases) === undefined) early.cases.push(c);
      else qc.setQueryData<Cases>(keys.cases, (l) => (l ? { ...l, cases: mergeCase(l.cases, c) } : l));
    }),
    api.on('sync.progress', ({ runId, rows }) =>
      qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => {
        if (!prev || prev.runId !== runId) return prev;
        const byKey = new Map(rows.map((r) => [r.key, r]));
        return { ...prev, rows: prev.rows.map((r) => byKey.get(r.key) ?? r) };
      }),
    ),
    api.on('sync.finished', (state) => qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => (!prev || prev.runId === state.runId ? state : prev))),
    api.on('site.progress', (state) => qc.setQueryData<SiteLoopState | null>(keys.siteLoop, state)),
    api.on('nvr.channels', (snap) => {
      qc.setQueryData<NvrSnapshot>(keys.nvrChannels, snap);
      qc.setQueryData<NvrStatus>(keys.nvrSession, (s) => ({ failures: 0, maxFailures: 0, ...s, signedIn: true, url: snap.url, username: snap.username }));
    }),
    api.on('app.clock', ({ clockOffsetMs }) =>
      qc.setQueryData(keys.info, (i: { clockOffsetMs: number } | undefined) => (i ? { ...i, clockOffsetMs } : i)),
    ),
  ];
  return {
    async fetchDevices(): Promise<Devices> {
      const list = await api.devices.list();
      let rows = applyChange(new Map(), list);
      for (const c of early.devices.splice(0)) rows = applyChange(rows, c.devices, c.removed);
      return rows;
    },
    async fetchCases(): Promise<Cases> {
      const l = await api.cases.list();
      return { ...l, cases: early.cases.splice(0).reduce(mergeCase, l.cases) };
    },
    stop: () => offs.forEach((off) => off()),
  };
}
